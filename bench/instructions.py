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

    python -m bench.instructions [--scenario warm|unseen|both] [--caches]

With ``--caches`` the child runs under ``valgrind --tool=cachegrind`` with its
cache simulation instead (32 KB L1 caches and a last-level cache of
``--ll-kb``, 512 KB by default: one core's L2 here, since the L3 is shared
with other machines), and each scenario also reports the misses of that
last level a page, instructions and data: what a change to memory layout or
to what is read does, which the instruction count cannot show (this machine
has no hardware counters, and its timing drifts by more than such changes).

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
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")
_LL_MISSES = re.compile(r"LL misses:\s+([\d,]+)")


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


def simulated(log: str) -> tuple[int, int]:
    """Instructions and last-level misses from cachegrind's summary."""
    refs, misses = _REFS.findall(log), _LL_MISSES.findall(log)
    if not refs or not misses:
        raise ValueError("cachegrind printed no 'I refs' or 'LL misses'; did the child fail?")
    return int(refs[-1].replace(",", "")), int(misses[-1].replace(",", ""))


def pages_measured(scenario: str) -> int:
    pages = build_corpus().pages
    return len(pages) if scenario == "warm" else len(pages[1::2])


def count(scenario: str, measured: bool, ll_kb: int | None = None) -> tuple[int, int | None]:
    """Instructions of the child's run, and with ``ll_kb`` its simulated misses of a
    last-level cache of that size."""
    with tempfile.TemporaryDirectory() as tmp:
        tool = (
            [
                "--tool=cachegrind",
                "--cache-sim=yes",
                "--I1=32768,8,64",
                "--D1=32768,8,64",
                f"--LL={ll_kb * 1024},8,64",
                f"--cachegrind-out-file={tmp}/cachegrind.out",
            ]
            if ll_kb
            else ["--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out"]
        )
        command = [
            "valgrind",
            *tool,
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
        if ll_kb:
            return simulated(done.stderr)
        return collected(done.stderr), None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=(*SCENARIOS, "both"), default="both")
    p.add_argument(
        "--caches",
        action="store_true",
        help="cachegrind's cache simulation: also last-level misses a page",
    )
    p.add_argument(
        "--ll-kb", type=int, default=512, help="the simulated last level, KB (default 512)"
    )
    p.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    p.add_argument("--measured", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(args.child, args.measured)
        return 0
    if args.caches and args.ll_kb <= 0:
        print("instructions: --ll-kb must be positive", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print(
            "instructions: valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr
        )
        return 2
    results = {}
    ll_kb = args.ll_kb if args.caches else None
    for scenario in SCENARIOS if args.scenario == "both" else (args.scenario,):
        print(f"  {scenario}: counting (two runs under valgrind, a few minutes) ...", flush=True)
        (with_pass, misses_with), (without, misses_without) = (
            count(scenario, True, ll_kb),
            count(scenario, False, ll_kb),
        )
        n = pages_measured(scenario)
        per_page = (with_pass - without) / n
        results[scenario] = per_page
        line = f"{scenario}: {per_page / 1e6:.2f} million instructions a page"
        if misses_with is not None and misses_without is not None:
            misses = (misses_with - misses_without) / n
            line += f", {misses / 1e3:.1f} thousand misses of a {ll_kb} KB last level a page"
        print(line, flush=True)
    if len(results) == 2:
        print(f"unseen / warm: {results['unseen'] / results['warm']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
