"""The one subprocess runner: run a program to completion, bounded in time.

Used for short-lived helpers (``--version`` probes, ``glxinfo``, ``eglinfo``); backends
themselves are long-lived and run by :mod:`jupyter_workbench.core.supervisor`.
"""

from __future__ import annotations

import asyncio
import os


async def run_capture(
    argv: list[str], env: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[int | None, str]:
    """Run ``argv``; return (exit code or None on timeout/missing program, combined output).

    The program runs in its own session (so a timeout kills it alone), with stdin closed
    and ``env`` added to this process's environment.
    """
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    except OSError as err:
        return None, f"{argv[0]}: {err.strerror or err}"
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return None, f"{argv[0]} did not answer within {timeout:g} s"
    return proc.returncode, out.decode("utf-8", "replace")
