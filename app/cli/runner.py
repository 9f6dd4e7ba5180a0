"""Checking many files: on all cores of this machine, or on a running service.

Files are grouped by their options, then cut into chunks of a few hundred
kilobytes; each chunk is one ``Engine.check_many`` call, so the model scores
all of a chunk's sentences at once (its per-call overhead is paid per chunk,
not per file).  Locally, chunks go to a ``ProcessPoolExecutor``
(:func:`start_workers`): this process loads the engine, then forks the
workers, which share it (copy-on-write) rather than each loading its own; where
processes are not forked (off Linux), each worker loads one in its initializer.
Small runs stay in this process, where starting workers would cost more than it
saves.  With ``--server``, chunks are ``POST /check/batch`` calls, a few at a
time.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.heap import settle
from app.engine import CheckOptions, Report, RuleError

if TYPE_CHECKING:
    from app.engine import Engine

CHUNK_MIN_BYTES = 16_000
CHUNK_MAX_BYTES = 256_000
CHUNK_MAX_FILES = 200
# Below this much text, one process: about half a second of engine work (0.35 MB/s of CPU on
# bench_cli_site's pages), not worth loading a second engine (2 s of CPU with the model).
POOL_MIN_BYTES = 200_000
PROGRESS_MIN_FILES = 8


class CheckFailed(RuntimeError):
    """The engine or the service could not check the files; the message says why."""


@dataclass(frozen=True)
class Chunk:
    options: CheckOptions
    items: tuple[tuple[int, str, str], ...]  # (index, text, format)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def chunk_target(total: int, workers: int, max_bytes: int = CHUNK_MAX_BYTES) -> int:
    """The size chunks are cut at: about eight a worker, within the bounds."""
    return min(max(total // max(workers * 8, 1), CHUNK_MIN_BYTES), max_bytes)


def make_chunks(
    items: Sequence[tuple[str, str]],
    option_of: Sequence[int],
    options: Sequence[CheckOptions],
    workers: int,
    max_bytes: int = CHUNK_MAX_BYTES,
    max_files: int = CHUNK_MAX_FILES,
) -> list[Chunk]:
    """Chunks of (index, text, format), a few per worker, each with one set of options."""
    total = sum(len(t) for t, _ in items)
    target = chunk_target(total, workers, max_bytes)
    chunks: list[Chunk] = []
    for k, opts in enumerate(options):
        current: list[tuple[int, str, str]] = []
        size = 0
        for i, (text, fmt) in enumerate(items):
            if option_of[i] != k:
                continue
            if current and (size + len(text) > target or len(current) >= max_files):
                chunks.append(Chunk(opts, tuple(current)))
                current, size = [], 0
            current.append((i, text, fmt))
            size += len(text)
        if current:
            chunks.append(Chunk(opts, tuple(current)))
    return chunks


class Progress:
    """A tqdm bar on standard error, only on a terminal and for more than a few files."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        show = (
            enabled
            if enabled is not None
            else (sys.stderr.isatty() and total >= PROGRESS_MIN_FILES)
        )
        self._bar: Any = None
        if show and total:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread (workers may be forked)
            self._bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# -- local ---------------------------------------------------------------------------------


def _new_engine(model_dir: Path, use_model: bool) -> Engine:
    # imported here: the parser and a check on a service (--server) never load the engine
    from app.engine import Engine, ModelError

    try:
        return Engine(model_dir=model_dir, use_model=use_model)
    except (ModelError, RuleError, OSError) as exc:
        raise CheckFailed(f"cannot load the engine: {exc}") from None


@lru_cache(maxsize=2)
def local_engine(model_dir: Path, use_model: bool) -> Engine:
    """The engine of this process (loaded once, reused by later in-process runs)."""
    engine = _new_engine(model_dir, use_model)
    settle()
    return engine


_WORKER_ENGINE: Engine | None = None
_WORKER_ERROR: str | None = None


def _init_worker(model_dir: Path, use_model: bool) -> None:
    """A worker's engine: its parent's, when it was forked from a process that had
    loaded it (``local_engine``'s cache came with it), else loaded now."""
    global _WORKER_ENGINE, _WORKER_ERROR
    try:
        _WORKER_ENGINE = local_engine(model_dir, use_model)
    except CheckFailed as exc:
        _WORKER_ERROR = str(exc)


def _check_in_worker(chunk: Chunk) -> list[tuple[int, Report]]:
    if _WORKER_ENGINE is None:
        raise CheckFailed(_WORKER_ERROR or "the engine is not loaded")
    return _check_chunk(_WORKER_ENGINE, chunk)


def _check_chunk(engine: Engine, chunk: Chunk) -> list[tuple[int, Report]]:
    reports = engine.check_many([(t, f) for _, t, f in chunk.items], chunk.options)
    return [(i, r) for (i, _, _), r in zip(chunk.items, reports, strict=True)]


