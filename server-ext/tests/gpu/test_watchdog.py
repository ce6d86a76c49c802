"""The sampler's watchdog: a hung sample is reported and replaced by exactly one thread."""

from __future__ import annotations

import threading
import time

from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.monitor import GPUMonitor
from jupyter_workbench.gpu.parse import parse_any

from .gpu_fixtures import read


class HangingOnce:
    """A source (test stand-in) whose second sample hangs for ``hang`` seconds."""

    name = "replay"

    def __init__(self, hang: float) -> None:
        self.tree = parse_any(read("tesla-t4.xml"))
        self.hang = hang
        self.calls = 0

    def sample(self):
        self.calls += 1
        if self.calls == 2:
            time.sleep(self.hang)
        return snapshot_from_tree(self.tree, self.name, time.time())


def test_stall_is_reported_and_only_one_sampler_survives():
    monitor = GPUMonitor(interval=0.5, watchdog_factor=2)
    source = HangingOnce(hang=2.5)
    monitor._source = source
    try:
        monitor.ensure_started()
        time.sleep(1.8)  # the second sample hangs since ~0.5 s
        snap = monitor.snapshot()
        assert snap.get("stalled") is True and "not answered" in snap["message"]
        time.sleep(2.0)  # the hung call returns; its thread must exit, not keep sampling
        samplers = [t for t in threading.enumerate() if t.name == "workbench-gpu-sampler"]
        assert len([t for t in samplers if t.is_alive()]) == 1
        calls = source.calls
        time.sleep(1.0)
        assert source.calls - calls <= 3  # one thread at 2 Hz, not two
    finally:
        monitor.stop()


def test_stall_is_pushed_to_subscribers_without_any_reader():
    """Only WebSocket subscribers, nobody calling snapshot(): the loop watchdog tells them."""
    import asyncio

    async def scenario() -> list[dict]:
        monitor = GPUMonitor(interval=0.5, watchdog_factor=2)
        monitor._source = HangingOnce(hang=3.0)
        received: list[dict] = []
        try:
            monitor.subscribe(received.append)
            await asyncio.sleep(2.6)  # the 2nd sample hangs from ~0.5 s; stalled after 1 s
        finally:
            monitor.stop()
        return received

    received = asyncio.run(scenario())
    stalled = [m for m in received if m.get("stalled")]
    assert stalled and "not answered" in stalled[0]["message"]
    # After the stall notice, the fresh thread's samples arrive again.
    assert received[-1].get("stalled") is None
