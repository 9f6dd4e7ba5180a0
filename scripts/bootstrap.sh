#!/usr/bin/env bash
# Create .venv and install the pinned dependencies and redflag itself.
#   scripts/bootstrap.sh          runtime only (requirements.lock)
#   scripts/bootstrap.sh --dev    everything for tests, training and scanning (requirements-dev.lock)
# Works on a fresh Debian machine with Python 3.11: installs python3-venv with apt when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "redflag needs Python 3.11 (found: $("$PY" --version 2>&1))" >&2
  exit 2
fi

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $*" >&2
    exit 2
  fi
}

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv python3.11-venv || apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

# The C extension (setup.py; the model's inner loops) needs a compiler and Python's headers.
# Without them redflag still installs and gives the same results, more slowly.
if ! ls app/engine/_native*.so >/dev/null 2>&1 \
  && { ! command -v cc >/dev/null 2>&1 || ! "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null; } \
      || echo "note: could not install gcc; redflag runs without its C extension (same results, slower)" >&2
    "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-dev >/dev/null || true
  else
    echo "note: no C compiler or Python headers; redflag runs without its C extension (same results, slower)" >&2
  fi
fi

LOCK=requirements.lock
[ "${1:-}" = "--dev" ] && LOCK=requirements-dev.lock
# Skip the installs when nothing they depend on has changed since the last run.
STAMP=".venv/.redflag-$(basename "$LOCK").stamp"
WANT=$(cat "$LOCK" pyproject.toml setup.py app/engine/_native.pyx | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] \
  || { command -v cc >/dev/null 2>&1 && ! ls app/engine/_native*.so >/dev/null 2>&1; }; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$LOCK"
  # builds the C extension in place (its build tools' chatter shown only on failure)
  if ! out=$(.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e . 2>&1); then
    echo "$out" >&2
    exit 1
  fi
  ls app/engine/_native*.so >/dev/null 2>&1 \
    || echo "note: the C extension was not built; redflag runs without it (same results, slower)" >&2
  # The start filter's tables for the shipped rules, written now to the cache that later
  # processes read them from (app/engine/rules/starts_cache.py; REDFLAG_CACHE_DIR is set in
  # the Dockerfile, so the image carries them). Only after an install: the first engine to
  # load builds them anyway, and a start that finds the installs done stays quick.
  .venv/bin/python -m app.engine.rules.starts_cache \
    || echo "note: the start filter's cache was not written; each engine will build it" >&2
  echo "$WANT" > "$STAMP"
fi
# The project's own modules compiled to bytecode now: an editable install leaves them as
# sources, and with PYTHONDONTWRITEBYTECODE (set in the Dockerfile and on many CI
# machines) every process would compile them again as it imports them, ~0.4 s of each
# service worker's start (issue 7). Up-to-date files are skipped; a source edited later
# is compiled from its source again, as before.
.venv/bin/python -m compileall -q -j 0 app
