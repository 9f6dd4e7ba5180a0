"""Length-preserving normalisation, so offsets in the normalised text are offsets in the original.

Rules, context cues and the fact matcher all read the normalised form: lower
case, typographic quotes and dashes folded to ASCII, non-breaking spaces to
spaces.  A character whose lower case is longer than one character (``İ``) is
left as it is, so the length never changes.
"""

from __future__ import annotations

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


def normalize(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.translate(_FOLD)


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Utf8Index:
    """A normalised text as UTF-8 bytes, so RE2 runs over bytes and its byte offsets
    map back to character offsets with one numpy array (none at all for ASCII)."""

    __slots__ = ("_byte_of_char", "_char_of_byte", "data", "text")

    def __init__(self, text: str) -> None:
        import numpy as np

        self.text = text
        self.data = text.encode("utf-8", "replace")  # a lone surrogate becomes one "?"
        self._char_of_byte = None
        self._byte_of_char = None
        if len(self.data) != len(text):
            raw = np.frombuffer(self.data, dtype=np.uint8)
            starts = (raw & 0xC0) != 0x80
            self._char_of_byte = np.append(np.cumsum(starts) - 1, len(text))
            self._byte_of_char = np.append(np.flatnonzero(starts), len(self.data))

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
        ``text[start:end]`` (the whole text by default)."""
        if end is None:
            b0, chunk = 0, self.data
        else:
            b0, b1 = self.to_bytes(start, end)
            chunk = self.data[b0:b1]
        out = []
        for m in pattern.finditer(chunk):  # type: ignore[attr-defined]
            s, e = m.span()
            if e > s:
                out.append(self.to_chars(b0 + s, b0 + e))
        return out

    def search(self, pattern: object, start: int, end: int) -> bool:
        """Whether an RE2 ``bytes`` pattern matches in ``text[start:end]``."""
        b0, b1 = self.to_bytes(start, end)
        return pattern.search(self.data[b0:b1]) is not None  # type: ignore[attr-defined]
