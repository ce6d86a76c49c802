"""Galata server for the GPU panel on a replayed real capture (no GPU on test machines).

Same as jupyter_server_test_config.py, plus the documented demo/test option
``GPUMonitor.source = "replay"``. No ``GPUMonitor.replay_file`` is set, so the server replays
the real ``nvidia-smi`` capture shipped in the package: an H100 in MIG mode
(``jupyter_workbench/gpu/captures``), exactly what a pip-installed demo shows.
"""

from pathlib import Path

HERE = Path(__file__).parent
exec((HERE / "jupyter_server_test_config.py").read_text())  # noqa: S102

c = get_config()  # noqa: F821
c.GPUMonitor.source = "replay"
c.GPUMonitor.interval = 1.0
