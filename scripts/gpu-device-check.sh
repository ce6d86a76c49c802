#!/usr/bin/env bash
# GPU device check (issue 5): run on a lent GPU machine, never in `make test`.
#
#   make device-check-prep                  # here: .device/ = our wheel + nvidia-ml-py's,
#                                           # VirtualGL (built by make) + libturbojpeg
#   device run: bash scripts/gpu-device-check.sh   (carry [".device"], timeout ~480 s)
#
# The 3D path (issue 10): VirtualGL's EGL back end on the real NVIDIA device, through the
# server's own mode selection and renderer report (the renderer must be NVIDIA and
# accelerated, the GLX vendor VirtualGL), then glxspheres64 for a fixed number of frames on
# the GPU (vglrun -d egl0) and on llvmpipe (Xvnc's own GLX) in the same run. It needs an X
# server with GLX on the device (TigerVNC Xvnc, else Xvfb); without one the step says so.
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

step "3D: VirtualGL's EGL back end on the NVIDIA device"
VGL="$ROOT/.device/VirtualGL"
if [ ! -x "$VGL/bin/vglrun" ]; then
  note_fail "no VirtualGL in .device/ (make device-check-prep builds and carries it)"
else
  # The faker's libdir is baked into .vglrun.vars64 as the build machine's path: put the
  # carried one (and the carried libturbojpeg) on the loader path instead.
  export LD_LIBRARY_PATH="$VGL/lib:$VGL/lib64:$ROOT/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  "$VGL/bin/vglrun" --version
  ls /usr/share/glvnd/egl_vendor.d/ /etc/glvnd/egl_vendor.d/ 2>/dev/null
  "$VGL/bin/eglinfo" -e 2>&1 | head -20 || true
  X2D="$(command -v Xvnc || command -v Xvfb || true)"
  if [ -z "$X2D" ]; then
    note_fail "no X server with GLX (Xvnc or Xvfb) on the device: the 3D path was not run"
  else
    GLXINFO="$(command -v glxinfo || echo "$VGL/bin/glxinfo")"
    # -displayfd writes the display number to fd 9: here a plain file.
    case "$X2D" in
      *Xvnc) "$X2D" -geometry 1280x720 -depth 24 -rfbport -1 -SecurityTypes None -nolisten tcp \
               -displayfd 9 9>"$WORK/x2d.fd" >"$OUT/x2d.log" 2>&1 & ;;
      *) "$X2D" -screen 0 1280x720x24 -nolisten tcp -displayfd 9 9>"$WORK/x2d.fd" \
           >"$OUT/x2d.log" 2>&1 & ;;
    esac
    X2D_PID=$!
    for _ in $(seq 100); do [ -s "$WORK/x2d.fd" ] && break; sleep 0.1; done
    D=":$(tr -d '[:space:]' < "$WORK/x2d.fd")"
    echo "2D X server $X2D on $D"
    timeout 120 env DISPLAY="$D" VGLRUN="$VGL/bin/vglrun" GLXINFO="$GLXINFO" "$PY" - <<'PY' | tee "$OUT/renderer-egl.json"
import asyncio, json, os
from jupyter_workbench.desktop import modes
settings = modes.RenderingSettings(vglrun=os.environ["VGLRUN"], glxinfo=os.environ["GLXINFO"])
selection = asyncio.run(modes.select_mode(settings))
report = asyncio.run(modes.renderer_report(os.environ["DISPLAY"], None, selection, settings))
report["summary"] = modes.summary(report)
print(json.dumps(report, indent=1))
PY
    "$PY" - "$OUT/renderer-egl.json" <<'PY' || note_fail "the EGL back end did not render on the NVIDIA GPU through VirtualGL"
import json, sys
r = json.load(open(sys.argv[1]))
print("mode:", r["mode"], "| virtualgl:", r["virtualgl"], "| renderer:", r["renderer"], "| accelerated:", r["accelerated"], "|", r["summary"])
ok = r["mode"] == "egl" and r["virtualgl"] is True and r["accelerated"] is True and "NVIDIA" in (r["renderer"] or "")
sys.exit(0 if ok else 1)
PY
    step "3D: glxspheres64 (300 frames, 1280x720) on the GPU and on llvmpipe"
    # stdbuf: its figures line by line (a run cut by the timeout still leaves them).
    for run in "gpu:$VGL/bin/vglrun -d egl0" "llvmpipe:"; do
      name="${run%%:*}"; prefix="${run#*:}"
      # shellcheck disable=SC2086
      timeout 90 env DISPLAY="$D" stdbuf -oL $prefix "$VGL/bin/glxspheres64" -fs -f 300 -bt 2 \
        > "$OUT/glxspheres-$name.txt" 2>&1
      echo "$name (exit $?): $(grep -E 'OpenGL Renderer' "$OUT/glxspheres-$name.txt" | head -1)"
      grep -E 'frames/sec' "$OUT/glxspheres-$name.txt" | tail -3
    done
    grep -q "OpenGL Renderer: NVIDIA" "$OUT/glxspheres-gpu.txt" || note_fail "glxspheres64 under vglrun -d egl0 did not render on NVIDIA"
    kill "$X2D_PID" 2>/dev/null
  fi
fi

step "result"
[ "$status" = 0 ] && echo "device check: OK" || echo "device check: FAILED (see the !! lines)"
rm -rf "$WORK"
exit "$status"
