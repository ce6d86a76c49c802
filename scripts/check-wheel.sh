#!/usr/bin/env bash
# Build the wheel, install it in a fresh venv with no Node on PATH, and check that
# Jupyter sees the server extension and every prebuilt labextension, enabled and OK.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== building the wheel"
HATCH_JUPYTER_BUILDER_SKIP_NPM=1 "$PY" -m build --wheel --outdir "$WORK/dist" "$ROOT/server-ext" >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/*.whl)"
echo "   $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB)"

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

fail=0
echo "$servers" | grep -Eq 'jupyter_workbench +enabled' || { echo "server extension not enabled"; fail=1; }
echo "$servers" | grep -Eq 'jupyter_workbench [0-9.]+ +OK' || { echo "server extension not OK"; fail=1; }
for ext in $(cd "$ROOT/server-ext/jupyter_workbench/labextensions/@jupyter-workbench" && ls); do
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
[ "$fail" = 0 ] && echo "wheel check: OK"
exit "$fail"
