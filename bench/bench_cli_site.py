"""``redflag check`` on a generated site of 2,000 Markdown pages (about 10 MB), issue 4.

The site is built in a temporary folder from the benchmark corpus
(:mod:`bench.corpus`: real mixed health text from ``training_data/``, cut into
~5 KB pages), each page a Markdown file with front matter and a heading, in
twenty section folders.  The installed CLI then checks it, with the shipped
model, as a CI job would: with one worker (``-j 1``) and with every core
(``-j 0``), each in its own process, output to a JSON file, the two taking
turns for ``--rounds`` rounds (3 by default), so that a drift in the machine's
speed falls on both, as in the other benchmarks.  It prints each run's wall
time, MB/s and milliseconds per page, and the speed-up of all cores over one
from the fastest run of each (measured in this run; the machine is shared, so
only the ratio is worth comparing between runs).  It also times ``redflag check``
on an empty folder (start-up: imports and loading the model) and checks that
each round's two runs reported the same findings.

    .venv/bin/python -m bench.bench_cli_site [--pages 2000] [--page-bytes 5000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.corpus import build_corpus
from bench.report import OUT, machine, table, write_json

SECTIONS = 20


def build_site(root: Path, pages: int, page_bytes: int) -> tuple[int, int]:
    """Write ``pages`` Markdown pages under ``root``; return (pages, bytes)."""
    corpus = build_corpus(target_bytes=pages * page_bytes + page_bytes, page_bytes=page_bytes)
    texts = list(corpus.pages)
    while len(texts) < pages:  # a small page size can leave the corpus short: go round again
        texts += list(corpus.pages)
    total = 0
    for i, body in enumerate(texts[:pages]):
        folder = root / f"section-{i % SECTIONS:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = f"---\ntitle: Page {i}\nlayout: post\n---\n# Page {i}\n\n{body}\n"
        path = folder / f"page-{i:04d}.md"
        path.write_text(text, "utf-8")
        total += len(text.encode("utf-8"))
    return pages, total


def run_check(site: Path, jobs: int, out: Path) -> dict[str, float]:
    """One ``redflag check`` process: wall seconds and the CPU seconds of it and its workers."""
    cmd = [
        sys.executable,
        "-c",
        "import sys; from app.cli.main import main; sys.exit(main())",  # as the entry point does
        "check",
        str(site),
        "--no-config",
        "--no-progress",
        "--format",
        "json",
        "--output",
        str(out),
        "--fail-on",
        "never",
        "--jobs",
        str(jobs),
    ]
    env = {k: v for k, v in os.environ.items() if k != "REDFLAG_USE_MODEL"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"redflag check -j {jobs} failed ({proc.returncode}): {proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def findings_of(path: Path) -> tuple[dict[str, str], list[Any]]:
    doc = json.loads(path.read_text("utf-8"))
    files = [
        (f["path"], f["report"]["findings"], f["report"]["document_findings"]) for f in doc["files"]
    ]
    return doc["versions"], files


def engine_hash() -> str:
    """A hash of the engine's code and data: a shared working tree may change during a run."""
    import hashlib

    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent / "app" / "engine"
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yml")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def compare(a: Path, b: Path) -> bool:
    """Whether two runs reported the same findings; says where they differ when not."""
    (va, fa), (vb, fb) = findings_of(a), findings_of(b)
    if va != vb:
        print(f"the engine changed between the runs (rules or model edited?): {va} != {vb}")
        return False
    for x, y in zip(fa, fb, strict=True):
        if x != y:
            print(f"first difference: {x[0]}")
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages in the site (default 2000)")
    parser.add_argument(
        "--page-bytes", type=int, default=5000, help="about this many bytes a page (default 5000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each, taking turns (default 3)"
    )
    parser.add_argument("--keep", type=Path, help="build the site here and keep it")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes")
    args = parser.parse_args(argv)
    args.rounds = max(args.rounds, 1)

    cores = len(os.sched_getaffinity(0))
    print(f"load average before: {os.getloadavg()[0]:.2f} on {cores} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="redflag-site-") as tmp:
        site = args.keep or Path(tmp) / "site"
        site.mkdir(parents=True, exist_ok=True)
        pages, nbytes = build_site(site, args.pages, args.page_bytes)
        mb = nbytes / 1e6
        print(f"site: {pages} pages, {mb:.2f} MB of Markdown in {site}", flush=True)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        startup = run_check(empty, 1, Path(tmp) / "empty.json")
        print(f"start-up (empty folder, model loaded): {startup['wall_s']:.2f} s", flush=True)
        engine_before = engine_hash()
        labels = {"1 worker": 1, f"{cores} workers": 0}
        best: dict[str, dict[str, float]] = {}
        same = True
        for round_ in range(1, args.rounds + 1):
            outputs: dict[str, Path] = {}
            for label, jobs in labels.items():
                outputs[label] = Path(tmp) / f"out-{jobs}.json"
                r = run_check(site, jobs, outputs[label])
                r["mb_s"] = mb / r["wall_s"]
                r["ms_per_page"] = r["wall_s"] / pages * 1000
                if label not in best or r["wall_s"] < best[label]["wall_s"]:
                    best[label] = r
                print(
                    f"round {round_}, {label}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, "
                    f"{r['mb_s']:.2f} MB/s, {r['ms_per_page']:.2f} ms/page",
                    flush=True,
                )
            same = compare(*outputs.values()) and same
        one, many = best["1 worker"], best[f"{cores} workers"]
        if engine_hash() != engine_before:
            print("app/engine changed during the runs: the comparison says nothing, run again")
    speedup = one["wall_s"] / many["wall_s"]
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    rows = [
        ("pages", str(pages), "2000", None),
        ("MB of Markdown", f"{mb:.2f}", "about 10", None),
        ("start-up, s (imports + model)", f"{startup['wall_s']:.2f}", "", None),
        ("1 worker: MB/s", f"{one['mb_s']:.2f}", "", None),
        ("1 worker: MB/s of CPU time", f"{mb / one['cpu_s']:.2f}", "", None),
        ("1 worker: ms/page", f"{one['ms_per_page']:.2f}", "", None),
        (f"{cores} workers: MB/s", f"{many['mb_s']:.2f}", "", None),
        (f"{cores} workers: ms/page", f"{many['ms_per_page']:.2f}", "", None),
        (
            f"speed-up (wall), {cores} workers / 1",
            f"{speedup:.2f}x",
            "uses every core",
            many["cpu_s"] > 0 and speedup > 1.2 if cores > 1 else None,
        ),
        ("same findings with 1 and all workers", str(same), "True", same),
    ]
    print()
    print(table(f"redflag check on a generated site (wall clock, fastest of {args.rounds})", rows))
    path = write_json(
        args.out,
        "bench_cli_site",
        {
            "machine": machine(),
            "pages": pages,
            "bytes": nbytes,
            "cores": cores,
            "startup_s": round(startup["wall_s"], 3),
            "rounds": args.rounds,
            "runs": {k: {kk: round(vv, 4) for kk, vv in v.items()} for k, v in best.items()},
            "speedup": round(speedup, 3),
            "same_findings": same,
        },
    )
    print(f"\nresults: {path}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
