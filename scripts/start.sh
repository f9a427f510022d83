#!/usr/bin/env bash
# `npm start`: set up what is missing, then run a single-node skerry in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DATA_DIR="${SKERRY_DATA_DIR:-/var/lib/skerry/server}"
echo "start: skerry server --data-dir $DATA_DIR (Ctrl-C stops it)" >&2
exec node dist/skerry.js server --data-dir "$DATA_DIR" "$@"
