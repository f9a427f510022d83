#!/usr/bin/env bash
# `npm test`: every test, unit and end-to-end, against a fresh build. Kernel-level tests
# need root; without it they are skipped and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
npx tsc --noEmit -p .
exec npx ava "$@"
