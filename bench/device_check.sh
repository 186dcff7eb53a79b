#!/usr/bin/env bash
# The device check (bench/device_check.py): tests, throughput and a 10-label run on an accelerator, one JSON.
# Needs `make test`'s environment (.venv); `--device cpu` runs it end to end on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
exec "$PY" bench/device_check.py "$@"
