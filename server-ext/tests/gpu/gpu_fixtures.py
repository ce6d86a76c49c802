"""Access to the real nvidia-smi captures in tests/fixtures/gpu (read-only; see its SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from ..conftest import FIXTURES

GPU_FIXTURES = FIXTURES / "gpu"


def fixture_files() -> list[Path]:
    """Every real capture: the XML documents and the multi-command text captures."""
    xml = sorted((GPU_FIXTURES / "nvidia-smi-xml").glob("*.xml"))
    txt = sorted((GPU_FIXTURES / "nvidia-smi-captures").glob("*.txt"))
    return xml + txt


def read(name: str) -> str:
    """The text of a fixture, by file name."""
    for path in fixture_files():
        if path.name == name:
            return path.read_text(encoding="utf-8", errors="replace")
    raise FileNotFoundError(name)
