"""One scan: stream the inputs, cut partitions, keep a bounded window of them in
flight on the chosen executor, write each result as it arrives, then report.

Memory stays bounded whatever the input's size: the readers yield one page at a
time and at most ``in_flight`` partitions exist at once (submitted and not yet
written).  Partitions already in the results folder are skipped (their url
fingerprint is checked, so changed inputs are noticed rather than mixed in).
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from app.scan.partition import partitions
from app.scan.readers import ReadStats, input_kind, iter_pages
from app.scan.store import ResultsFormat, ResultStore, ScanError
from app.scan.worker import EngineSpec, PartitionResult

EngineName = Literal["local", "dask"]


@dataclass(frozen=True)
class ScanConfig:
    inputs: tuple[Path, ...]
    out: Path
    engine: EngineName = "local"
    scheduler: str | None = None  # dask: an existing cluster's address
    workers: int | None = None  # local processes, or LocalCluster workers; default: all cores
    partition_size: int = 500
    in_flight: int | None = None  # partitions submitted and not yet written; default 2 per worker
    results_format: ResultsFormat = "parquet"
    use_model: bool = True
    model_dir: Path | None = None  # None: each worker's own settings
    max_text_chars: int = 2_000_000
    max_partitions: int | None = None  # stop after writing this many new partitions
    overwrite: bool = False
    report: bool = True
    progress: bool | None = None  # None: a progress bar on a terminal only

    def params(self) -> dict[str, Any]:
        """What must not change between a scan and its resumption."""
        return {
            "inputs": [str(p.resolve()) for p in self.inputs],
            "partition_size": self.partition_size,
            "results_format": self.results_format,
            "use_model": self.use_model,
            "max_text_chars": self.max_text_chars,
        }


@dataclass
class ScanSummary:
    out: Path
    complete: bool
    partitions: int  # finished partitions in the results folder
    written: int  # of which written by this run
    skipped: int  # found already written
    pages: int  # in the results folder
    failed: int
    findings: int
    seconds: float
    pages_this_run: int
    records_skipped: dict[str, int] = field(default_factory=dict)
    report: Path | None = None
    dashboard: str | None = None

    @property
    def pages_per_second(self) -> float:
        return self.pages_this_run / self.seconds if self.seconds > 0 else 0.0


def check_config(config: ScanConfig) -> None:
    """Raise ``ValueError`` (an input or usage error) before anything starts."""
    if not config.inputs:
        raise ValueError("no input given")
    for path in config.inputs:
        input_kind(path)
    if config.partition_size < 1:
        raise ValueError("--partition-size must be at least 1")
    if config.workers is not None and config.workers < 1:
        raise ValueError("--workers must be at least 1")
    if config.in_flight is not None and config.in_flight < 1:
        raise ValueError("--in-flight must be at least 1")
    if config.scheduler and config.engine != "dask":
        raise ValueError("--scheduler needs --engine dask")


def make_executor(config: ScanConfig, spec: EngineSpec, client: Any = None) -> Any:
    from app.scan import executors

    if config.engine == "dask":
        return executors.DaskExecutor(
            spec, scheduler=config.scheduler, workers=config.workers, client=client
        )
    workers = config.workers or os.cpu_count() or 1
    if workers == 1:
        return executors.InlineExecutor(spec)
    return executors.PoolExecutor(spec, workers)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScanError(f"{out}: another scan is writing to this folder") from None
        yield


def scan(
    config: ScanConfig,
    *,
    client: Any = None,
    on_result: Callable[[PartitionResult], None] | None = None,
) -> ScanSummary:
    """Run (or resume) a scan.  ``client``: a ``distributed.Client`` to use for the dask
    engine instead of connecting or starting a cluster.  ``on_result`` is called after
    each partition is written."""
    check_config(config)
    started = time.monotonic()
    spec = EngineSpec(
        use_model=config.use_model,
        model_dir=str(config.model_dir) if config.model_dir else None,
        max_text_chars=config.max_text_chars,
    )
    with _locked(config.out):
        store = ResultStore.open(config.out, config.params(), config.overwrite)
        stats = ReadStats()
        executor = make_executor(config, spec, client)
        try:
            written, skipped, pages_run, complete = _run(config, store, executor, stats, on_result)
        finally:
            executor.close()
        summary = ScanSummary(
            out=config.out,
            complete=complete,
            partitions=len(store.done),
            written=written,
            skipped=skipped,
            pages=sum(e["pages"] for e in store.done.values()),
            failed=sum(e["failed"] for e in store.done.values()),
            findings=sum(e["findings"] for e in store.done.values()),
            seconds=time.monotonic() - started,
            pages_this_run=pages_run,
            records_skipped=dict(stats.skipped),
            dashboard=executor.dashboard,
        )
        if complete and config.report:
            from app.scan.report import write_report

            summary.report = write_report(store, stats)
    return summary


def _progress(config: ScanConfig, executor: Any) -> Any:
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if config.progress is None else config.progress
    if enabled and executor.dashboard:
        print(f"Dask dashboard (task progress): {executor.dashboard}", file=sys.stderr)
    return tqdm(unit="page", desc="scan", disable=not enabled, file=sys.stderr, smoothing=0.1)


def _run(
    config: ScanConfig,
    store: ResultStore,
    executor: Any,
    stats: ReadStats,
    on_result: Callable[[PartitionResult], None] | None,
) -> tuple[int, int, int, bool]:
    window = config.in_flight or 2 * executor.workers
    pending: dict[Any, int] = {}  # future -> partition id
    written = skipped = pages_run = 0
    versions = store.versions()
    limit = config.max_partitions

    def collect(futures: set[Any]) -> None:
        nonlocal written, pages_run, versions
        for fut in sorted(futures, key=lambda f: pending[f]):
            pid = pending.pop(fut)
            try:
                result: PartitionResult = fut.result()
            except Exception as exc:
                raise ScanError(
                    f"partition {pid} failed on a worker: {type(exc).__name__}: {exc}; "
                    "run the same command again to resume"
                ) from None
            if versions is None:
                versions = result.versions
            elif result.versions != versions:
                raise ScanError(
                    f"the engine changed: {config.out} holds results of {versions}, this scan "
                    f"runs {result.versions}; use another --out, or --overwrite"
                )
            store.write(result)
            written += 1
            pages_run += result.n_pages
            bar.update(result.n_pages)
            bar.set_postfix(partitions=len(store.done), refresh=False)
            if on_result is not None:
                on_result(result)

    pages = iter_pages(config.inputs, config.max_text_chars, stats)
    complete = True
    with _progress(config, executor) as bar:
        try:
            for part in partitions(pages, config.partition_size):
                entry = store.done.get(part.id)
                if entry is not None:
                    if entry["fingerprint"] != part.fingerprint:
                        raise ScanError(
                            f"the inputs changed since partition {part.id} was written "
                            f"(other pages at positions {part.first}..); use another --out, "
                            "or --overwrite"
                        )
                    skipped += 1
                    bar.update(len(part.pages))
                    continue
                if limit is not None and written + len(pending) >= limit:
                    complete = False
                    break
                pending[executor.submit(part)] = part.id
                while len(pending) >= window:
                    collect(executor.wait_first(pending))
            while pending:
                collect(executor.wait_first(pending))
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return written, skipped, pages_run, complete
