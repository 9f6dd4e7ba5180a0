"""Time proselint's checking alone; run by ``bench/bench_engine.py`` in proselint's own venv.

This file imports only the standard library and proselint: it runs under the
throwaway venv in ``bench/out/`` (never the project's), pinned to the CPU it is
given, and prints one JSON object. Only ``LintFile(...).lint(config)`` is timed
(building the file's line and quote bounds, then every enabled check); the
interpreter's start, imports, reading the corpus and a warm-up run that
compiles every check's patterns are not. ``max_errors`` is raised so that
proselint checks the whole text instead of stopping at its default cap of
1,000 results.

    python proselint_runner.py CORPUS_TXT PAGES_JSON [--cpu N] [--repeats N]
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
    parser.add_argument("--repeats", type=int, default=1)
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

    doc_wall, doc_cpu, page_wall, page_cpu = [], [], [], []
    doc_results = page_results = 0
    for _ in range(max(args.repeats, 1)):
        w, c, doc_results = run_doc()
        doc_wall.append(w)
        doc_cpu.append(c)
        w, c, page_results = run_pages()
        page_wall.append(w)
        page_cpu.append(c)
    nbytes = len(text.encode("utf-8"))
    page_bytes = sum(len(p.encode("utf-8")) for p in pages)
    print(
        json.dumps(
            {
                "version": __version__,
                "python": sys.version.split()[0],
                "checks": len(CheckRegistry().get_all_enabled(config["checks"])),
                "doc": {
                    "bytes": nbytes,
                    "wall_s": doc_wall,
                    "cpu_s": doc_cpu,
                    "results": doc_results,
                },
                "pages": {
                    "bytes": page_bytes,
                    "count": len(pages),
                    "wall_s": page_wall,
                    "cpu_s": page_cpu,
                    "results": page_results,
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
