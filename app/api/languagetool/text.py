"""The text a LanguageTool client sends: plain ``text`` or ``data`` annotations, and UTF-16 offsets.

LanguageTool checks the *plain text* of an annotated document (its ``text``
parts, with each ``markup`` part replaced by its ``interpretAs`` value, or by
nothing) and reports offsets into the *original text* (all ``text`` and
``markup`` parts joined), counted in UTF-16 code units as Java counts them.
:class:`AnnotatedText` keeps both strings and the map between them;
:class:`Utf16` converts code-point offsets (Python's) to UTF-16 offsets.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import Any

from app.api.languagetool.errors import LTError


@dataclass(frozen=True, slots=True)
class _Segment:
    plain_start: int
    plain_end: int
    orig_start: int
    orig_end: int
    is_text: bool  # a text part maps one to one; an interpretAs value maps to its whole markup


class AnnotatedText:
    """Text and markup parts; the engine checks :attr:`plain`, offsets refer to :attr:`original`."""

    def __init__(self, parts: list[tuple[str, str, str]]) -> None:
        """``parts`` are ``(kind, original, interpret_as)`` with kind ``"text"`` or ``"markup"``."""
        plain: list[str] = []
        original: list[str] = []
        segments: list[_Segment] = []
        p = o = 0
        for kind, orig, interpret in parts:
            shown = orig if kind == "text" else interpret
            if shown:
                segments.append(_Segment(p, p + len(shown), o, o + len(orig), kind == "text"))
            plain.append(shown)
            original.append(orig)
            p += len(shown)
            o += len(orig)
        self.plain = "".join(plain)
        self.original = "".join(original)
        self._segments = segments
        self._starts = [s.plain_start for s in segments]
        self.has_markup = any(kind == "markup" for kind, _, _ in parts)

    @classmethod
    def from_text(cls, text: str) -> AnnotatedText:
        return cls([("text", text, text)])

    @classmethod
    def from_data(cls, raw: str) -> AnnotatedText:
        """Parse the ``data`` parameter as LanguageTool does, with its error messages."""
        try:
            data: Any = json.loads(raw)
        except (ValueError, RecursionError):
            raise LTError("Could not parse JSON from 'data' parameter") from None
        if not isinstance(data, dict):
            raise LTError("'data' key in JSON requires 'text' or 'annotation' key")
        if "text" in data and "annotation" in data:
            raise LTError("'data' key in JSON requires either 'text' or 'annotation' key, not both")
        if "text" in data:
            if not isinstance(data["text"], str):
                raise LTError("'text' in 'data' must be a string")
            return cls.from_text(data["text"])
        if "annotation" not in data:
            raise LTError("'data' key in JSON requires 'text' or 'annotation' key")
        annotation = data["annotation"]
        if not isinstance(annotation, list):
            raise LTError("'annotation' in 'data' must be a list")
        parts: list[tuple[str, str, str]] = []
        for node in annotation:
            shown = json.dumps(node, ensure_ascii=False)[:200]
            if not isinstance(node, dict):
                raise LTError(
                    f"Only 'text' and 'markup' are supported in 'annotation' list: {shown}"
                )
            if "text" in node and "markup" in node:
                raise LTError(
                    "Only either 'text' or 'markup' are supported in an object in 'annotation' "
                    f"list, not both: {shown}"
                )
            if "text" in node and "interpretAs" in node:
                raise LTError(
                    f"'text' cannot be used with 'interpretAs' (only 'markup' can): {shown}"
                )
            for key in ("text", "markup", "interpretAs"):
                if key in node and not isinstance(node[key], str):
                    raise LTError(f"'{key}' in 'annotation' must be a string: {shown}")
            if "text" in node:
                parts.append(("text", node["text"], node["text"]))
            elif "markup" in node:
                parts.append(("markup", node["markup"], node.get("interpretAs", "")))
            else:
                raise LTError(
                    f"Only 'text' and 'markup' are supported in 'annotation' list: {shown}"
                )
        return cls(parts)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of :attr:`plain` (code points, ``start < end``) to :attr:`original`.

        A span that begins or ends inside an ``interpretAs`` value widens to the
        whole markup part it stands for.
        """
        if not self.has_markup:
            return start, end
        first = self._segments[bisect.bisect_right(self._starts, start) - 1]
        last = self._segments[bisect.bisect_right(self._starts, end - 1) - 1]
        o_start = (
            first.orig_start + (start - first.plain_start) if first.is_text else first.orig_start
        )
        o_end = last.orig_start + (end - last.plain_start) if last.is_text else last.orig_end
        return o_start, o_end


class Utf16:
    """UTF-16 offsets of one string: a character above U+FFFF counts twice, as in Java."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral = (
            [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []
        )
        self.length = len(text) + len(self._astral)

    def offset(self, index: int) -> int:
        """The UTF-16 offset of code-point offset ``index``."""
        return index + bisect.bisect_left(self._astral, index)

    def _width(self, index: int) -> int:
        return 2 if ord(self.text[index]) > 0xFFFF else 1

    def context(self, start: int, end: int, size: int = 40) -> tuple[str, int]:
        """LanguageTool's ``context``: up to ``size`` UTF-16 units either side of the span,
        ``...`` where cut, newlines as spaces; returns the text and the span's offset in it.

        The arithmetic is LanguageTool's (``ContextTools.getContext``), except that a
        boundary never splits a surrogate pair: it moves outward by one unit.
        """
        from16, to16 = self.offset(start), self.offset(end)
        if from16 - size < 0:
            prefix, lo = "", 0
        else:
            prefix, lo, units = "...", start, 0
            while units < size:
                lo -= 1
                units += self._width(lo)
        if to16 + size > self.length:
            postfix, hi = "", len(self.text)
        else:
            postfix, hi, units = "...", end, 0
            while units < size:
                units += self._width(hi)
                hi += 1
        text = prefix + self.text[lo:hi].replace("\n", " ") + postfix
        return text, len(prefix) + from16 - self.offset(lo)
