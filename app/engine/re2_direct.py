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
# bool re2::RE2::Set::Match(std::string_view, std::vector<int>*, RE2::Set::ErrorInfo*) const
SET_MATCH_SYMBOL = "_ZNK3re23RE23Set5MatchESt17basic_string_viewIcSt11char_traitsIcEEPSt6vectorIiSaIiEEPNS1_9ErrorInfoE"
# void operator delete(void*): frees what RE2 put the set's answer in
DELETE_SYMBOL = "_ZdlPv"
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


def _address(symbol: str) -> int:
    """Where ``symbol`` is, in the wrapper's module already loaded or a library it loaded
    (``operator delete``: libstdc++); 0 if not."""
    try:
        lib = ctypes.CDLL(re2._re2.__file__, mode=os.RTLD_NOW | os.RTLD_NOLOAD)
        return ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value or 0
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
    address = _address(MATCH_SYMBOL)
    if not address or re2._re2.RE2.__basicsize__ != _INSTANCE_SIZE:
        return None
    native.re2_bind(address, re2._re2.RE2)
    if not _agrees(native):
        native.re2_bind(0, None)
        return None
    return native


def _set_agrees(native: Any) -> bool:
    """Whether the direct set calls answer as the wrapper's ``Set.Match`` does on the
    probes, and ``block_pattern_spans`` as the set and each pattern's ``finditer`` over
    each block taken alone."""
    for case_sensitive in (True, False):
        options = re2._re2.RE2.Options()
        options.case_sensitive = case_sensitive
        pattern_set = re2._re2.Set(re2._re2.RE2.Anchor.UNANCHORED, options)
        for source, _ in _PROBES:
            pattern_set.Add(source)
        pattern_set.Compile()
        regex_options = re2.Options()
        regex_options.case_sensitive = case_sensitive
        compiled = [re2.compile(source, regex_options) for source, _ in _PROBES]
        members = list(reversed(range(len(compiled))))  # the set's index k is pattern -1-k
        texts = []
        for _, text in _PROBES:
            n = len(text)
            for pos, end in ((0, n), (1, n), (0, n - 1), (3, n - 3), (n, n)):
                if not 0 <= pos <= end:
                    continue
                found = native.re2_set_match(pattern_set, text, pos, end)
                if found is None or found != pattern_set.Match(text[pos:end]):
                    return False
            texts.append((text, [(0, n // 2), (n // 2, n), (1, n - 1), (n, n)]))
        got = native.block_pattern_spans(
            [(pattern_set, members)], [c._regexp for c in compiled], texts
        )
        for (text, blocks), (starts, ends, ks, _) in zip(texts, got, strict=True):
            want = [
                (b0 + s, b0 + e, members[i])
                for b0, b1 in blocks
                for i in pattern_set.Match(text[b0:b1])
                for s, e in (m.span() for m in compiled[members[i]].finditer(text[b0:b1]))
                if e > s
            ]
            if list(zip(starts, ends, ks, strict=True)) != want:
                return False
    return True


def _bind_sets(native: Any) -> bool:
    """Call RE2's ``Set::Match`` from C too (``native``: ``DIRECT``); whether it does."""
    if native is None or not hasattr(native, "re2_bind_set"):
        return False
    match, delete = _address(SET_MATCH_SYMBOL), _address(DELETE_SYMBOL)
    if not (match and delete) or re2._re2.Set.__basicsize__ != _INSTANCE_SIZE:
        return False
    native.re2_bind_set(match, delete, re2._re2.Set)
    if not _set_agrees(native):
        native.re2_bind_set(0, 0, None)
        return False
    return True


# the C extension with RE2 bound, or None (the wrapper then answers every call)
DIRECT: Any = _bind()
# whether DIRECT calls RE2's sets too (``re2_set_match``, ``block_pattern_spans``)
SETS: bool = _bind_sets(DIRECT)
