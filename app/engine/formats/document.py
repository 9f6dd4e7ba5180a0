"""Plain text extracted from an input, with a map back to the input's offsets.

Adapters (``text``, ``markdown``, ``html``) build a :class:`Document`: the
visible text blocks of the input joined by blank lines, and runs that map each
character of that text to a character of the caller's original input.  Rules
and the model only ever see ``Document.text``; findings are mapped back with
:meth:`Document.to_source`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

from app.engine.native import native_module

BLOCK_SEPARATOR = "\n\n"
_NATIVE = native_module()

# white space that is not a single plain space
_WS_RUN = re.compile(r"\s{2,}|[^\S ]")

DIRECTIVE_RE = re.compile(
    r"^\s*redflag-(disable-next-line|disable|enable)\b([^>]*)$", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True, slots=True)
class Directive:
    """An inline ``<!-- redflag-... -->`` comment at ``offset`` of the source."""

    kind: str  # "disable", "enable" or "disable-next-line"
    targets: tuple[str, ...]  # rule ids or categories; empty means all
    offset: int
    end: int


def parse_directive(comment: str, offset: int, end: int) -> Directive | None:
    m = DIRECTIVE_RE.match(comment)
    if m is None:
        return None
    targets = tuple(t for t in re.split(r"[\s,]+", m.group(2).strip()) if t)
    return Directive(m.group(1).lower(), targets, offset, end)


@dataclass
class Document:
    source: str
    text: str
    # runs: text offset -> source offset; run i covers text[_text_starts[i]:_text_starts[i+1]]
    _text_starts: list[int]
    _source_starts: list[int]
    blocks: list[tuple[int, int]]  # (start, end) of each block in ``text``
    directives: list[Directive] = field(default_factory=list)

    def to_source(self, i: int) -> int:
        """Source offset of the character at text offset ``i``."""
        k = bisect.bisect_right(self._text_starts, i) - 1
        if k < 0:
            return 0
        return self._source_starts[k] + (i - self._text_starts[k])

    def spans_to_source(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """:meth:`span_to_source` for many non-empty spans at once (in the C extension,
        or numpy)."""
        if _NATIVE is not None:
            native: list[tuple[int, int]] = _NATIVE.spans_to_source(
                self._text_starts, self._source_starts, spans
            )
            return native
        if len(spans) < 16:
            return [self.span_to_source(s, e) for s, e in spans]
        text_starts = np.asarray(self._text_starts, dtype=np.int64)
        source_starts = np.asarray(self._source_starts, dtype=np.int64)
        flat = np.asarray(spans, dtype=np.int64)
        points = np.stack((flat[:, 0], flat[:, 1] - 1), axis=1)
        k = np.searchsorted(text_starts, points, side="right") - 1
        mapped = np.where(k >= 0, source_starts[k.clip(0)] + points - text_starts[k.clip(0)], 0)
        mapped[:, 1] = np.maximum(mapped[:, 1] + 1, mapped[:, 0])
        return [(s, e) for s, e in mapped.tolist()]

    def span_to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open text span to a half-open source span."""
        s = self.to_source(start)
        e = self.to_source(end - 1) + 1 if end > start else s
        return s, max(e, s)


class DocumentBuilder:
    """Accumulates blocks of text with their source offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._parts: list[str] = []
        self._len = 0
        self._text_starts: list[int] = []
        self._source_starts: list[int] = []
        self._blocks: list[tuple[int, int]] = []
        self._block_start: int | None = None
        self._last_source = 0
        self._last_char = ""
        self.directives: list[Directive] = []

    def add(self, piece: str, source_offset: int) -> None:
        """Add ``piece``, whose characters stand at ``source_offset...`` in the source."""
        if self._block_start is None or self._len == self._block_start or self._last_char == " ":
            # no white space at a block's start, and none doubled across pieces
            stripped = piece.lstrip()
            source_offset += len(piece) - len(stripped)
            piece = stripped
        if not piece:
            return
        self._last_char = piece[-1]
        self._open_block()
        self._run(source_offset)
        self._parts.append(piece)
        self._len += len(piece)
        self._last_source = source_offset + len(piece)

    def add_folded(self, piece: str, source_offset: int) -> None:
        """Like :meth:`add`, but each run of white space becomes one space."""
        if "  " not in piece and piece.isprintable():
            # no white space but single spaces (the usual line): skip the regex scan
            self.add(piece, source_offset)
            return
        pos = 0
        for m in _WS_RUN.finditer(piece):
            if m.start() > pos:
                self.add(piece[pos : m.start()], source_offset + pos)
            self.add(" ", source_offset + m.start())
            pos = m.end()
        if pos < len(piece):
            self.add(piece[pos:], source_offset + pos)

    def add_virtual(self, piece: str) -> None:
        """Add characters that stand for markup (a space for a line break, say)."""
        if not piece or self._block_start is None:
            return
        anchor = max(self._last_source - 1, 0)
        for ch in piece:
            self._text_starts.append(self._len)
            self._source_starts.append(anchor)
            self._parts.append(ch)
            self._len += 1
        self._last_char = piece[-1]
        # the next real piece opens a new run
        self._last_source = -1

    def _open_block(self) -> None:
        if self._block_start is None:
            if self._blocks:
                self._parts.append(BLOCK_SEPARATOR)
                self._text_starts.append(self._len)
                self._source_starts.append(max(self._last_source, 0))
                self._len += len(BLOCK_SEPARATOR)
                self._last_source = -1
            self._block_start = self._len

    def _run(self, source_offset: int) -> None:
        if source_offset != self._last_source or not self._text_starts:
            self._text_starts.append(self._len)
            self._source_starts.append(source_offset)

    def end_block(self) -> None:
        if self._block_start is None:
            return
        trailing = 0
        for part in reversed(self._parts):
            stripped = len(part) - len(part.rstrip())
            trailing += stripped
            if stripped < len(part):
                break
        end = max(self._len - trailing, self._block_start)
        if end == self._block_start:
            # an all-blank block: drop it, with the separator before it
            self._truncate(self._block_start - (len(BLOCK_SEPARATOR) if self._blocks else 0))
        else:
            self._truncate(end)
            self._blocks.append((self._block_start, end))
        self._block_start = None

    def _truncate(self, n: int) -> None:
        while self._len > n:
            last = self._parts.pop()
            cut = self._len - n
            self._len -= len(last)
            if cut < len(last):
                self._parts.append(last[: len(last) - cut])
                self._len += len(last) - cut
        while self._text_starts and self._text_starts[-1] >= n:
            self._text_starts.pop()
            self._source_starts.pop()
        self._last_source = -1

    def build(self) -> Document:
        self.end_block()
        return Document(
            source=self.source,
            text="".join(self._parts),
            _text_starts=self._text_starts,
            _source_starts=self._source_starts,
            blocks=self._blocks,
            directives=self.directives,
        )


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(source: str) -> list[int]:
    """Offsets at which each line of ``source`` starts (``\\n``, ``\\r\\n`` or ``\\r``):
    one scan in the C extension, else :func:`_line_starts_py`."""
    if _NATIVE is not None:
        starts: list[int] = _NATIVE.line_starts(source)
        return starts
    return _line_starts_py(source)


def _line_starts_py(source: str) -> list[int]:
    if "\r" in source:
        return [0, *(m.end() for m in _LINE_BREAK.finditer(source))]
    # the common case, without a match object per line: where each line starts is the
    # running sum of the lengths of the lines before it, each with its "\n"
    return [0, *accumulate(len(line) + 1 for line in source.split("\n"))][:-1]
