"""The two result tables, as Arrow schemas, and how a partition's reports fill them.

``pages``: one row per page: where it came from, ``status`` (``ok`` or
``failed``) with the ``error`` reason, the risk score and level, the number of
findings in all and per category (``n_<category>``), the document findings and
the app, model and rules versions.  A failed page has nulls for what was not
measured.

``findings``: one row per finding, with the page's ``seq`` and ``url``: the
finding's id (rule id or ``model.<category>``), category, severity, source,
confidence, span (character offsets, line and column into the page's input),
flagged text, message and the ids of the facts it cites or contradicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from app.engine import CATEGORIES, Report

COUNT_COLUMNS: dict[str, str] = {c: "n_" + c.replace("-", "_") for c in CATEGORIES}

PAGES_SCHEMA = pa.schema(
    [
        ("partition", pa.int32()),
        ("seq", pa.int64()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("input", pa.string()),
        ("format", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("chars", pa.int64()),
        ("risk_score", pa.int16()),
        ("risk_level", pa.string()),
        ("findings", pa.int32()),
        *[(col, pa.int32()) for col in COUNT_COLUMNS.values()],
        ("document_findings", pa.list_(pa.string())),
        ("suppressed", pa.int32()),
        ("app_version", pa.string()),
        ("model_version", pa.string()),
        ("rules_version", pa.string()),
    ]
)

FINDINGS_SCHEMA = pa.schema(
    [
        ("partition", pa.int32()),
        ("seq", pa.int64()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("id", pa.string()),
        ("category", pa.string()),
        ("severity", pa.string()),
        ("source", pa.string()),
        ("confidence", pa.float64()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("line", pa.int32()),
        ("column", pa.int32()),
        ("end_line", pa.int32()),
        ("end_column", pa.int32()),
        ("text", pa.string()),
        ("message", pa.string()),
        ("facts", pa.list_(pa.string())),
        ("contradicts", pa.list_(pa.string())),
    ]
)


def page_row(
    partition: int,
    seq: int,
    url: str,
    domain: str,
    source: str,
    fmt: str,
    versions: dict[str, str],
    report: Report | None = None,
    error: str | None = None,
    chars: int = 0,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "partition": partition,
        "seq": seq,
        "url": url,
        "domain": domain,
        "input": source,
        "format": fmt,
        "status": "failed" if report is None else "ok",
        "error": error,
        "chars": chars if report is None else report.stats.get("characters", chars),
        "risk_score": None,
        "risk_level": None,
        "findings": None,
        **dict.fromkeys(COUNT_COLUMNS.values()),
        "document_findings": None,
        "suppressed": None,
        "app_version": versions.get("app"),
        "model_version": versions.get("model"),
        "rules_version": versions.get("rules"),
    }
    if report is not None:
        row["risk_score"] = report.risk.score
        row["risk_level"] = report.risk.level
        row["findings"] = len(report.findings)
        for cat, col in COUNT_COLUMNS.items():
            row[col] = report.risk.counts.get(cat, 0)
        row["document_findings"] = [d.id for d in report.document_findings]
        row["suppressed"] = report.suppressed
    return row


def finding_rows(
    partition: int, seq: int, url: str, domain: str, report: Report
) -> list[dict[str, Any]]:
    return [
        {
            "partition": partition,
            "seq": seq,
            "url": url,
            "domain": domain,
            "id": f.id,
            "category": f.category,
            "severity": f.severity,
            "source": f.source,
            "confidence": f.confidence,
            "start": f.start,
            "end": f.end,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "end_column": f.end_column,
            "text": f.text,
            "message": f.message,
            "facts": [fact.id for fact in f.facts],
            "contradicts": list(f.contradicts),
        }
        for f in report.findings
    ]


def table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)
