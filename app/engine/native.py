"""The optional C extension (``_native.pyx``), when it was built and not switched off."""

from __future__ import annotations

import os
from typing import Any


def native_module() -> Any:
    """``app.engine._native`` when it was built and not switched off
    (``REDFLAG_NATIVE=0``), else ``None``: the engine then does the same work in numpy
    and pyahocorasick, to the same results.  Modules read it once, when imported, and
    the model and the rules' lexicon when made: set the variable before the process
    starts."""
    if os.environ.get("REDFLAG_NATIVE", "1") == "0":
        return None
    try:
        from app.engine import _native
    except ImportError:
        return None
    return _native
