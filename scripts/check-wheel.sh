#!/usr/bin/env bash
# Build the wheel once, as a bare clone would: from a clean export of the repository (the
# tracked files as they are in the working tree, edits included; no node_modules, no built
# labextensions) with `python -m build` in an isolated build env, which builds the
# labextensions with Node. Then check that the wheel holds the three prebuilt labextensions
# and the packaged GPU capture, install it in a fresh venv with no Node on PATH, and check
# that Jupyter sees the server extension and every labextension, enabled and OK, and that
# the GPU replay works from the installed package.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LABEXTENSIONS=(launcher desktop gpu)
CAPTURE=linux-x86_64__nvidia-h100-mig__590.48.01.txt

echo "== exporting the repository (tracked files as in the working tree)"
# `git stash create` records the working tree's tracked state as a commit without touching
# the tree, the index or any ref; with no local edits it prints nothing and HEAD is exported.
snapshot="$(cd "$ROOT" && GIT_AUTHOR_NAME=check-wheel GIT_AUTHOR_EMAIL=check-wheel@localhost \
  GIT_COMMITTER_NAME=check-wheel GIT_COMMITTER_EMAIL=check-wheel@localhost git stash create)"
mkdir "$WORK/src"
git -C "$ROOT" archive --format=tar "${snapshot:-HEAD}" | tar -xf - -C "$WORK/src"
for path in node_modules server-ext/jupyter_workbench/labextensions; do
  if [ -e "$WORK/src/$path" ]; then echo "the export holds $path" >&2; exit 1; fi
done

echo "== building the wheel (isolated build env; npm builds the labextensions)"
start=$SECONDS
# Only the Makefile's bootstrap skips npm; here the build must do what a bare clone's does.
(unset HATCH_JUPYTER_BUILDER_SKIP_NPM; cd "$WORK/src" && \
  npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false \
  "$PY" -m build --wheel --outdir "$WORK/dist" server-ext) >"$WORK/build.log" 2>&1 \
  || { tail -80 "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/*.whl)"
echo "   $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB) in $((SECONDS - start)) s"

echo "== checking its contents"
contents="$("$PY" -m zipfile -l "$WHEEL" | awk '{print $1}')"
fail=0
for ext in "${LABEXTENSIONS[@]}"; do
  data="jupyter_workbench-[^/]*\.data/data/share/jupyter/labextensions/@jupyter-workbench/$ext"
  for file in "package.json" "static/remoteEntry\.[0-9a-f]*\.js" "static/style\.js"; do
    echo "$contents" | grep -Eq "^$data/$file$" \
      || { echo "the wheel lacks labextension $ext: $file"; fail=1; }
  done
done
for file in "jupyter_workbench/gpu/captures/$CAPTURE" \
  "jupyter_workbench/gpu/captures/nvidia_gpu_exporter-LICENSE" \
  "jupyter_workbench/gpu/captures/SOURCES.md"; do
  echo "$contents" | grep -Fxq "$file" || { echo "the wheel lacks $file"; fail=1; }
done
[ "$fail" = 0 ] || exit 1

echo "== installing it in a fresh venv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "jupyterlab>=4.6,<5" "$WHEEL"

# Only the fresh venv on PATH: no Node, no npm, no repository checkout.
run() { env -i HOME="$WORK" PATH="$WORK/venv/bin" LANG=C.UTF-8 "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }
if env -i PATH="$WORK/venv/bin" sh -c 'command -v node' >/dev/null 2>&1; then
  echo "node is on the check's PATH" >&2; exit 1
fi
cd "$WORK"
servers="$(run "$WORK/venv/bin/jupyter" server extension list)"
labexts="$(run "$WORK/venv/bin/jupyter" labextension list)"
echo "$servers" | grep -i workbench || true
echo "$labexts" | grep -i workbench || true

echo "$servers" | grep -Eq 'jupyter_workbench +enabled' || { echo "server extension not enabled"; fail=1; }
echo "$servers" | grep -Eq 'jupyter_workbench [0-9.]+ +OK' || { echo "server extension not OK"; fail=1; }
for ext in "${LABEXTENSIONS[@]}"; do
  echo "$labexts" | grep -Eq "@jupyter-workbench/$ext v[0-9.]+ +enabled +OK \(python, jupyter-workbench\)" \
    || { echo "labextension @jupyter-workbench/$ext missing, disabled or not OK"; fail=1; }
done
# The wire contract's JSON Schemas are package data.
missing="$("$PY" - "$WHEEL" "$ROOT/server-ext/jupyter_workbench/schemas" <<'EOF'
import pathlib, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for schema in sorted(pathlib.Path(sys.argv[2]).glob("*.json")):
    if f"jupyter_workbench/schemas/{schema.name}" not in names:
        print(schema.name)
EOF
)"
[ -z "$missing" ] || { echo "schemas missing from the wheel: $missing"; fail=1; }

# GPUMonitor.source = "replay" with no replay_file: the capture shipped in the package.
replay="$(run "$WORK/venv/bin/python" -c '
from jupyter_workbench.gpu.monitor import GPUMonitor
snap = GPUMonitor(source="replay").make_source().sample()
print(snap["source"], snap["status"], snap["replay_of"], len(snap["gpus"]))
')"
echo "   replay from the installed package: $replay"
[ "$replay" = "replay ok $CAPTURE 1" ] || { echo "GPU replay of the packaged capture failed"; fail=1; }
[ "$fail" = 0 ] && echo "wheel check: OK"
exit "$fail"
