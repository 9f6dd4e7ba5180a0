"""Length-preserving normalisation, so offsets in the normalised text are offsets in the original.

Rules, context cues and the fact matcher all read the normalised form: lower
case, typographic quotes and dashes folded to ASCII, non-breaking spaces to
spaces.  A character whose lower case is longer than one character (``İ``) is
left as it is, so the length never changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import re2

from app.engine import casing
from app.engine.native import native_module
from app.engine.re2_direct import DIRECT


def normalize(text: str) -> str:
    if casing.LOWERING is not None and not text.isascii():
        folded: str | None = casing.LOWERING.lower(text, True)
        if folded is not None:
            return folded
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if lowered.isascii():
        return lowered
    # str.translate walks a non-ASCII string character by character (about 100 ms a
    # megabyte); one replace per character that occurs is a few milliseconds
    for char, ascii_char in casing.FOLD.items():
        if char in lowered:
            lowered = lowered.replace(char, ascii_char)
    return lowered


_NATIVE = native_module()

_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
_NO_MATCH = (-1, -1)
_FEW_SPANS = 16  # spans up to which offsets are mapped one by one rather than with numpy


def byte_spans(pattern: Any, data: bytes, pos: int = 0, endpos: int | None = None) -> list[Any]:
    """The non-empty matches of a ``bytes`` RE2 pattern in ``data[pos:endpos]``, as byte
    spans, in order: what ``pattern.finditer`` yields, without building a match object
    per match in Python (a third of the rules' time on pages with many matches).

    ``data`` is the context: ``\b`` and ``^``/``$`` look at the bytes around the range.
    RE2 is called from C when it can be (``re2_direct``), else through the wrapper."""
    end = len(data) if endpos is None else endpos
    if DIRECT is not None:
        spans: list[Any] = DIRECT.re2_spans(pattern._regexp, data, pos, end)
        return spans
    match = pattern._regexp.Match  # the wrapper's compiled RE2 object
    out = []
    while pos <= end:
        span = match(_UNANCHORED, data, pos, end)[0]
        if span == _NO_MATCH:
            break
        s, e = span
        if e > s:
            out.append(span)
            pos = e
        else:
            pos = e + 1  # an empty match: step over it, as finditer does
    return out


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate: a scan of its code units in C, else
    an encoding (several times faster than searching for one in Python)."""
    if _NATIVE is not None:
        found: bool = _NATIVE.has_surrogate(text)
        return found
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Utf8Index:
    """A normalised text as UTF-8 bytes, so RE2 runs over bytes and its byte offsets
    map back to character offsets with one numpy array (none at all for ASCII)."""

    __slots__ = ("_byte_of_char", "_char_of_byte", "data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "replace")  # a lone surrogate becomes one "?"
        self._char_of_byte: np.ndarray | None = None
        self._byte_of_char: np.ndarray | None = None
        if len(self.data) != len(text) and _NATIVE is not None and len(self.data) < 2**31 - 1:
            self._char_of_byte, self._byte_of_char = _NATIVE.utf8_maps(self.data, len(text))
        elif len(self.data) != len(text):
            # numpy arrays, never lists: turning a page's maps into lists cost more than
            # all the look-ups they answer (issue 7)
            raw = np.frombuffer(self.data, dtype=np.uint8)
            starts = (raw & 0xC0) != 0x80
            # 32-bit offsets while they fit: half the memory to fill (a megabyte's maps
            # were 16 MB of fresh pages, more time than computing them)
            offset: type[np.signedinteger[Any]] = np.int32 if len(raw) < 2**31 - 1 else np.int64
            char_of_byte = np.empty(len(raw) + 1, dtype=offset)
            np.cumsum(starts, out=char_of_byte[:-1])
            char_of_byte[:-1] -= 1
            char_of_byte[-1] = len(text)
            self._char_of_byte = char_of_byte
            byte_of_char = np.empty(len(text) + 1, dtype=offset)
            byte_of_char[:-1] = np.flatnonzero(starts)
            byte_of_char[-1] = len(self.data)
            self._byte_of_char = byte_of_char

    def spans_to_bytes(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """:meth:`to_bytes` for many spans at once."""
        boc = self._byte_of_char
        if boc is None or not spans:
            return spans
        if _NATIVE is not None:
            as_bytes: list[tuple[int, int]] = _NATIVE.bytes_of_spans(boc, spans)
            return as_bytes
        if len(spans) <= _FEW_SPANS:
            return [(int(boc[s]), int(boc[e])) for s, e in spans]
        return [(s, e) for s, e in boc[np.asarray(spans, dtype=np.int64)].tolist()]

    def chars_of(self, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
        """:meth:`to_chars` for many byte spans at once."""
        cob = self._char_of_byte
        if cob is None or not starts:
            return starts, ends
        if _NATIVE is not None:
            chars: tuple[list[int], list[int]] = _NATIVE.chars_of_ends(cob, starts, ends)
            return chars
        if len(starts) <= _FEW_SPANS:
            return [int(cob[s]) for s in starts], [int(cob[e - 1]) + 1 for e in ends]
        s = cob[np.asarray(starts, dtype=np.int64)]
        e = cob[np.asarray(ends, dtype=np.int64) - 1] + 1
        return s.tolist(), e.tolist()

    def to_bytes(self, start: int, end: int) -> tuple[int, int]:
        boc = self._byte_of_char
        if boc is None:
            return start, end
        return int(boc[start]), int(boc[end])

    def to_chars(self, start: int, end: int) -> tuple[int, int]:
        cob = self._char_of_byte
        if cob is None:
            return start, end
        return int(cob[start]), int(cob[end - 1]) + 1

    def spans(
        self, pattern: object, start: int = 0, end: int | None = None
    ) -> list[tuple[int, int]]:
        """Character spans of the non-empty matches of an RE2 ``bytes`` pattern in
        ``text[start:end]`` (the whole text by default; the text around a range is its
        context, as for :func:`byte_spans`)."""
        if end is None:
            spans = byte_spans(pattern, self.data)
        else:
            spans = byte_spans(pattern, self.data, *self.to_bytes(start, end))
        cob = self._char_of_byte
        if cob is None or not spans:
            return spans
        if _NATIVE is not None:
            chars: list[tuple[int, int]] = _NATIVE.chars_of_spans(cob, 0, spans)
            return chars
        if len(spans) <= _FEW_SPANS:
            return [(int(cob[s]), int(cob[e - 1]) + 1) for s, e in spans]
        flat = np.array(spans, dtype=np.int64)
        mapped = np.stack((cob[flat[:, 0]], cob[flat[:, 1] - 1] + 1), axis=1)
        return [(s, e) for s, e in mapped.tolist()]

    def search(self, pattern: object, start: int, end: int) -> bool:
        """Whether an RE2 ``bytes`` pattern matches in ``text[start:end]``."""
        b0, b1 = self.to_bytes(start, end)
        if DIRECT is not None:
            found: bool = DIRECT.re2_search(pattern._regexp, self.data, b0, b1)  # type: ignore[attr-defined]
            return found
        chunk = self.data[b0:b1]
        return bool(pattern._regexp.Match(_UNANCHORED, chunk, 0, len(chunk))[0] != _NO_MATCH)  # type: ignore[attr-defined]
