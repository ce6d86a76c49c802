"""The replay source and the real capture shipped in the package (demos without a GPU)."""

from __future__ import annotations

from jupyter_workbench.gpu.monitor import GPUMonitor
from jupyter_workbench.gpu.sources import PACKAGED_CAPTURE, ReplaySource

from .gpu_fixtures import GPU_FIXTURES


def test_packaged_capture_is_the_real_fixture_unchanged():
    fixture = GPU_FIXTURES / "nvidia-smi-captures" / PACKAGED_CAPTURE.name
    assert PACKAGED_CAPTURE.read_bytes() == fixture.read_bytes()
    captures = PACKAGED_CAPTURE.parent
    assert (captures / "nvidia_gpu_exporter-LICENSE").read_bytes() == (
        GPU_FIXTURES / "licenses" / "nvidia_gpu_exporter-LICENSE"
    ).read_bytes()
    assert PACKAGED_CAPTURE.name in (captures / "SOURCES.md").read_text(encoding="utf-8")


def test_replay_without_a_file_replays_the_packaged_capture():
    source = GPUMonitor(source="replay").make_source()
    assert isinstance(source, ReplaySource)
    snap = source.sample()
    assert snap["source"] == "replay" and snap["status"] == "ok"
    assert snap["replay_of"] == PACKAGED_CAPTURE.name
    assert [g["name"] for g in snap["gpus"]] == ["NVIDIA H100 80GB HBM3"]
    assert snap["gpus"][0]["mig"]["enabled"]


def test_replay_names_the_configured_file():
    path = GPU_FIXTURES / "nvidia-smi-xml" / "tesla-t4.xml"
    snap = GPUMonitor(source="replay", replay_file=str(path)).make_source().sample()
    assert snap["source"] == "replay" and snap["replay_of"] == "tesla-t4.xml"
    assert snap["gpus"][0]["name"] == "Tesla T4"


def test_replay_of_a_missing_file_says_so(tmp_path):
    snap = ReplaySource(str(tmp_path / "gone.xml")).sample()
    assert snap["status"] == "error" and "gone.xml" in snap["message"]
    assert snap["source"] == "replay" and snap["replay_of"] == "gone.xml"
