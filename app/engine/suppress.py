"""Inline suppression: ``<!-- redflag-disable [rule-or-category ...] -->`` and friends.

- ``redflag-disable [targets]``: from the comment on, findings of the targets
  (rule ids or categories; all when none is named) are suppressed;
- ``redflag-enable [targets]``: ends that for the targets (all when none is
  named); the last comment before a finding that covers it decides;
- ``redflag-disable-next-line [targets]``: suppresses findings that start on
  the first non-blank line after the comment.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from app.engine.finding import Finding
from app.engine.formats import Directive


def _covers(targets: tuple[str, ...], f: Finding) -> bool:
    return not targets or f.id in targets or f.category in targets


def _next_nonblank_line(source: str, starts: list[int], offset: int) -> int:
    line = bisect.bisect_right(starts, offset)  # 1-based line of the comment's end
    while line < len(starts):
        begin = starts[line]
        end = starts[line + 1] if line + 1 < len(starts) else len(source)
        if source[begin:end].strip():
            return line + 1
        line += 1
    return line + 1


def hidden_by(ordered: Sequence[Directive], f: Finding) -> bool:
    """Whether the ``disable``/``enable`` comments before ``f`` leave it off.

    The last comment before the finding that covers it (by rule id, by
    category, or all when it names none) decides: so ``disable`` then
    ``enable call-to-action`` keeps every other category off, and ``disable
    absolute-safety`` then ``enable absolute-safety.risk-free`` turns that one
    rule back on.
    """
    hidden = False
    for d in ordered:
        if d.offset >= f.start:
            break
        if d.kind in ("disable", "enable") and _covers(d.targets, f):
            hidden = d.kind == "disable"
    return hidden


def apply_directives(
    findings: list[Finding], directives: Sequence[Directive], source: str, starts: list[int]
) -> tuple[list[Finding], int]:
    """Findings left after the directives, and how many they suppressed."""
    ordered = sorted(directives, key=lambda d: d.offset)
    next_line: list[tuple[int, tuple[str, ...]]] = [
        (_next_nonblank_line(source, starts, d.end - 1), d.targets)
        for d in ordered
        if d.kind == "disable-next-line"
    ]
    kept: list[Finding] = []
    suppressed = 0
    for f in findings:
        if hidden_by(ordered, f) or any(line == f.line and _covers(t, f) for line, t in next_line):
            suppressed += 1
        else:
            kept.append(f)
    return kept, suppressed
