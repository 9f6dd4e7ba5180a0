"""``--format github``: GitHub Actions workflow commands, shown as annotations on pull requests.

One line per finding::

    ::error file=docs/knee.md,line=6,endLine=6,col=30,endColumn=44,title=redflag absolute-safety.risk-free::...

Severities map to ``error``, ``warning`` and ``notice``.  Values are escaped
as the runner expects (``%``, CR and LF everywhere; ``:`` and ``,`` in
properties).  Findings about a whole page point at line 1.  A plain summary
line ends the output.
"""

from __future__ import annotations

from typing import TextIO

from app.cli.output.text import Style, summary_lines
from app.cli.results import RunResult
from app.engine import Finding

COMMANDS = {"error": "error", "warning": "warning", "suggestion": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def write(result: RunResult, out: TextIO, color: bool) -> None:
    for f in result.files:
        for x in f.all_findings():
            props = {"file": f.path}
            if isinstance(x, Finding):
                props["line"] = str(x.line)
                props["endLine"] = str(x.end_line)
                if x.line == x.end_line:  # GitHub uses columns only within one line
                    props["col"] = str(x.column)
                    props["endColumn"] = str(max(x.end_column - 1, x.column))
            else:
                props["line"] = "1"
            props["title"] = f"redflag {x.id}"
            message = x.message
            if isinstance(x, Finding):
                message += f" \u201c{' '.join(x.text.split())}\u201d"
            if x.suggestion:
                message += f"\nSuggestion: {x.suggestion}"
            if x.facts:
                fact = x.facts[0]
                message += f"\nFact ({fact.authority}): {fact.statement} {fact.source}"
            head = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
            out.write(f"::{COMMANDS[x.severity]} {head}::{escape_data(message)}\n")
    out.write("\n".join(summary_lines(result, result.summary(), Style(False))) + "\n")
