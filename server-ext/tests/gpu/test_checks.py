"""The OpenGL and CUDA checks, run for real (Xvnc + Mesa here; no libcuda here)."""

from __future__ import annotations

import asyncio
import ctypes.util
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from jupyter_workbench.desktop import xutil
from jupyter_workbench.desktop.probe import throwaway_glxinfo
from jupyter_workbench.gpu import checks


def renderers(running_report):
    """Stands in for the desktop feature: a fixed running report, the real throwaway Xvnc."""

    async def running_renderer(name=None):
        return running_report

    return SimpleNamespace(running_renderer=running_renderer, throwaway_renderer=throwaway_glxinfo)


def test_throwaway_xvnc_says_software_and_cleans_up():
    report = asyncio.run(throwaway_glxinfo(timeout=20))
    assert report.get("error") is None, report
    assert report["accelerated"] is False and report["mode"] == "software"
    assert "llvmpipe" in report["renderer"]
    display = xutil.parse_display(report["display"])
    assert display is not None
    # Xvnc is gone and left neither its lock nor its socket behind.
    lock = xutil.lock_path(display)
    if os.path.exists(lock):  # another session may have taken the number since
        pid = xutil.read_lock_pid(lock)
        assert pid is not None and xutil.pid_alive(pid)
    else:
        assert not os.path.exists(xutil.socket_path(display))


def test_a_running_desktop_report_is_preferred():
    running = {"renderer": "llvmpipe (LLVM 15.0.6, 256 bits)", "accelerated": False}
    result = asyncio.run(checks.opengl_check(renderers(running)))
    assert result["source"] == "desktop" and result["mode"] == "software"
    assert result["ok"] is True and "software" in result["summary"]


def test_a_stopped_desktop_falls_back_to_the_throwaway_server():
    result = asyncio.run(checks.opengl_check(renderers(None)))  # no desktop running
    assert result["source"] == "throwaway-xvnc" and result["accelerated"] is False


def test_cuda_without_libcuda_says_so():
    result = asyncio.run(checks.cuda_check(timeout=30))
    assert result["check"] == "cuda" and isinstance(result["duration_ms"], float)
    if ctypes.util.find_library("cuda") is None:
        assert result["ok"] is False
        assert "libcuda.so.1" in result["summary"] and result["error"]


@pytest.fixture
def fake_libcuda(tmp_path, monkeypatch):
    """Builds the libcuda TEST DOUBLE (tests/gpu/doubles/fake_libcuda.c) and puts it first."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build the libcuda test double")
    source = Path(__file__).parent / "doubles" / "fake_libcuda.c"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-o", str(tmp_path / "libcuda.so.1"), str(source)], check=True
    )
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    return monkeypatch


def test_cuda_probe_allocates_copies_and_compares(fake_libcuda):
    result = asyncio.run(checks.cuda_check(timeout=30))
    assert result["ok"] is True, result
    details = result["details"]
    assert details["device_count"] == 1 and details["driver_version"] == 13010
    assert details["alloc_copy_ms"] >= 0 and "1 MiB copy" in result["summary"]
    fake_libcuda.setenv("FAKE_CUDA_CORRUPT", "1")
    corrupt = asyncio.run(checks.cuda_check(timeout=30))
    assert corrupt["ok"] is False and "came back different" in corrupt["error"]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (100, "CUDA_ERROR_NO_DEVICE — no CUDA-capable device"),
        (803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH — system has an unsupported display driver"),
        (801, "unlicensed vGPU"),
        (999, "unlicensed vGPU"),
    ],
)
def test_cuda_error_codes_become_clear_messages(fake_libcuda, code, words):
    fake_libcuda.setenv("FAKE_CUDA_INIT_ERROR", str(code))
    result = asyncio.run(checks.cuda_check(timeout=30))
    assert result["ok"] is False and result["details"]["cuda_error"] == code
    assert result["summary"].startswith("cuInit failed") and words in result["summary"]


def test_zero_devices(fake_libcuda):
    fake_libcuda.setenv("FAKE_CUDA_DEVICES", "0")
    result = asyncio.run(checks.cuda_check(timeout=30))
    assert result["ok"] is False and "no device" in result["summary"].lower()
