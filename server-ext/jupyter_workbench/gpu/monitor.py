"""One shared GPU sampler, off the event loop, serving every client.

A single thread samples the configured source every ``interval`` seconds; the latest
snapshot (with health verdicts and the session's processes) and the history ring buffers
are read by every HTTP request and pushed to every WebSocket subscriber. No client polls
NVML itself. A watchdog notices a sample that hangs (a wedged driver call cannot be
killed): the snapshot then says so and a fresh thread takes over.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
import time
from typing import Any, Callable  # Any: snapshots are JSON-like; the NVML module is untyped

from traitlets import Enum, Float, Int, Unicode, validate
from traitlets.config import LoggingConfigurable

from .health import with_health
from .model import empty_snapshot
from .procfs import DEVICE_PREFIX, attach_session_processes

#: Floor of the sample interval, in seconds.
MIN_INTERVAL = 0.5
#: History keys kept per GPU.
SERIES = ("utilization_gpu_percent", "memory_used_mib", "temperature_c", "power_w")


class History:
    """Per-GPU ring buffers: full rate for ``hours_full`` hours, then 1-minute means."""

    def __init__(self, interval: float, hours_full: float = 1.0, hours_coarse: float = 24.0):
        self.interval = interval
        self.fine: dict[str, collections.deque[tuple[float, ...]]] = {}
        self.coarse: dict[str, collections.deque[tuple[float, ...]]] = {}
        self._fine_len = max(10, int(hours_full * 3600 / interval))
        self._coarse_len = int(hours_coarse * 60)
        self._bucket: dict[str, list[tuple[float, ...]]] = {}
        self.lock = threading.Lock()

    def add(self, snapshot: dict[str, Any]) -> None:
        """Append one sample of every GPU."""
        t = snapshot["timestamp"]
        with self.lock:
            for gpu in snapshot.get("gpus", []):
                key = gpu.get("uuid") or str(gpu.get("index"))
                row = (t, *(_series_value(gpu, name) for name in SERIES))
                self.fine.setdefault(key, collections.deque(maxlen=self._fine_len)).append(row)
                bucket = self._bucket.setdefault(key, [])
                if bucket and int(bucket[0][0] // 60) != int(t // 60):
                    self.coarse.setdefault(key, collections.deque(maxlen=self._coarse_len)).append(
                        _mean(bucket)
                    )
                    bucket.clear()
                bucket.append(row)

    def series(self, window: str) -> dict[str, dict[str, list[Any]]]:
        """``{uuid: {"t": [...], <series>: [...]}}`` for ``1h`` (full rate) or ``24h``."""
        source = self.fine if window == "1h" else self.coarse
        out: dict[str, dict[str, list[Any]]] = {}
        with self.lock:
            for key, rows in source.items():
                columns: list[tuple[Any, ...]] = (
                    list(zip(*rows)) if rows else [() for _ in range(len(SERIES) + 1)]
                )
                out[key] = {"t": list(columns[0])}
                for position, name in enumerate(SERIES, start=1):
                    out[key][name] = list(columns[position])
        return out


def _series_value(gpu: dict[str, Any], name: str) -> float | None:
    if name == "memory_used_mib":
        return (gpu.get("memory") or {}).get("used_mib")
    return gpu.get(name)


def _mean(rows: list[tuple[float, ...]]) -> tuple[float, ...]:
    out: list[Any] = [rows[-1][0]]  # Any: a cell is a float, or None when not sampled
    for column in range(1, len(rows[0])):
        values = [row[column] for row in rows if row[column] is not None]
        out.append(round(sum(values) / len(values), 2) if values else None)
    return tuple(out)


class GPUMonitor(LoggingConfigurable):
    """The shared GPU sampler (``c.GPUMonitor.…``)."""

    source = Enum(
        ["auto", "nvml", "nvidia-smi", "replay", "none"],
        default_value="auto",
        help="Where samples come from: auto (NVML, else nvidia-smi), nvml, nvidia-smi, "
        "replay (a saved file, see replay_file) or none.",
    ).tag(config=True)
    replay_file = Unicode(
        "",
        help="For demos and tests: a saved `nvidia-smi -q -x` XML file (or an "
        "nvidia_gpu_exporter capture .txt) replayed as if it were this session's GPU. "
        "Used when source is 'replay'. Empty (the default): the real capture shipped in "
        "the package, an H100 in MIG mode (jupyter_workbench/gpu/captures).",
    ).tag(config=True)
    replay_section = Enum(
        ["idle", "load"], default_value="load", help="Which part of a capture file to replay."
    ).tag(config=True)
    interval = Float(2.0, help=f"Seconds between samples (at least {MIN_INTERVAL}).").tag(
        config=True
    )
    slow_interval = Float(
        30.0, help="Seconds between reads of the slow health fields (ECC, remapped rows)."
    ).tag(config=True)
    nvidia_smi_timeout = Float(
        10.0, help="Seconds nvidia-smi may take before it is abandoned."
    ).tag(config=True)
    history_hours = Float(
        1.0, help="Hours of full-rate history (24 h are kept as minute means)."
    ).tag(config=True)
    watchdog_factor = Int(5, help="A sample that takes this many intervals counts as stalled.").tag(
        config=True
    )

    @validate("interval")
    def _validate_interval(self, proposal: dict[str, Any]) -> float:
        return max(MIN_INTERVAL, float(proposal["value"]))

    def __init__(
        self,
        nvml_module: Any = None,
        kernel_pids: Callable[[], dict[int, dict[str, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._nvml_module = nvml_module
        self._source: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._latest: dict[str, Any] | None = None
        self._sample_started: float | None = None
        self._subscribers: set[Callable[[dict[str, Any]], None]] = set()
        self._encoded: tuple[dict[str, Any], str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.history = History(self.interval, self.history_hours)
        self.cycles = 0
        #: PID → ``{"id", "name"}`` of this server's kernels (labels GPU processes).
        self.kernel_pids: Callable[[], dict[int, dict[str, str]]] = kernel_pids or dict
        #: Prefix of the GPU device nodes scanned in /proc/*/fd (tests point it elsewhere).
        self.device_prefix = DEVICE_PREFIX
        self._watch_handle: asyncio.TimerHandle | None = None
        self.lock = threading.Lock()

    # -------------------------------------------------------------- source
    def make_source(self) -> Any:
        """Build the configured source."""
        from .sources import (
            PACKAGED_CAPTURE,
            NoSource,
            NvidiaSmiSource,
            ReplaySource,
            auto_source,
        )

        if self.source == "replay":
            return ReplaySource(self.replay_file or str(PACKAGED_CAPTURE), self.replay_section)
        if self.source == "nvidia-smi":
            return NvidiaSmiSource(
                timeout=self.nvidia_smi_timeout, slow_interval=self.slow_interval
            )
        if self.source == "none":
            return NoSource("GPU monitoring is switched off (GPUMonitor.source = 'none')")
        if self.source == "nvml":
            from .nvml import NvmlSource, load_nvml

            module, why = (self._nvml_module, None) if self._nvml_module else load_nvml()
            return (
                NvmlSource(module, self.slow_interval)
                if module
                else NoSource(f"NVML unavailable: {why}")
            )
        return auto_source(self._nvml_module, self.nvidia_smi_timeout, self.slow_interval)

    # -------------------------------------------------------------- lifecycle
    def ensure_started(self) -> None:
        """Start the sampler thread on first use (nothing runs until a client asks)."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        with self.lock:
            if running is not None and (self._loop is None or self._loop.is_closed()):
                self._loop = running  # where snapshots are delivered to subscribers
            if self._thread is not None and self._thread.is_alive():
                self._arm_watchdog()
                return
            # Each thread has its own stop event: a thread replaced after a hang stops for
            # good once its driver call returns, instead of sampling beside its successor.
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="workbench-gpu-sampler", daemon=True
            )
            self._thread.start()
            self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        """Check for a hung sample every interval on the event loop, clients or not."""
        loop = self._loop
        if loop is None or loop.is_closed() or self._watch_handle is not None:
            return
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._watch_handle = loop.call_later(self.interval, self._watch)

    def _watch(self) -> None:
        """Watchdog tick: a stalled sample is pushed to subscribers and the thread replaced."""
        self._watch_handle = None
        if self._thread is None and self._stop.is_set():
            return  # stopped
        started = self._sample_started
        if (
            started is not None
            and time.monotonic() - started > self.watchdog_factor * self.interval
        ):
            stalled = self.snapshot()  # marks the stall and starts a fresh thread
            for callback in list(self._subscribers):
                callback(stalled)
        self._arm_watchdog()

    async def ready(self, timeout: float = 3.0) -> dict[str, Any]:
        """Start if needed and wait (without blocking the loop) for the first sample."""
        self.ensure_started()
        deadline = time.monotonic() + timeout
        while self._latest is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.snapshot()

    def stop(self) -> None:
        """Stop the sampler thread (and its watchdog)."""
        if self._watch_handle is not None:
            self._watch_handle.cancel()
            self._watch_handle = None
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=2.0)
        self._thread = None

    def _run(self, stop: threading.Event) -> None:
        if self._source is None:
            self._source = self.make_source()
        while not stop.is_set():
            started = time.monotonic()
            self._sample_started = started
            try:
                snapshot = self._source.sample()
            except Exception as err:  # a source must never kill the sampler
                snapshot = empty_snapshot(
                    getattr(self._source, "name", "?"),
                    "error",
                    f"sampling failed: {err}",
                    time.time(),
                )
            self._sample_started = None
            if stop.is_set():
                break
            snapshot["interval_s"] = self.interval
            self._annotate_processes(snapshot)
            with_health(snapshot)
            self._latest = snapshot
            self.cycles += 1
            self.history.add(snapshot)
            if stop.is_set():
                break  # replaced while this sample hung: drop its late result
            self._publish(snapshot)
            stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def _annotate_processes(self, snapshot: dict[str, Any]) -> None:
        """Keep only this session's GPU processes, naming the notebook kernels among them.

        Live sources: the PIDs the driver lists that are ours (this server and its
        descendants) plus our processes holding ``/dev/nvidiaN`` open (NVML lists host
        PIDs, which never match inside a container), see :mod:`.procfs`. A replayed file
        keeps its recorded processes (they come from another machine).
        """
        kernels = self.kernel_pids() if callable(self.kernel_pids) else {}
        if snapshot.get("source") == "replay":
            for gpu in snapshot.get("gpus", []):
                for proc in gpu.get("processes") or []:
                    proc["kernel"] = kernels.get(proc["pid"])
            return
        attach_session_processes(snapshot, kernels, device_prefix=self.device_prefix)

    # -------------------------------------------------------------- readers
    def snapshot(self) -> dict[str, Any]:
        """The latest snapshot (starting the sampler if needed), with a stall warning."""
        self.ensure_started()
        latest = self._latest or empty_snapshot("none", "error", "no sample yet", time.time())
        started = self._sample_started
        if (
            started is not None
            and time.monotonic() - started > self.watchdog_factor * self.interval
        ):
            latest = dict(latest)
            latest["stalled"] = True
            latest["message"] = (
                f"The GPU driver has not answered for {time.monotonic() - started:.0f} s; "
                "showing the last sample"
            )
            self._replace_stalled_thread()
        return latest

    def _replace_stalled_thread(self) -> None:
        with self.lock:
            old = self._thread
            self._thread = None
            self._stop.set()  # the hung thread exits when (if) its call returns
        if old is not None:
            self.log.warning("[workbench] GPU sampler stalled; starting a fresh one")
        self._sample_started = None
        self.ensure_started()

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(snapshot)`` on the event loop after every sample."""
        self.ensure_started()
        self._subscribers.add(callback)
        return lambda: self._subscribers.discard(callback)

    @property
    def subscriber_count(self) -> int:
        """How many clients are subscribed."""
        return len(self._subscribers)

    def stream_message(self, snapshot: dict[str, Any]) -> str:
        """The WebSocket message for ``snapshot``, JSON-encoded once for every subscriber.

        Snapshots published by the sampler are encoded in its thread, off the event loop;
        any other snapshot (the first one a client gets, a stall) is encoded here once.
        """
        cached = self._encoded
        if cached is not None and cached[0] is snapshot:
            return cached[1]
        message = json.dumps({"type": "snapshot", "data": snapshot})
        self._encoded = (snapshot, message)
        return message

    def _publish(self, snapshot: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or not self._subscribers:
            return
        self.stream_message(snapshot)  # in the sampler thread

        def deliver() -> None:
            for callback in list(self._subscribers):
                callback(snapshot)

        try:
            loop.call_soon_threadsafe(deliver)
        except RuntimeError:  # loop closed while shutting down
            pass
