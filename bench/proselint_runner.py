"""Time proselint's checking alone; run by ``bench/bench_engine.py`` in proselint's own venv.

This file imports only the standard library and proselint: it runs under the
throwaway venv in ``bench/out/`` (never the project's), pinned to the CPU it is
given.  It prints one JSON line about itself, then reads commands from its
standard input, one a line: ``doc`` lints the corpus as one text, ``pages`` each
page, and each answers with one JSON line of that run's wall and CPU seconds and
its number of results (bench_engine asks in turn with its own runs).  Only
``LintFile(...).lint(config)`` is timed (building the file's line and quote
bounds, then every enabled check); the interpreter's start, imports, reading the
corpus and a warm-up run that compiles every check's patterns are not.
``max_errors`` is raised so that proselint checks the whole text instead of
stopping at its default cap of 1,000 results.

    python proselint_runner.py CORPUS_TXT PAGES_JSON [--cpu N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("pages", type=Path)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})

    # as proselint's command line does before linting
    from proselint.checks import __register__
    from proselint.config import DEFAULT
    from proselint.registry import CheckRegistry
    from proselint.tools import LintFile
    from proselint.version import __version__

    CheckRegistry().register_many(__register__)
    config: dict[str, Any] = {**DEFAULT, "max_errors": sys.maxsize}

    text = args.corpus.read_text("utf-8")
    pages: list[str] = json.loads(args.pages.read_text("utf-8"))
    LintFile("<warm-up>", pages[0]).lint(config)

    def run_doc() -> tuple[float, float, int]:
        w0, c0 = time.perf_counter(), time.process_time()
        n = len(LintFile("<corpus>", text).lint(config))
        return time.perf_counter() - w0, time.process_time() - c0, n

    def run_pages() -> tuple[float, float, int]:
        w0, c0 = time.perf_counter(), time.process_time()
        n = sum(len(LintFile(f"<page {i}>", p).lint(config)) for i, p in enumerate(pages))
        return time.perf_counter() - w0, time.process_time() - c0, n

    about = {
        "version": __version__,
        "python": sys.version.split()[0],
        "checks": len(CheckRegistry().get_all_enabled(config["checks"])),
        "doc_bytes": len(text.encode("utf-8")),
        "page_bytes": sum(len(p.encode("utf-8")) for p in pages),
        "pages": len(pages),
    }
    # one line a command ("doc" or "pages"), one JSON line an answer: bench_engine
    # times proselint in turn with redflag, so a drift in the machine's speed falls on both
    print(json.dumps(about), flush=True)
    runs = {"doc": run_doc, "pages": run_pages}
    for line in sys.stdin:
        command = line.strip()
        if command not in runs:
            print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
            return 2
        wall, cpu, results = runs[command]()
        print(json.dumps({"wall_s": wall, "cpu_s": cpu, "results": results}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
