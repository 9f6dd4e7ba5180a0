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
