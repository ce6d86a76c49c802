#!/usr/bin/env bash
# IDE benchmark (printed figures, not a test). See run.py.
set -euo pipefail
exec "$(dirname "$0")/../../.venv/bin/python" "$(dirname "$0")/run.py" "$@"
