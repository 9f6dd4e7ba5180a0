"""Lower case as ``str.lower()`` gives it, and the folds of the normalised form
(``normalize.py``): typographic quotes and dashes to ASCII, non-breaking spaces to
spaces.  For a text that is not ASCII, one pass of the C extension's ``Lowering``
does either: the str method walks such a text through its general case mapping, ~90
instructions a character, and a page is lowered twice (the rules' normal form, the
model's features).  Kept apart from ``normalize.py``, which needs RE2, so that the
model's features (loaded by ``redflag serve``'s supervisor to check the model) do not.
"""

from __future__ import annotations

from typing import Any

from app.engine.native import native_module

FOLD = {
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

_NATIVE = native_module()
# None without the extension: the callers' Python decides
LOWERING: Any = _NATIVE.Lowering(FOLD) if hasattr(_NATIVE, "Lowering") else None


def lower(text: str) -> str:
    """``text.lower()``, in one pass in C when the text is not ASCII."""
    if LOWERING is not None and not text.isascii():
        lowered: str | None = LOWERING.lower(text, False)
        if lowered is not None:
            return lowered
    return text.lower()
