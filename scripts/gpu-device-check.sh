#!/usr/bin/env bash
# GPU device check (issue 5): run on a lent GPU machine, never in `make test`.
#
#   make device-check-prep                  # here: .device/ = our wheel + nvidia-ml-py's
#   device run: bash scripts/gpu-device-check.sh   (carry [".device"], timeout ~480 s)
#
# On the GPU machine (no network): installs the wheel (no Node, no build), runs
# `jupyter workbench gpu --json` on the real GPU (NVML path), the CUDA check, saves
# `nvidia-smi -q -x`, reads that file with the same CLI, and compares the two snapshots
# with scripts/gpu_compare.py. Everything lands in $OUT (the device tool brings it back).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${OUT:-$(mktemp -d)}"
WORK="$(mktemp -d)"
exec > >(tee "$OUT/device-check.log") 2>&1
status=0
step() { echo; echo "== $*"; }
note_fail() { echo "!! $*"; status=1; }

step "machine"
date -u; uname -a; nproc; command -v python3 && python3 --version
command -v nvidia-smi || note_fail "nvidia-smi not found"
nvidia-smi -L || true

step "installing the wheel"
wheels=("$ROOT"/.device/*.whl)
[ -e "${wheels[0]}" ] || { echo "no wheels in .device/: run make device-check-prep here first"; exit 2; }
ls -l "$ROOT"/.device/
if python3 -m venv --system-site-packages "$WORK/venv" 2>/dev/null; then
  PY="$WORK/venv/bin/python"
  "$PY" -m pip install -q --no-index --no-deps "$ROOT"/.device/*.whl || note_fail "pip install failed"
  CLI=("$WORK/venv/bin/jupyter-workbench")
else
  # No venv module: a wheel is a zip; unpack ours and nvidia-ml-py's onto PYTHONPATH.
  echo "python3 -m venv unavailable: unpacking the wheels onto PYTHONPATH"
  for w in "$ROOT"/.device/*.whl; do python3 -m zipfile -e "$w" "$WORK/site"; done
  export PYTHONPATH="$WORK/site"
  PY=python3
  CLI=(python3 -c 'import sys; from jupyter_workbench.cli import main; sys.exit(main())')
fi
"$PY" -c 'import jupyter_workbench, pynvml, sys; print("jupyter_workbench", jupyter_workbench.__version__, "from", jupyter_workbench.__file__); print("nvidia-ml-py", getattr(pynvml, "__version__", "?"))' \
  || note_fail "the installed wheel does not import"

step "jupyter workbench gpu (live, NVML)"
timeout 60 "${CLI[@]}" gpu; echo "exit status $?"
timeout 60 "${CLI[@]}" gpu --json > "$OUT/snapshot-live.json"; echo "exit status $?"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print("source:", s["source"], "status:", s["status"], "gpus:", len(s["gpus"]))' "$OUT/snapshot-live.json" \
  || note_fail "no JSON snapshot"
grep -q '"source": "nvml"' "$OUT/snapshot-live.json" || note_fail "the live snapshot did not come from NVML"

step "CUDA check"
timeout 120 "$PY" -c 'import asyncio, json; from jupyter_workbench.gpu.checks import cuda_check; print(json.dumps(asyncio.run(cuda_check()), indent=2))' \
  | tee "$OUT/cuda-check.json"
grep -q '"ok": true' "$OUT/cuda-check.json" || note_fail "the CUDA check did not pass"

step "nvidia-smi -q -x, read by the same CLI"
timeout 60 nvidia-smi -q -x > "$OUT/nvidia-smi.xml" || note_fail "nvidia-smi -q -x failed"
timeout 60 "${CLI[@]}" gpu --nvidia-smi-xml "$OUT/nvidia-smi.xml" --json > "$OUT/snapshot-nvidia-smi.json"; echo "exit status $?"
timeout 60 "${CLI[@]}" gpu --json > "$OUT/snapshot-live-after.json"

step "compare: live NVML snapshot vs nvidia-smi's"
python3 "$ROOT/scripts/gpu_compare.py" "$OUT/snapshot-live-after.json" "$OUT/snapshot-nvidia-smi.json" \
  || note_fail "the snapshots disagree"

step "one sampler, timed (NVML cost per cycle)"
timeout 60 "$PY" - <<'PY' | tee "$OUT/sampler-cost.txt"
import statistics, time
from jupyter_workbench.gpu.sources import auto_source
source = auto_source()
source.sample()
times = []
for _ in range(20):
    t = time.perf_counter(); source.sample(); times.append((time.perf_counter() - t) * 1000)
print(f"{type(source).__name__}: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms per sample (20 samples)")
PY

step "result"
[ "$status" = 0 ] && echo "device check: OK" || echo "device check: FAILED (see the !! lines)"
rm -rf "$WORK"
exit "$status"
