"""``--format json``: one JSON document, versioned (``schema_version``), documented in docs/cli.md.

::

    {"schema_version": "1.0", "tool": {"name": "redflag", "version": "0.1.0"},
     "versions": {"app": ..., "rules": ..., "model": ...},
     "fail_on": "error", "baseline": null,
     "files": [{"path": "docs/knee.md", "format": "markdown", "fail_on": "error",
                "baselined": 0, "report": {... Report.to_dict() ...}}],
     "summary": {"files": 1, "files_with_findings": 1, "findings": 2,
                 "by_severity": {"suggestion": 0, "warning": 1, "error": 1},
                 "suppressed": 0, "baselined": 0, "failing": 1}}

Each ``report`` is the engine's versioned report (docs/json-format.md).
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from app import __version__
from app.cli.results import RunResult

CHECK_JSON_SCHEMA_VERSION = "1.0"


def to_dict(result: RunResult) -> dict[str, Any]:
    return {
        "schema_version": CHECK_JSON_SCHEMA_VERSION,
        "tool": {"name": "redflag", "version": __version__},
        "versions": dict(result.versions),
        "fail_on": result.fail_on,
        "baseline": result.baseline,
        "files": [
            {
                "path": f.path,
                "format": f.target.format,
                "fail_on": f.fail_on,
                "baselined": f.baselined,
                "report": f.report.to_dict(),
            }
            for f in result.files
        ],
        "summary": result.summary().to_dict(),
    }


def dump(doc: Any, out: TextIO) -> None:
    """Indented UTF-8 JSON with orjson (a big site's JSON is many megabytes)."""
    out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode("utf-8"))
    out.write("\n")


def write(result: RunResult, out: TextIO, color: bool) -> None:
    dump(to_dict(result), out)
