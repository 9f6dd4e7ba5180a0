"""Inline suppression: ``<!-- redflag-disable [rule-or-category ...] -->`` and friends.

- ``redflag-disable [targets]``: from the comment on, findings of the targets
  (rule ids or categories; all when none is named) are suppressed;
- ``redflag-enable [targets]``: ends that (all of it when none is named);
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


def apply_directives(
    findings: list[Finding], directives: Sequence[Directive], source: str, starts: list[int]
) -> tuple[list[Finding], int]:
    ordered = sorted(directives, key=lambda d: d.offset)
    next_line: list[tuple[int, tuple[str, ...]]] = [
        (_next_nonblank_line(source, starts, d.end - 1), d.targets)
        for d in ordered
        if d.kind == "disable-next-line"
    ]
    kept: list[Finding] = []
    suppressed = 0
    for f in findings:
        # the disable/enable state at the finding's start
        active: list[tuple[str, ...]] = []
        for d in ordered:
            if d.offset >= f.start:
                break
            if d.kind == "disable":
                active.append(d.targets)
            elif d.kind == "enable":
                if d.targets:
                    active = [t for t in active if t and not set(t) <= set(d.targets)]
                else:
                    active = []
        hidden = any(_covers(t, f) for t in active) or any(
            line == f.line and _covers(t, f) for line, t in next_line
        )
        if hidden:
            suppressed += 1
        else:
            kept.append(f)
    return kept, suppressed
