"""This session's GPU processes from /proc, with real child processes.

There is no /dev/nvidia* here: the children open files named ``<tmp>/nvidiaN`` instead and
the production code is pointed at that prefix (``device_prefix``); everything else — the
/proc walk, the fd links, the kernel mapping — is the real code on real processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from jupyter_workbench.gpu.procfs import (
    MEMORY_UNKNOWN,
    attach_session_processes,
    descendants,
    open_gpu_devices,
    process_parents,
)

#: Opens argv[1] (a stand-in device file), says "ready", sleeps.
HOLDER = "import sys, time; f = open(sys.argv[1], 'w'); print('ready', flush=True); time.sleep(60)"
#: A stand-in "kernel" that starts a holder child and waits for it.
KERNEL = (
    "import subprocess, sys; "
    "p = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], stdout=sys.stdout); "
    "p.wait()"
)


@pytest.fixture
def spawn():
    procs: list[subprocess.Popen] = []

    def start(*argv: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def gpu(index: int, minor: int | None, processes: list | None = None) -> dict:
    return {"index": index, "minor_number": minor, "processes": processes or [], "na": {}}


def test_device_users_are_found_by_minor_number(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    holder = spawn("-c", HOLDER, f"{prefix}1")
    found = open_gpu_devices(descendants(os.getpid(), process_parents()), prefix)
    assert found == {holder.pid: {1}}
    snapshot = {"gpus": [gpu(0, 0), gpu(1, 1)]}
    attach_session_processes(snapshot, kernels={}, device_prefix=prefix)
    assert snapshot["gpus"][0]["processes"] == []
    [entry] = snapshot["gpus"][1]["processes"]
    assert entry["pid"] == holder.pid
    assert entry["name"] and entry["name"].startswith("python")
    assert entry["used_memory_mib"] is None
    assert snapshot["gpus"][1]["na"]["processes.used_memory_mib"] == MEMORY_UNKNOWN


def test_host_pids_from_nvml_that_are_not_ours_are_dropped(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    holder = spawn("-c", HOLDER, f"{prefix}0")
    ours = {"pid": holder.pid, "name": "python", "used_memory_mib": 1005, "kernel": None}
    foreign = {"pid": 2**22 + 17, "name": "python", "used_memory_mib": 500, "kernel": None}
    snapshot = {"gpus": [gpu(0, 0, [ours, foreign])]}
    attach_session_processes(snapshot, kernels={}, device_prefix=prefix)
    procs = snapshot["gpus"][0]["processes"]
    # Ours keeps NVML's memory figure and is not listed twice; the host PID is gone.
    assert [(p["pid"], p["used_memory_mib"]) for p in procs] == [(holder.pid, 1005)]


def test_children_of_a_kernel_are_mapped_to_it(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    kernel = spawn("-c", KERNEL, HOLDER, f"{prefix}0")
    time.sleep(0.1)
    snapshot = {"gpus": [gpu(0, None)]}  # one GPU, minor unknown: still attributed
    kernels = {kernel.pid: {"id": "5f1c0b3e-kernel", "name": "python3"}}
    attach_session_processes(snapshot, kernels=kernels, device_prefix=prefix)
    [entry] = snapshot["gpus"][0]["processes"]
    assert entry["pid"] != kernel.pid  # the grandchild holds the device
    assert entry["kernel"] == {"id": "5f1c0b3e-kernel", "name": "python3"}


def test_kernel_found_by_its_connection_file(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    connection = tmp_path / "kernel-0b8e8e5c-1b2d-4d55-9a8e-2f4c3a9d7e11.json"
    # argv of an ipykernel: ... -f <runtime>/kernel-<id>.json
    holder = spawn("-c", HOLDER, f"{prefix}0", "-f", str(connection))
    snapshot = {"gpus": [gpu(0, 0)]}
    attach_session_processes(snapshot, kernels={}, device_prefix=prefix)
    [entry] = snapshot["gpus"][0]["processes"]
    assert entry["pid"] == holder.pid
    assert entry["kernel"]["id"] == "0b8e8e5c-1b2d-4d55-9a8e-2f4c3a9d7e11"


def test_unknown_minor_numbers_on_several_gpus_say_why(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    spawn("-c", HOLDER, f"{prefix}0")
    snapshot = {"gpus": [gpu(0, None), gpu(1, None)]}
    attach_session_processes(snapshot, kernels={}, device_prefix=prefix)
    for item in snapshot["gpus"]:
        assert item["processes"] == []
        assert "minor number unknown" in item["na"]["processes"]


def test_control_nodes_are_not_gpus(tmp_path, spawn):
    prefix = str(tmp_path / "nvidia")
    spawn("-c", HOLDER, f"{prefix}ctl")
    spawn("-c", HOLDER, f"{prefix}-uvm")
    assert open_gpu_devices(descendants(os.getpid(), process_parents()), prefix) == {}


def test_the_sampler_lists_the_session_processes_not_the_host_pids(tmp_path, spawn):
    """GPUMonitor + the NVML double (tesla-t4.xml: host PIDs 2160 Xorg, 31373 python)."""
    from jupyter_workbench.gpu.model import snapshot_from_tree
    from jupyter_workbench.gpu.monitor import GPUMonitor
    from jupyter_workbench.gpu.nvml import NvmlSource
    from jupyter_workbench.gpu.parse import parse_any

    from . import nvml_double as nd
    from .gpu_fixtures import read

    prefix = str(tmp_path / "nvidia")
    holder = spawn("-c", HOLDER, f"{prefix}0")  # tesla-t4.xml's minor number is 0
    capture = snapshot_from_tree(parse_any(read("tesla-t4.xml")), "file", 0)
    monitor = GPUMonitor(interval=0.5)
    monitor.device_prefix = prefix
    monitor.kernel_pids = lambda: {holder.pid: {"id": "k-1", "name": "python3"}}
    monitor._source = NvmlSource(nd.NvmlDouble(capture))
    try:
        monitor.ensure_started()
        deadline = time.monotonic() + 5
        while monitor.cycles == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        procs = monitor.snapshot()["gpus"][0]["processes"]
    finally:
        monitor.stop()
    assert [(p["pid"], p["kernel"]) for p in procs] == [
        (holder.pid, {"id": "k-1", "name": "python3"})
    ]
