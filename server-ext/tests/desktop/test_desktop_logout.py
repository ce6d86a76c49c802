"""Logging out of the desktop (the session exits 0) stops it; the next open starts anew."""

from __future__ import annotations

import pytest
from desktop_helpers import RFB_BANNER, needs_xvnc, read_banner, start, state_is, status, wait_until

from jupyter_workbench.desktop import xutil

pytestmark = needs_xvnc


@pytest.fixture
def desktop_config(tmp_path) -> dict:
    flag = tmp_path / "logout"
    script = f"while [ ! -e {flag} ]; do sleep 0.05; done; exit 0"
    return {
        "profiles": [
            {"name": "desktop", "geometry": "800x600", "session": ["/bin/sh", "-c", script]},
        ]
    }


async def test_logout_stops_then_next_open_starts_a_new_desktop(api, jp_ws_fetch, tmp_path):
    first = await start(api)
    (tmp_path / "logout").touch()  # the session script exits 0: the user logged out
    stopped = await wait_until(lambda: state_is(api, "stopped"), timeout=20)
    assert stopped["last_exit_code"] == 0
    assert stopped["error"] is None
    assert not xutil.pid_alive(first["desktop"]["xvnc_pid"])
    (tmp_path / "logout").unlink()
    ws = await jp_ws_fetch("desktop/")
    try:
        assert await read_banner(ws) == RFB_BANNER
    finally:
        ws.close()
    data = await status(api)
    assert (
        data["state"] == "running" and data["desktop"]["xvnc_pid"] != first["desktop"]["xvnc_pid"]
    )
