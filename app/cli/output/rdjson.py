"""``--format rdjson``: reviewdog's Diagnostic Format (``reviewdog -f=rdjson``).

One ``DiagnosticResult`` with a ``Diagnostic`` per finding: message (with the
suggestion and the cited fact), location (path, and a range whose columns
count UTF-8 bytes and whose end is exclusive, as the format defines),
severity (``ERROR``, ``WARNING``, ``INFO``) and code (rule id and URL).
redflag's suggestions are advice, not replacement text, so they go in the
message rather than in ``suggestions``.  Findings about a whole page point at
line 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from app.cli.catalog import Catalog
from app.cli.output.json import Streamed, dump
from app.cli.output.sarif import INFORMATION_URI
from app.cli.results import RunResult
from app.engine import DocumentFinding, Finding
from app.engine.formats import line_starts
from app.engine.rules.loader import DOCS_URL

SEVERITIES = {"error": "ERROR", "warning": "WARNING", "suggestion": "INFO"}


def _byte_column(source: str, starts: list[int], line: int, column: int) -> int:
    begin = starts[line - 1]
    return len(source[begin : begin + column - 1].encode("utf-8", "surrogatepass")) + 1


def _url(x: Finding | DocumentFinding, catalog: Catalog) -> str:
    if x.id in catalog.rules and catalog.rules[x.id].help_url:
        return catalog.rules[x.id].help_url
    if isinstance(x, Finding) and x.rule_url:
        return x.rule_url
    return f"{DOCS_URL}#{x.id}"


def _diagnostics(result: RunResult) -> Iterator[dict[str, Any]]:
    for f in result.files:
        starts = line_starts(f.source)
        for x in f.all_findings():
            message = x.message
            if x.suggestion:
                message += f"\nSuggestion: {x.suggestion}"
            if x.facts:
                fact = x.facts[0]
                message += f"\nFact ({fact.authority}): {fact.statement} {fact.source}"
            if isinstance(x, Finding):
                rng = {
                    "start": {
                        "line": x.line,
                        "column": _byte_column(f.source, starts, x.line, x.column),
                    },
                    "end": {
                        "line": x.end_line,
                        "column": _byte_column(f.source, starts, x.end_line, x.end_column),
                    },
                }
            else:
                rng = {"start": {"line": 1}}
            yield {
                "message": message,
                "location": {"path": f.path, "range": rng},
                "severity": SEVERITIES[x.severity],
                "code": {"value": x.id, "url": _url(x, result.catalog)},
            }


def to_dict(result: RunResult) -> dict[str, Any]:
    return {
        "source": {"name": "redflag", "url": INFORMATION_URI},
        "diagnostics": Streamed(_diagnostics(result)),
    }


def write(result: RunResult, out: TextIO, color: bool) -> None:
    dump(to_dict(result), out)
