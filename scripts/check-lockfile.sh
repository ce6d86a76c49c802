#!/usr/bin/env bash
# Fail when `npm install` would rewrite package-lock.json: the lock must match every
# package.json of the workspace. Runs npm on a copy of the manifests (package.json files and
# the lock only: no node_modules, no scripts), so the working tree is never touched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard -- package.json package-lock.json \
  '*/package.json' ':(exclude)**/node_modules/**' \
  | while IFS= read -r -d '' file; do
      [ -f "$file" ] || continue
      mkdir -p "$WORK/$(dirname "$file")"
      cp -- "$file" "$WORK/$file"
    done
cp package-lock.json "$WORK/package-lock.json.before"
(cd "$WORK" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
  --prefer-offline --loglevel=error >"$WORK/npm.log" 2>&1) || { cat "$WORK/npm.log" >&2; exit 1; }
if ! diff -u "$WORK/package-lock.json.before" "$WORK/package-lock.json" >"$WORK/lock.diff"; then
  echo "package-lock.json is out of date: 'npm install' changes it (run it and commit the lock):" >&2
  head -60 "$WORK/lock.diff" >&2
  exit 1
fi
echo "package-lock.json matches every package.json"
