#!/usr/bin/env bash
# Runs the benchmarks (scripts/bench/index.ts); arguments pass through, e.g. `npm run bench -- kv --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/bench/index.ts "$@"