def _collect(
    futures: Iterable[Future[list[tuple[int, Report]]]],
    chunk_of: dict[Future[list[tuple[int, Report]]], Chunk],
    out: list[Report | None],
    progress: Progress,
    names: Sequence[str],
) -> None:
    for fut in as_completed(futures):
        chunk = chunk_of[fut]
        try:
            results = fut.result()
        except CheckFailed:
            raise
        except Exception as exc:  # a crash in the engine or a worker: name the files
            files = ", ".join(names[i] for i, _, _ in chunk.items[:3])
            more = f" and {len(chunk.items) - 3} more" if len(chunk.items) > 3 else ""
            raise CheckFailed(
                f"the check failed on {files}{more}: {type(exc).__name__}: {exc}"
            ) from None
        for i, report in results:
            out[i] = report
        progress.update(len(chunk.items))


def use_pool(sizes: Sequence[int], jobs: int) -> bool:
    """Whether worker processes pay off for files of these sizes: more than one job,
    file, and enough text."""
    return jobs > 1 and len(sizes) > 1 and sum(sizes) >= POOL_MIN_BYTES


def _fork_context() -> BaseContext | None:
    """Forked workers on Linux, said outright (from Python 3.14 the default there is
    ``forkserver``); elsewhere the platform's default, whose workers load their own
    engine."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None


@contextmanager
def start_workers(
    sizes: Sequence[int], jobs: int, *, model_dir: Path, use_model: bool
) -> Iterator[Executor | None]:
    """Worker processes for checking texts of these sizes, or ``None`` when one process
    is better (:func:`use_pool`).  The engine is loaded here first (``local_engine``:
    a rule or model that cannot load stops the run before any worker starts); the
    workers are then forked with it, so each starts checking at once, without loading
    an engine of its own (~0.8 s of CPU each: the imports, the rules, the model).  The
    engine's objects were frozen out of the collector's sight (``settle``), so the
    workers' collections do not touch, and copy, its pages.  The workers are shut down
    when the block ends, whatever happened in it."""
    if not use_pool(sizes, jobs):
        yield None
        return
    # never more workers than chunks: at most one a file, and at least a target's worth each
    total = sum(sizes)
    workers = min(jobs, len(sizes), -(-total // chunk_target(total, jobs)))
    local_engine(model_dir, use_model)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_fork_context(),
        initializer=_init_worker,
        initargs=(model_dir, use_model),
    )
    try:
        for _ in range(workers):  # start them all now (with fork they start together anyway)
            pool.submit(int)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_local(
    items: Sequence[tuple[str, str]],
    option_of: Sequence[int],
    options: Sequence[CheckOptions],
    names: Sequence[str],
    *,
    model_dir: Path,
    use_model: bool,
    jobs: int,
    pool: Executor | None = None,
    progress: bool | None = None,
) -> list[Report]:
    """Each item's report, in order: in ``pool``'s workers (:func:`start_workers` with
    the same ``jobs``), else in this process."""
    chunks = make_chunks(items, option_of, options, max(1, jobs) if pool is not None else 1)
    out: list[Report | None] = [None] * len(items)
    bar = Progress(len(items), progress)
    try:
        if pool is None:
            engine = local_engine(model_dir, use_model)
            for chunk in chunks:
                for i, report in _check_chunk(engine, chunk):
                    out[i] = report
                bar.update(len(chunk.items))
        else:
            _run_pool(pool, _check_in_worker, chunks, out, bar, names)
    finally:
        bar.close()
    return [r for r in out if r is not None]


def _run_pool(
    pool: Executor,
    fn: Callable[[Chunk], list[tuple[int, Report]]],
    chunks: Sequence[Chunk],
    out: list[Report | None],
    bar: Progress,
    names: Sequence[str],
) -> None:
    chunk_of = {pool.submit(fn, c): c for c in chunks}
    try:
        _collect(chunk_of, chunk_of, out, bar, names)
    except BaseException:
        for fut in chunk_of:
            fut.cancel()
        raise


# -- remote --------------------------------------------------------------------------------


def check_remote(
    client: Any,  # app.cli.remote.ServiceClient
    items: Sequence[tuple[str, str]],
    option_of: Sequence[int],
    options: Sequence[CheckOptions],
    names: Sequence[str],
    *,
    jobs: int,
    progress: bool | None = None,
) -> list[Report]:
    """The same, through ``POST /check/batch`` of a running service (``jobs`` calls at a time)."""
    chunks = make_chunks(
        items,
        option_of,
        options,
        max(jobs, 1),
        max_bytes=client.max_chunk_bytes,
        max_files=client.max_chunk_items,
    )
    out: list[Report | None] = [None] * len(items)
    bar = Progress(len(items), progress)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(chunks) or 1))) as pool:
            _run_pool(pool, client.check_chunk, chunks, out, bar, names)
    finally:
        bar.close()
    return [r for r in out if r is not None]
