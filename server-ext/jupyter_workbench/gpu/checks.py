"""On-demand checks: "does CUDA work?" and "is my 3D really accelerated?".

CUDA: a subprocess (so a wedged driver cannot hang the server) that loads libcuda with
ctypes and runs cuInit, counts devices, creates a context, allocates 1 MiB, copies a
pattern there and back and compares it — timed. CUDA error codes become clear messages
(no driver, no device, licence-disabled CUDA on an unlicensed vGPU, driver mismatch).

OpenGL: the renderer report of a running desktop; otherwise ``glxinfo -B`` inside a
throwaway TigerVNC Xvnc on a private unix socket. Both come from the desktop feature, which
the app hands over as a :class:`Renderers`.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Protocol  # Any: check details and reports are JSON-like

from ..core.process import run_capture

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
    code, out = await run_capture([sys.executable, "-c", CUDA_PROBE], timeout=timeout)
    if code is None:
        return _result(
            "cuda",
            False,
            f"The CUDA probe did not finish within {timeout:g} s",
            {},
            started,
            error=f"timeout (the GPU may be wedged): {out.strip()}",
        )
    try:
        details = json.loads(out.strip().splitlines()[-1])
        if not isinstance(details, dict):
            raise ValueError(details)
    except (ValueError, IndexError):
        return _result(
            "cuda",
            False,
            "The CUDA probe crashed",
            {},
            started,
            error=out[-500:],
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


class Renderers(Protocol):
    """Where the OpenGL check finds a renderer report (the desktop feature provides it)."""

    async def running_renderer(self) -> dict[str, Any] | None:
        """The renderer report of the first running desktop, ``None`` when none runs."""
        ...

    async def throwaway_renderer(self, timeout: float) -> dict[str, Any]:
        """The renderer report of a throwaway X server (``{"error": …}`` on failure)."""
        ...


async def opengl_check(renderers: Renderers, timeout: float = 20.0) -> dict[str, Any]:
    """The renderer of a running desktop, else of a throwaway Xvnc; never raises."""
    started = time.perf_counter()
    try:
        report = await renderers.running_renderer()
    except Exception:
        report = None
    if report and report.get("renderer"):
        return _opengl_result(report, "desktop", started)
    report = await renderers.throwaway_renderer(timeout)
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
