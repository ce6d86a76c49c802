#!/usr/bin/env bash
# Fail when anything but the Makefile refers to ../shared (or WORKBENCH_SHARED_DIR): tests,
# configs and benches use the fixtures in the repository, so a clone anywhere passes `make test`.
# The Makefile alone may take public artefacts from ../shared as an offline cache (and fetch them
# from their public homes without it); docs/*.md may say so in prose.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./shared|WORKBENCH_SHARED_DIR|shared/(fixtures|vendor)|/ *["'"'"']shared["'"'"']'
if hits="$(git grep -n -I -E --untracked "$pattern" -- . \
  ':(exclude)Makefile' ':(exclude)docs/*.md' ':(exclude)scripts/check-no-shared.sh')"; then
  echo "These files refer to ../shared (only the Makefile may, as an offline cache):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no file but the Makefile refers to ../shared"
