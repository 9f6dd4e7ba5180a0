#!/usr/bin/env bash
# Run every benchmark in bench/ (issue 7) from the repository root, in turn:
#   1. bench_engine   engine MB/s on one core, linearity, proselint, macro-F1, profile
#   2. bench_service  redflag serve vs a bare FastAPI app under wrk
#   3. bench_cli_site the CLI on a generated 2,000-page site (issue 4), if present
# Each prints its summary table; results go to bench/out/*.json, the whole log to
# bench/out/run_all.log.
#
#   bash bench/run_all.sh           # the full run (about fifteen minutes on a busy machine)
#   bash bench/run_all.sh --quick   # a short pass to see that everything runs
#
# PYTHON overrides the interpreter (default: .venv/bin/python).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
mkdir -p bench/out

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "run_all.sh: unknown option $arg (expected --quick)" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing wrk (Debian package) for bench_service ..."
    apt-get install -y -qq wrk >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }
  fi
fi

if [ "$quick" = 1 ]; then
  engine_args=(--smoke --profile)
  service_args=(--duration 3 --warmup 1 --startup-runs 1)
  cli_args=(--pages 200 --rounds 1)
  memory_args=(--megabytes 2 --every 1)
else
  engine_args=(--profile)
  service_args=()
  cli_args=()
  memory_args=()
fi

failed=()
run() {
  local name=$1
  shift
  echo
  echo "== $name: $PY -m bench.$name $*"
  if ! "$PY" -m "bench.$name" "$@"; then
    failed+=("$name")
  fi
}

exec > >(tee bench/out/run_all.log) 2>&1
echo "run_all: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run bench_engine "${engine_args[@]}"
run bench_service "${service_args[@]}"
run bench_memory "${memory_args[@]}"
if [ -f bench/bench_cli_site.py ]; then
  run bench_cli_site "${cli_args[@]}"
else
  echo
  echo "== bench_cli_site: bench/bench_cli_site.py not present, skipped"
fi
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_all: failed: ${failed[*]}"
  exit 1
fi
echo "run_all: every benchmark ran; results in bench/out/"
