"""On-demand checks: "does CUDA work?" and "is my 3D really accelerated?".

CUDA: a subprocess (so a wedged driver cannot hang the server) that loads libcuda with
ctypes and runs cuInit, counts devices, creates a context, allocates 1 MiB, copies a
pattern there and back and compares it — timed. CUDA error codes become clear messages
(no driver, no device, licence-disabled CUDA on an unlicensed vGPU, driver mismatch).

OpenGL: the renderer report of a running desktop (``app.hooks["desktop_renderer"]``);
otherwise ``glxinfo -B`` inside a throwaway TigerVNC Xvnc on a private unix socket.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any

CUDA_PROBE = r"""
import ctypes, json, sys, time
out = {"ok": False}
def fail(msg, code=None):
    out["error"] = msg
    if code is not None:
        out["cuda_error"] = code
    print(json.dumps(out)); sys.exit(0)
try:
    cuda = ctypes.CDLL("libcuda.so.1")
except OSError as err:
    fail("No CUDA driver: libcuda.so.1 cannot be loaded (" + str(err) + ")")
def call(name, *args):
    rc = getattr(cuda, name)(*args)
    if rc != 0:
        text = ctypes.c_char_p()
        try:
            cuda.cuGetErrorName(rc, ctypes.byref(text))
        except Exception:
            pass
        fail(name + " failed: " + (text.value.decode() if text.value else str(rc)), rc)
t0 = time.perf_counter()
call("cuInit", 0)
version = ctypes.c_int(); call("cuDriverGetVersion", ctypes.byref(version))
count = ctypes.c_int(); call("cuDeviceGetCount", ctypes.byref(count))
out["driver_version"] = version.value; out["device_count"] = count.value
if count.value == 0:
    fail("CUDA sees no device", 100)
