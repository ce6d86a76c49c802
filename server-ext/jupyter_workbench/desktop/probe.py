"""A throwaway Xvnc for one ``glxinfo -B``: which OpenGL renderer this machine offers.

Used by the GPU panel's OpenGL check when no desktop is running (through
:class:`jupyter_workbench.desktop.plugin.DesktopFeature`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from typing import Any  # Any: report values are heterogeneous

from ..core.process import run_capture
from . import xutil
from .modes import find_tool, is_accelerated, parse_glxinfo


async def throwaway_glxinfo(timeout: float = 20.0) -> dict[str, Any]:
    """Start Xvnc on a private socket, run ``glxinfo -B`` on it, stop Xvnc.

    Reuses the desktop's helpers: a 0600 MIT-MAGIC-COOKIE Xauthority file
    (:func:`.xutil.write_xauthority`) so no other user can use the display while
    it exists, ``-displayfd`` parsing (:func:`.xutil.parse_display`) and the
    timeout-bounded runner (:func:`jupyter_workbench.core.process.run_capture`).
    No TCP: ``-rfbport -1 -nolisten tcp``; VNC only on a unix socket in a 0700 directory.
    """
    xvnc, glxinfo = find_tool("Xvnc"), find_tool("glxinfo")
    if not xvnc or not glxinfo:
        missing = (
            "Xvnc (apt install tigervnc-standalone-server)"
            if not xvnc
            else "glxinfo (apt install mesa-utils)"
        )
        return {"error": f"{missing} is not installed"}
    workdir = tempfile.mkdtemp(prefix="wb-gl-")
    os.chmod(workdir, 0o700)
    xauthority = os.path.join(workdir, "Xauthority")
    xutil.write_xauthority(xauthority)
    read_fd, write_fd = os.pipe()
    proc = None
    display: int | None = None
    try:
        proc = await asyncio.create_subprocess_exec(
            xvnc,
            "-displayfd",
            str(write_fd),
            "-auth",
            xauthority,
            "-rfbport",
            "-1",
            "-rfbunixpath",
            os.path.join(workdir, "vnc"),
            "-rfbunixmode",
            "0600",
            "-SecurityTypes",
            "None",
            "-nolisten",
            "tcp",
            "-geometry",
            "640x480",
            pass_fds=(write_fd,),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(write_fd)
        write_fd = -1
        display = await asyncio.wait_for(_read_display(read_fd), timeout)
        if display is None:
            code = proc.returncode
            return {"error": f"Xvnc exited (code {code}) before reporting a display number"}
        code, out = await run_capture(
            [glxinfo, "-B"],
            env={"DISPLAY": f":{display}", "XAUTHORITY": xauthority},
            timeout=timeout,
        )
        facts = parse_glxinfo(out)
        if code != 0 or "renderer" not in facts:
            tail = " ".join(out.strip().splitlines()[-3:])[:300]
            return {"error": f"glxinfo failed (exit {code}): {tail}"}
        accelerated = is_accelerated(facts)
        return {
            "renderer": facts.get("renderer"),
            "vendor": facts.get("vendor"),
            "version": facts.get("version"),
            "accelerated": accelerated,
            "mode": "software" if not accelerated else "unknown",
            "display": f":{display}",
        }
    except asyncio.TimeoutError:
        return {"error": f"the throwaway X server did not start within {timeout:g} s"}
    except OSError as err:
        return {"error": f"the throwaway X server check failed: {err}"}
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        os.close(read_fd)
        if proc is not None:
            await _stop_xvnc(proc)
        if display is not None:  # a killed Xvnc leaves its lock and socket behind
            xutil.remove_stale_display(display)
        shutil.rmtree(workdir, ignore_errors=True)


async def _stop_xvnc(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM (Xvnc removes its lock and socket), SIGKILL after 2 s."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 2.0)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


async def _read_display(fd: int) -> int | None:
    """The display number Xvnc writes to its ``-displayfd`` pipe (``None`` on EOF)."""
    loop = asyncio.get_running_loop()
    data = b""
    while b"\n" not in data:
        chunk = await loop.run_in_executor(None, os.read, fd, 64)
        if not chunk:
            break
        data += chunk
    return xutil.parse_display(data.decode("ascii", "replace"))
