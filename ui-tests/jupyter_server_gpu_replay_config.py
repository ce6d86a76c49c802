"""Galata server for the GPU panel on a replayed real capture (no GPU on test machines).

Same as jupyter_server_test_config.py, plus the documented demo/test option
``GPUMonitor.source = "replay"`` with ``GPUMonitor.replay_file`` pointing at a real
``nvidia-smi`` capture of an H100 in MIG mode from shared/fixtures/gpu.
"""

import os
from pathlib import Path

HERE = Path(__file__).parent
exec((HERE / "jupyter_server_test_config.py").read_text())  # noqa: S102

SHARED = Path(os.environ.get("WORKBENCH_SHARED_DIR") or HERE.parent.parent / "shared")
c = get_config()  # noqa: F821
c.GPUMonitor.source = "replay"
c.GPUMonitor.replay_file = str(
    SHARED
    / "fixtures"
    / "gpu"
    / "nvidia-smi-captures"
    / "linux-x86_64__nvidia-h100-mig__590.48.01.txt"
)
c.GPUMonitor.interval = 1.0
