"""Instructions a page costs the engine, counted by valgrind: steady where time is not.

This machine's speed drifts by a third within minutes, so timing two versions of
the code one after the other often says less than the noise.  The number of
instructions a check executes barely moves from run to run.  It is not time (a
cache miss costs no instruction, and RE2's automata miss the caches a lot), so
it suits changes to Python code and to what C code is asked to do, not changes
to memory layout; ``bench_engine`` stays the benchmark of record.

Each scenario runs a child process under ``valgrind --tool=callgrind`` twice,
once with the measured pass and once without, and divides the difference by the
pages the pass checked, so start-up and warm-up cancel out:

- ``warm``: every page of the corpus checked once (warm-up), then all again;
- ``unseen``: every other page checked (warm-up), then the others, once each
  (RE2 builds automaton states for text it has not seen).

    python -m bench.instructions [--scenario warm|unseen|both]

Needs valgrind (Debian: ``apt-get install -y valgrind``); each scenario takes
a few minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.corpus import build_corpus

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("warm", "unseen")
_COLLECTED = re.compile(r"Collected : (\d+)")


def collected(log: str) -> int:
    """The instruction count callgrind prints at the end of its log."""
    found = _COLLECTED.findall(log)
    if not found:
        raise ValueError("callgrind printed no 'Collected' count; did the child fail?")
    return int(found[-1])


def child(scenario: str, measured: bool) -> None:
    """What runs under valgrind: the warm-up, and the measured pass if asked."""
    from app.engine import Engine

    pages = list(build_corpus().pages)
    engine = Engine(ROOT / "model")
    warm_up, measured_pages = (pages, pages) if scenario == "warm" else (pages[::2], pages[1::2])
    for page in warm_up:
        engine.check(page)
    if measured:
        for page in measured_pages:
            engine.check(page)


def pages_measured(scenario: str) -> int:
    pages = build_corpus().pages
    return len(pages) if scenario == "warm" else len(pages[1::2])


def count(scenario: str, measured: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            scenario,
            *(["--measured"] if measured else []),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"valgrind exited with {done.returncode}:\n{done.stderr[-2000:]}")
        return collected(done.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=(*SCENARIOS, "both"), default="both")
    p.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    p.add_argument("--measured", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(args.child, args.measured)
        return 0
    if shutil.which("valgrind") is None:
        print(
            "instructions: valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr
        )
        return 2
    results = {}
    for scenario in SCENARIOS if args.scenario == "both" else (args.scenario,):
        print(f"  {scenario}: counting (two runs under valgrind, a few minutes) ...", flush=True)
        per_page = (count(scenario, True) - count(scenario, False)) / pages_measured(scenario)
        results[scenario] = per_page
        print(f"{scenario}: {per_page / 1e6:.2f} million instructions a page", flush=True)
    if len(results) == 2:
        print(f"unseen / warm: {results['unseen'] / results['warm']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
