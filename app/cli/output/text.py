"""``--format text``: findings grouped by file, for people; coloured on a terminal.

::

    docs/knee.md
      6:30  error    The sentence presents the treatment as free of risk.  absolute-safety.risk-free
                     "completely safe"
                     suggestion: Describe the known risks and side effects, ...
                     fact: The FDA has approved no stem-cell product for ... (FDA; https://...)

    3 files checked: 2 findings (1 error, 1 warning, 0 suggestions) in 1 file; 1 suppressed inline
    Failed: 1 finding at or above error (--fail-on error)
"""

from __future__ import annotations

from typing import TextIO

from app.cli.results import CheckedFile, RunResult, Summary
from app.engine import SEVERITIES, DocumentFinding, Fact, Finding

_CODES = {
    "bold": "1",
    "dim": "2",
    "error": "1;31",
    "warning": "1;33",
    "suggestion": "1;36",
    "red": "31",
    "green": "32",
}
SEVERITY_WIDTH = max(len(s) for s in SEVERITIES)


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fact_line(facts: tuple[Fact, ...]) -> str | None:
    if not facts:
        return None
    f = facts[0]
    more = f" (+{len(facts) - 1} more)" if len(facts) > 1 else ""
    return f"fact: {f.statement} ({f.authority}; {f.source}){more}"


def _file_block(f: CheckedFile, s: Style) -> list[str]:
    items: list[tuple[str, Finding | DocumentFinding]] = [
        (f"{x.line}:{x.column}", x) for x in f.report.findings
    ]
    items += [("page", d) for d in f.report.document_findings]
    width = max(len(loc) for loc, _ in items)
    indent = " " * (2 + width + 2 + SEVERITY_WIDTH + 2)
    lines = [s(f.path, "bold")]
    for loc, x in items:
        sev = s(x.severity.ljust(SEVERITY_WIDTH), x.severity)
        lines.append(f"  {loc.rjust(width)}  {sev}  {x.message}  {s(x.id, 'dim')}")
        if isinstance(x, Finding):
            lines.append(f'{indent}"{" ".join(x.text.split())}"')
        if x.suggestion:
            lines.append(f"{indent}suggestion: {x.suggestion}")
        fact = _fact_line(x.facts)
        if fact:
            lines.append(indent + s(fact, "dim"))
    return lines


def summary_lines(result: RunResult, summary: Summary, s: Style) -> list[str]:
    by = ", ".join(_plural(summary.by_severity[sev], sev) for sev in reversed(SEVERITIES))
    head = (
        f"{_plural(summary.files, 'file')} checked: {_plural(summary.findings, 'finding')} "
        f"({by}) in {_plural(summary.files_with_findings, 'file')}"
    )
    head += f"; {summary.suppressed} suppressed inline"
    if result.baseline is not None:
        head += f"; {summary.baselined} already in the baseline"
    lines = [head]
    if summary.failing:
        lines.append(
            s(
                f"Failed: {_plural(summary.failing, 'finding')} at or above the --fail-on "
                f"severity ({result.fail_on})",
                "red",
            )
        )
    elif result.fail_on == "never":
        lines.append(s("Passed (--fail-on never)", "green"))
    else:
        lines.append(s(f"Passed: nothing at or above {result.fail_on}", "green"))
    return lines


def write(result: RunResult, out: TextIO, color: bool) -> None:
    s = Style(color)
    blocks = [
        _file_block(f, s) for f in result.files if f.report.findings or f.report.document_findings
    ]
    for block in blocks:
        out.write("\n".join(block) + "\n\n")
    out.write("\n".join(summary_lines(result, result.summary(), s)) + "\n")