dev = ctypes.c_int(); call("cuDeviceGet", ctypes.byref(dev), 0)
name = ctypes.create_string_buffer(256); call("cuDeviceGetName", name, 256, dev)
out["device_name"] = name.value.decode()
ctx = ctypes.c_void_p(); call("cuCtxCreate_v2", ctypes.byref(ctx), 0, dev)
size = 1 << 20
ptr = ctypes.c_uint64(); call("cuMemAlloc_v2", ctypes.byref(ptr), ctypes.c_size_t(size))
src = (ctypes.c_ubyte * size)(*([7, 1, 3, 9] * (size // 4)))
dst = (ctypes.c_ubyte * size)()
t1 = time.perf_counter()
call("cuMemcpyHtoD_v2", ptr, src, ctypes.c_size_t(size))
call("cuMemcpyDtoH_v2", dst, ptr, ctypes.c_size_t(size))
out["alloc_copy_ms"] = round((time.perf_counter() - t1) * 1000, 3)
call("cuMemFree_v2", ptr); call("cuCtxDestroy_v2", ctx)
out["init_ms"] = round((t1 - t0) * 1000, 3)
out["ok"] = bytes(src) == bytes(dst)
if not out["ok"]:
    out["error"] = "data copied to the GPU and back came back different"
print(json.dumps(out))
"""

#: CUDA error codes → what they mean for the user.
CUDA_HINTS = {
    2: "out of GPU memory (another process holds it all?)",
    3: "CUDA is not initialised (often licence-disabled CUDA on an unlicensed vGPU)",
    35: "the CUDA driver is older than the runtime needs (driver/runtime mismatch)",
    46: "the device is busy or unavailable (exclusive compute mode)",
    100: "no CUDA-capable device is visible (check NVIDIA_VISIBLE_DEVICES / the device plugin)",
    101: "invalid device ordinal (CUDA_VISIBLE_DEVICES names a GPU that is not there)",
    801: "operation not supported (CUDA is disabled on an unlicensed vGPU)",
    803: "system has an unsupported display driver / CUDA driver combination (version mismatch)",
    804: "forward compatibility is not supported on this GPU (driver/CUDA mismatch)",
    999: "unknown error (often an unlicensed vGPU with CUDA disabled, or a GPU needing reset)",
}


async def cuda_check(timeout: float = 30.0) -> dict[str, Any]:
    """Run the CUDA probe in a subprocess; never raises."""
    started = time.perf_counter()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CUDA_PROBE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        return _result(
            "cuda",
            False,
            f"The CUDA probe did not finish within {timeout:g} s",
            {},
            started,
            error="timeout (the GPU may be wedged)",
        )
    try:
        details = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return _result(
            "cuda",
            False,
            "The CUDA probe crashed",
            {},
            started,
            error=err.decode("utf-8", "replace")[-500:],
        )
    if details.get("ok"):
        summary = (
            f"CUDA works: {details.get('device_count')} device(s), "
            f"{details.get('device_name')}, 1 MiB copy in {details.get('alloc_copy_ms')} ms"
        )
        return _result("cuda", True, summary, details, started)
    code = details.get("cuda_error")
    hint = CUDA_HINTS.get(code) if code is not None else None
    error = details.get("error", "CUDA failed")
    return _result(
        "cuda", False, error + (f" — {hint}" if hint else ""), details, started, error=error
    )


async def opengl_check(app: Any, timeout: float = 20.0) -> dict[str, Any]:
    """The renderer of a running desktop, else of a throwaway Xvnc; never raises."""
    started = time.perf_counter()
    hook = getattr(app, "hooks", {}).get("desktop_renderer")
    if hook is not None:
        try:
            report = await hook(None)
        except Exception:
            report = None
        if report and report.get("renderer"):
            return _opengl_result(report, "desktop", started)
    report = await throwaway_glxinfo(timeout)
    return _opengl_result(report, "throwaway-xvnc", started)


def _opengl_result(report: dict[str, Any], source: str, started: float) -> dict[str, Any]:
    accelerated = bool(report.get("accelerated"))
    renderer = report.get("renderer")
    if renderer:
        summary = (
            f"3D is GPU-accelerated: {renderer}"
            if accelerated
            else f"3D is rendered in software ({renderer}), not on a GPU"
        )
    else:
        summary = report.get("error") or "No OpenGL renderer could be found"
    result = _result("opengl", bool(renderer), summary, report, started, error=report.get("error"))
    result.update(
        accelerated=accelerated,
        renderer=renderer,
        vendor=report.get("vendor"),
        mode=report.get("mode") or ("software" if not accelerated else None),
        source=source,
    )
    return result


async def throwaway_glxinfo(timeout: float = 20.0) -> dict[str, Any]:
    """Start Xvnc on a private socket, run ``glxinfo -B`` on it, stop Xvnc.

    Reuses the desktop's helpers: a 0600 MIT-MAGIC-COOKIE Xauthority file
    (:func:`..desktop.xutil.write_xauthority`) so no other user can use the display while
    it exists, ``-displayfd`` parsing (:func:`..desktop.xutil.parse_display`) and the
    timeout-bounded runner of the renderer check (:func:`..desktop.modes.run_capture`).
    No TCP: ``-rfbport -1 -nolisten tcp``; VNC only on a unix socket in a 0700 directory.
    """
    from ..desktop import xutil
    from ..desktop.modes import find_tool, is_accelerated, parse_glxinfo, run_capture

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
    from ..desktop.xutil import parse_display

    loop = asyncio.get_running_loop()
    data = b""
    while b"\n" not in data:
        chunk = await loop.run_in_executor(None, os.read, fd, 64)
        if not chunk:
            break
        data += chunk
    return parse_display(data.decode("ascii", "replace"))


def _result(
    check: str,
    ok: bool,
    summary: str,
    details: dict[str, Any],
    started: float,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "check": check,
        "ok": ok,
        "summary": summary,
        "details": details,
        "error": None if ok else (error or summary),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
