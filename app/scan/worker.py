"""What runs on a worker: the engine, loaded once per process, and one partition's check.

The engine (rules, facts and the model) is cached at module level, keyed by its
spec, so a worker process loads it once, whether the worker is a Dask worker
(where :class:`app.scan.executors.EnginePlugin` loads it at start-up), a local
pool process or the scanning process itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from app.core.heap import settle
from app.engine import Engine, Report
from app.scan.partition import Partition
from app.scan.readers import Page
from app.scan.results import FINDINGS_SCHEMA, PAGES_SCHEMA, finding_rows, page_row, table


@dataclass(frozen=True)
class EngineSpec:
    """How a worker builds its engine.  ``model_dir`` None: the worker's own settings."""

    use_model: bool = True
    model_dir: str | None = None
    max_text_chars: int = 2_000_000


@dataclass
class PartitionResult:
    partition: int
    fingerprint: str
    pages: pa.Table
    findings: pa.Table
    versions: dict[str, str]

    @property
    def n_pages(self) -> int:
        return int(self.pages.num_rows)

    @property
    def n_failed(self) -> int:
        return sum(1 for s in self.pages.column("status").to_pylist() if s != "ok")

    @property
    def n_findings(self) -> int:
        return int(self.findings.num_rows)


_ENGINES: dict[tuple[bool, str | None], Engine] = {}
_LOCK = threading.Lock()
_LOADS: Counter[str] = Counter()


def get_engine(spec: EngineSpec) -> Engine:
    """This process's engine for ``spec``, loaded on first use."""
    with _LOCK:
        key = (spec.use_model, spec.model_dir)
        engine = _ENGINES.get(key)
        if engine is None:
            model_dir = Path(spec.model_dir) if spec.model_dir else None
            if model_dir is None and spec.use_model:
                from app.core.config import get_settings

                model_dir = get_settings().model_dir
            engine = Engine(model_dir=model_dir, use_model=spec.use_model)
            settle()
            _ENGINES[key] = engine
            _LOADS[f"use_model={spec.use_model} model_dir={spec.model_dir}"] += 1
        return engine


def engine_loads() -> dict[str, int]:
    """How many times this process has loaded each engine (for tests and diagnostics)."""
    return dict(_LOADS)


def warm(spec: EngineSpec) -> dict[str, str]:
    """Load the engine now; returns its versions."""
    return get_engine(spec).versions


def process_partition(part: Partition, spec: EngineSpec) -> PartitionResult:
    """Check every readable page of a partition with one ``check_many`` call.

    A page that fails (unreadable, too large, or one the engine raises on) gets
    a row with its reason; the others are unaffected."""
    engine = get_engine(spec)
    versions = engine.versions
    todo: list[tuple[int, Page]] = []
    errors: dict[int, str] = {}
    for i, page in enumerate(part.pages):
        if page.error is not None:
            errors[i] = page.error
        elif len(page.text) > spec.max_text_chars:
            errors[i] = f"too large: {len(page.text)} characters (limit {spec.max_text_chars})"
        else:
            todo.append((i, page))
    reports: dict[int, Report] = {}
    for (i, _), outcome in zip(todo, _check_all(engine, [p for _, p in todo]), strict=True):
        if isinstance(outcome, Report):
            reports[i] = outcome
        else:
            errors[i] = outcome
    page_rows: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    for i, page in enumerate(part.pages):
        seq = part.first + i
        report = reports.get(i)
        page_rows.append(
            page_row(
                part.id,
                seq,
                page.url,
                page.site,
                page.input,
                page.fmt,
                versions,
                report,
                errors.get(i),
                len(page.text),
            )
        )
        if report is not None:
            found.extend(finding_rows(part.id, seq, page.url, page.site, report))
    return PartitionResult(
        part.id,
        part.fingerprint,
        table(page_rows, PAGES_SCHEMA),
        table(found, FINDINGS_SCHEMA),
        versions,
    )


def _check_all(engine: Engine, pages: list[Page]) -> list[Report | str]:
    """One model call for the whole partition; if that raises, page by page to isolate
    the page at fault (its outcome is the reason, a string)."""
    try:
        return list(engine.check_many([(p.text, p.fmt) for p in pages]))
    except Exception:
        pass
    outcomes: list[Report | str] = []
    for page in pages:
        try:
            outcomes.append(engine.check(page.text, page.fmt))
        except Exception as exc:
            outcomes.append(f"engine error: {type(exc).__name__}")
    return outcomes
