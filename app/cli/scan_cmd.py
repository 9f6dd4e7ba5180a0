"""``redflag scan INPUT ... --out RESULTS``: bulk scanning, locally or on a Dask cluster.

Registered only when the ``scan`` extra is installed (this module raises
ImportError otherwise).  See docs/scan.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

_NEEDED = ("dask", "distributed", "pyarrow", "warcio", "tqdm", "matplotlib")
_MISSING = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
if _MISSING:
    raise ImportError(f"redflag scan needs the 'scan' extra (missing: {', '.join(_MISSING)})")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan",
        help="scan many pages (JSONL, folders, WARC) into Parquet results and an HTML report",
        description="Scan a collection of pages with the engine, in partitions, on all local "
        "cores or a Dask cluster. Rerun the same command to resume an interrupted scan.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="JSONL of pages ({url, text|html}), a folder of .md/.html/.txt files, "
        "or a WARC/WARC.gz crawl",
    )
    p.add_argument("--out", required=True, type=Path, help="results folder (resumed if it exists)")
    p.add_argument("--engine", choices=("local", "dask"), default="local", help="default local")
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://...)")
    p.add_argument(
        "--workers",
        type=_positive,
        help="local processes, or workers of the LocalCluster (default: all cores)",
    )
    p.add_argument(
        "--partition-size", type=_positive, default=500, help="pages per partition (default 500)"
    )
    p.add_argument(
        "--in-flight", type=_positive, help="partitions in flight at once (default 2 per worker)"
    )
    p.add_argument(
        "--results-format", choices=("parquet", "jsonl"), default="parquet", help="default parquet"
    )
    p.add_argument("--rules-only", action="store_true", help="no classifier, rules only")
    p.add_argument(
        "--max-partitions",
        type=_positive,
        metavar="N",
        help="stop after writing N new partitions (rerun to continue)",
    )
    p.add_argument("--overwrite", action="store_true", help="discard earlier results in --out")
    p.add_argument("--no-report", action="store_true", help="skip summary.json and report.html")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress", action="store_true", default=None, help="always show a progress bar"
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_false", help="never show a progress bar"
    )
    p.set_defaults(run=run, progress=None)


def run(args: argparse.Namespace) -> int:
    from app.cli.main import ExitStatus, UsageError
    from app.core.config import get_settings
    from app.scan import InputError, ScanConfig, ScanError, check_config, scan

    settings = get_settings()
    config = ScanConfig(
        inputs=tuple(Path(p) for p in args.inputs),
        out=args.out,
        engine=args.engine,
        scheduler=args.scheduler,
        workers=args.workers,
        partition_size=args.partition_size,
        in_flight=args.in_flight,
        results_format=args.results_format,
        use_model=settings.use_model and not args.rules_only,
        max_text_chars=settings.max_text_chars,
        max_partitions=args.max_partitions,
        overwrite=args.overwrite,
        report=not args.no_report,
        progress=args.progress,
    )
    try:
        check_config(config)
    except (InputError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    try:
        summary = scan(config)
    except ScanError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # e.g. the scheduler cannot be reached
        raise UsageError(f"scan failed: {exc}") from None
    state = "complete" if summary.complete else "stopped early (run again to continue)"
    print(
        f"scan {state}: {summary.pages:,} pages in {summary.partitions} partitions "
        f"({summary.written} written now, {summary.skipped} already done), "
        f"{summary.failed:,} failed, {summary.findings:,} findings"
    )
    print(
        f"this run: {summary.pages_this_run:,} pages in {summary.seconds:.1f} s "
        f"({summary.pages_per_second:,.1f} pages/s)"
    )
    for reason, n in sorted(summary.records_skipped.items()):
        print(f"skipped WARC records: {n:,} {reason}")
    print(f"results: {summary.out}/pages, {summary.out}/findings")
    if summary.report:
        print(f"report: {summary.report}")
    sys.stdout.flush()
    return ExitStatus.OK
