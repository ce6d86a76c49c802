"""Viewer storms against a real Xvnc: many viewers at once, and reconnect storms (issue 13).

Every viewer reaches Xvnc through the same unix socket, so TigerVNC sees them all as one
peer; with its default blacklist (5 connections not yet past the security handshake per
peer, then a doubling block) only 5 of 20 simultaneous viewers got in ("Too many security
failures"). The desktop's Xvnc runs with ``-BlacklistTimeout 0``.
"""

from __future__ import annotations

import asyncio

from desktop_helpers import RFBViewer, needs_xvnc, start

pytestmark = needs_xvnc

VIEWERS = 20
ROUNDS = 5


async def one_viewer(jp_ws_fetch) -> tuple[int, int, str]:
    ws = await jp_ws_fetch("desktop/")
    try:
        return await asyncio.wait_for(RFBViewer(ws).handshake(), 20)
    finally:
        ws.close()


async def viewers_at_once(jp_ws_fetch, count: int) -> list:
    return await asyncio.gather(
        *(one_viewer(jp_ws_fetch) for _ in range(count)), return_exceptions=True
    )


def failures(results: list) -> list[str]:
    return [repr(result) for result in results if isinstance(result, BaseException)]


async def test_twenty_viewers_at_once_all_connect(jp_ws_fetch, api):
    await start(api)
    results = await viewers_at_once(jp_ws_fetch, VIEWERS)
    assert not failures(results), failures(results)
    assert all(result[:2] == (800, 600) for result in results), results


async def test_reconnect_storm(jp_ws_fetch, api):
    await start(api)
    for round_ in range(ROUNDS):
        results = await viewers_at_once(jp_ws_fetch, VIEWERS)
        assert not failures(results), (round_, failures(results))
    # Still serving one more viewer after the storm.
    assert (await one_viewer(jp_ws_fetch))[:2] == (800, 600)


async def test_twenty_viewers_while_the_desktop_starts(jp_ws_fetch, api):
    # A restored JupyterLab layout opens its desktop tabs at once, before the desktop runs.
    results = await viewers_at_once(jp_ws_fetch, VIEWERS)
    assert not failures(results), failures(results)
