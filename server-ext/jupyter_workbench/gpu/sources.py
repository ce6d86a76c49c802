"""Where GPU samples come from: NVML, ``nvidia-smi -q -x``, a replayed file, or nothing.

Each source's ``sample()`` returns a snapshot dict (see :mod:`.model`) and never raises:
a missing driver or GPU becomes a snapshot with ``status`` and a ``message`` saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any  # Any: snapshots are JSON-like trees

from .model import empty_snapshot, snapshot_from_tree
from .parse import parse_any, parse_list, parse_xml
from .smi_query import merge_fast, parse_query_csv, query_argv, query_fields, wants_instant

#: The real capture shipped in the package (see ``captures/SOURCES.md``): an H100 in MIG mode.
#: Replayed when ``GPUMonitor.source`` is ``"replay"`` and no ``replay_file`` is set.
PACKAGED_CAPTURE = (
    Path(__file__).parent / "captures" / "linux-x86_64__nvidia-h100-mig__590.48.01.txt"
)


class ReplaySource:
    """Replays a saved ``nvidia-smi -q -x`` XML or capture file (for demos and tests).

    Its snapshots say what they are: ``"source": "replay"`` and ``"replay_of"``, the file's name.
    """

    name = "replay"

    def __init__(self, path: str, section: str = "load") -> None:
        self.path = path
        self.section = section
        self._tree: dict[str, Any] | None = None
        self._error: str | None = None

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                self._tree = parse_any(handle.read(), self.section)
        except (OSError, ValueError) as err:
            self._error = f"cannot replay {self.path}: {err}"

    def sample(self) -> dict[str, Any]:
        """The file's snapshot, stamped now, naming the replayed file."""
        if self._tree is None and self._error is None:
            self._load()
        if self._error:
            snapshot = empty_snapshot(self.name, "error", self._error, time.time())
        else:
            assert self._tree is not None
            snapshot = snapshot_from_tree(self._tree, self.name, time.time())
        snapshot["replay_of"] = os.path.basename(self.path)
        return snapshot


class NvidiaSmiSource:
    """``nvidia-smi`` (bounded by a timeout): the full ``-q -x`` every ``slow_interval``,
    only the fast ``--query-gpu`` metrics in between (see :mod:`.smi_query`)."""

    name = "nvidia-smi"

    def __init__(
        self, executable: str | None = None, timeout: float = 10.0, slow_interval: float = 30.0
    ) -> None:
        self.executable = executable or shutil.which("nvidia-smi")
        self.timeout = timeout
        self.slow_interval = slow_interval
        self._full: dict[str, Any] | None = None
        self._full_at = 0.0
        #: False once this driver's nvidia-smi refused the fast query: full reads only.
        self.fast_query_works = True

    def sample(self) -> dict[str, Any]:
        """A fast sample on top of the last full one, or a full one when that is due."""
        now = time.time()
        due = self._full is None or time.monotonic() - self._full_at >= self.slow_interval
        if not due and self.fast_query_works and self.executable:
            assert self._full is not None
            merged = self._fast(now)
            if merged is not None:
                return merged
        snapshot = self._full_sample(now)
        if snapshot["gpus"]:
            self._full, self._full_at = snapshot, time.monotonic()
        else:
            self._full = None
        return snapshot

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(argv, capture_output=True, timeout=self.timeout, check=False)

    def _fast(self, now: float) -> dict[str, Any] | None:
        """The fast query merged into the last full snapshot; ``None``: read everything."""
        assert self._full is not None
        fields = query_fields(instant=wants_instant(self._full))
        try:
            proc = self._run(query_argv(self.executable or "nvidia-smi", fields))
        except (subprocess.TimeoutExpired, OSError):
            return None
        if proc.returncode != 0:
            message = (proc.stdout or proc.stderr).decode("utf-8", "replace").lower()
            if "not a valid field" in message or "invalid" in message:
                self.fast_query_works = False
            return None
        try:
            rows = parse_query_csv(proc.stdout.decode("utf-8", "replace"), fields)
        except ValueError:
            self.fast_query_works = False
            return None
        assert self._full is not None
        return merge_fast(self._full, rows, now)

    def _full_sample(self, now: float) -> dict[str, Any]:
        """One ``nvidia-smi -q -x`` run."""
        if not self.executable:
            return empty_snapshot(
                self.name, "no-driver", "No NVIDIA driver: nvidia-smi is not installed", now
            )
        try:
            proc = self._run([self.executable, "-q", "-x"])
        except subprocess.TimeoutExpired:
            return empty_snapshot(
                self.name, "error", f"nvidia-smi did not answer within {self.timeout:g} s", now
            )
        except OSError as err:
            return empty_snapshot(self.name, "no-driver", f"cannot run nvidia-smi: {err}", now)
        if proc.returncode != 0:
            message = (proc.stdout or proc.stderr).decode("utf-8", "replace").strip()
            status = "no-driver" if "driver" in message.lower() else "no-gpu"
            return empty_snapshot(
                self.name,
                status,
                message.splitlines()[0] if message else f"nvidia-smi exited with {proc.returncode}",
                now,
            )
        try:
            tree = parse_xml(proc.stdout)
        except Exception as err:  # malformed output must not break the sampler
            return empty_snapshot(self.name, "error", f"unreadable nvidia-smi output: {err}", now)
        if any(_mig_on(gpu) for gpu in tree.get("gpus", [])):
            tree["listing"] = self._listing()
        return snapshot_from_tree(tree, self.name, now)

    def _listing(self) -> list[dict[str, Any]]:
        """``nvidia-smi -L``: NVIDIA's names and UUIDs of the MIG devices (``-q -x`` has
        neither); empty when it fails (the names are then derived, and say so)."""
        try:
            proc = self._run([self.executable or "nvidia-smi", "-L"])
        except (subprocess.TimeoutExpired, OSError):
            return []
        if proc.returncode != 0:
            return []
        return parse_list(proc.stdout.decode("utf-8", "replace"))


def _mig_on(gpu: dict[str, Any]) -> bool:
    mode = gpu.get("mig_mode")
    current = mode.get("current_mig") if isinstance(mode, dict) else None
    return str(current).strip().lower() == "enabled"


class NoSource:
    """No GPU tooling at all."""

    name = "none"

    def __init__(self, message: str) -> None:
        self.message = message

    def sample(self) -> dict[str, Any]:
        """Always the same empty snapshot."""
        return empty_snapshot(self.name, "no-driver", self.message, time.time())


def auto_source(nvml_module: Any = None, timeout: float = 10.0, slow_interval: float = 30.0) -> Any:
    """NVML when it initialises, else nvidia-smi when installed, else nothing (with why)."""
    from .nvml import NvmlSource, load_nvml

    module, why = (nvml_module, None) if nvml_module is not None else load_nvml()
    if module is not None:
        source = NvmlSource(module, slow_interval)
        if source.init_error is None:
            return source
        why = source.init_error
    smi = shutil.which("nvidia-smi")
    if smi:
        return NvidiaSmiSource(smi, timeout, slow_interval)
    if os.path.exists("/proc/driver/nvidia/version"):
        return NoSource(f"The NVIDIA driver is loaded but NVML is unusable: {why}")
    return NoSource(f"No NVIDIA driver in this session ({why or 'libnvidia-ml not found'})")
