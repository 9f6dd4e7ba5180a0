#!/usr/bin/env bash
# Set everything up and start the service with the shipped model on http://127.0.0.1:8000.
# Extra arguments go to `redflag serve` (e.g. --host 0.0.0.0 --port 8080 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/redflag serve "$@"
