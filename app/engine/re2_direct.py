"""RE2's own ``Match``, called from the C extension rather than through the wrapper.

The RE2 wrapper (google-re2) converts its arguments and builds its answer through
pybind11 on every call, ~0.8 us, and a page makes ~190 calls (each flagged pattern,
context cue and exception, match by match): with the Python loop around them, ~8%
of a check (issue 7).  The wrapper's module exports RE2's C++ symbols, so the C
extension (``_native.re2_spans``, ``_native.re2_search``) calls ``re2::RE2::Match`` on
the very RE2 object the wrapper compiled: the same automaton, the same answers, no
conversions, and a search that only asks *whether* stops at the first match.

It is used only when all of this holds, else the wrapper is called as before:

- the C extension was built and is on (``REDFLAG_NATIVE``);
- the wrapper's module exports the symbol (x86-64 Linux, libstdc++: the
  ``string_view`` the symbol's name spells);
- the wrapper's compiled objects have the pybind11 layout read here (the
  ``RE2*`` in the instance's first slot);
- the direct calls give the wrapper's answers on the probes below (spans, empty
  matches, ranges, context at a range's edges, UTF-8).
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

import re2

from app.engine.native import native_module

# bool re2::RE2::Match(std::string_view, size_t, size_t, RE2::Anchor, std::string_view*,
# int) const
MATCH_SYMBOL = "_ZNK3re23RE25MatchESt17basic_string_viewIcSt11char_traitsIcEEmmNS0_6AnchorEPS4_i"
# pybind11's instance: PyObject_HEAD, its value and holder pointers, weak references,
# flags (the layout of every pybind11 release since 2.2)
_INSTANCE_SIZE = 56

_PROBES: tuple[tuple[bytes, bytes], ...] = (
    (rb"\bstem cells?\b", b"Stem cells, stem cell, stemcells; stem cells!"),
    (rb"a*", b"baaab"),  # empty matches are stepped over
    (rb"\bcure[sd]?\b|\bheal\w*", b"cures heal healing incurable cure"),
    (rb"^\w+|\w+$", b"first middle last"),  # a range's edges see the text around
    (rb"caf\xc3\xa9|\xce\xb1\w*", "café αβγ cafe".encode()),
    (rb"(?:no|not)\s+(\w+)", b"this is not proven and no cure"),
)


def _address() -> int:
    """Where ``re2::RE2::Match`` is, in the wrapper's module already loaded; 0 if not."""
    try:
        lib = ctypes.CDLL(re2._re2.__file__, mode=os.RTLD_NOW | os.RTLD_NOLOAD)
        return ctypes.cast(getattr(lib, MATCH_SYMBOL), ctypes.c_void_p).value or 0
    except (OSError, AttributeError):
        return 0


def _agrees(native: Any) -> bool:
    """Whether the direct calls answer as the wrapper's own ``finditer`` and ``search``
    do on the probes."""
    for source, text in _PROBES:
        for case_sensitive in (True, False):
            options = re2.Options()
            options.case_sensitive = case_sensitive
            pattern = re2.compile(source, options)
            n = len(text)
            for pos, end in ((0, n), (1, n), (0, n - 1), (3, n - 3), (n, n)):
                if not 0 <= pos <= end:
                    continue
                spans = [m.span() for m in pattern.finditer(text, pos, end) if m.end() > m.start()]
                if native.re2_spans(pattern._regexp, text, pos, end) != spans:
                    return False
                found = pattern.search(text[pos:end]) is not None
                if native.re2_search(pattern._regexp, text, pos, end) != found:
                    return False
    return True


def _bind() -> Any:
    native = native_module()
    if native is None or not hasattr(native, "re2_bind"):
        return None
    address = _address()
    if not address or re2._re2.RE2.__basicsize__ != _INSTANCE_SIZE:
        return None
    native.re2_bind(address, re2._re2.RE2)
    if not _agrees(native):
        native.re2_bind(0, None)
        return None
    return native


# the C extension with RE2 bound, or None (the wrapper then answers every call)
DIRECT: Any = _bind()
