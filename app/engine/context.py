"""What the words around a match do to it: negation, hedging, critical attribution.

The cue lists are data (``data/context.yml``).  For a match inside a sentence
the engine asks :meth:`ContextCues.read`, which answers with the cues that
apply; each rule's ``context`` policy (suppress, downgrade or ignore) then says
what they do to that rule's finding.

- negation: a negation cue shortly before the match in the same clause, a
  negation whose scope is the rest of the clause ("there is no evidence
  that"), a negation just after the match ("... has not been shown"), or a
  regulatory caution anywhere in the sentence ("does not mean FDA-approved").
- hedge: a hedge from the start of the sentence to the end of the match's clause.
- attribution: the claim is reported from a third party ("clinics claim",
  "ads promised") or framed critically ("so-called", "beware", "misleading"),
  or it stands in quotation marks next to sentences that criticise it
  ("Language to look out for: "Clinically proven." Ask: which trial?").

The cues themselves are found by RE2, one scan each, or with the C extension all
in one scan (``_native.CueScanner``, the patterns compiled by ``cue_program``), to the
same spans.  The engine asks these questions of every raw match in the C extension
(``_native.context_verdicts``) when it can, over the cue hits found here; the
methods below are its twin, and the tests compare the two.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from app.engine.cue_program import Unsupported, compile_cue, native_program
from app.engine.native import native_module
from app.engine.normalize import Utf8Index, is_word_char
from app.engine.rules.kinds import compile_re2
from app.engine.sentences import sentences_touched, spans_leaving
from app.engine.yaml_data import load_yaml

# Clause breaks, found with RE2 over the document's bytes.  Python's ``\s`` (any
# str.isspace() character) is spelt out; RE2's ``\b`` sees only ASCII letters, so a
# conjunction found next to another letter ("ébut") is dropped after the search.
_CLAUSE_BREAK = compile_re2(
    rb"[;:()\[\]]|[\t-\r\x1c-\x1f\x85\p{Z}]-[\t-\r\x1c-\x1f\x85\p{Z}]|--"
    rb"|\b(?:but|however|although|though|whereas|yet|while|unlike|except)\b",
    "clause breaks",
)
_WORD = re.compile(r"[\w'-]+")
_ALL_CUES = 0xFFFFFFFF
_AFTER_WINDOW = re.compile(r"^\^\[\^[^\]]*\]\{0,(\d+)\}\??")
CUE_KEYS = (
    "negation_before",
    "negation_scope",
    "negation_after",
    "hedge",
    "attribution",
    "critical",
    "caution",
    "disclosure",
)
_NATIVE = native_module()
NEGATION_WINDOW = 10  # words before the match a negation cue may stand in
QUOTE_WINDOW_BEFORE = 2  # sentences before a quoted claim that may frame it critically
QUOTE_REACH = 400  # characters after a quoted claim its closing quotation mark may be in


class ContextCues:
    """The compiled cue patterns (over UTF-8 bytes); :meth:`for_document` indexes a text."""

    def __init__(self, patterns: dict[str, str], where: str) -> None:
        def source(key: str) -> str:
            if key not in patterns:
                raise ValueError(f"{where}: missing context pattern {key!r}")
            return "".join(line.strip() for line in patterns[key].splitlines())

        sources = {key: source(key) for key in CUE_KEYS if key != "negation_after"}
        after = "".join(line.strip() for line in patterns.get("negation_after", "").splitlines())
        window = _AFTER_WINDOW.match(after)
        # the leading "^[^.;:!?]{0,N}?" of negation_after is applied as a distance below
        self.after_window = int(window.group(1)) if window else 60
        sources["negation_after"] = after[window.end() :] if window else after
        self.patterns = {
            key: compile_re2(sources[key].encode(), f"{where}: {key}") for key in CUE_KEYS
        }
        # the cues the C extension can find in one scan (cue_program), by their place
        # in its answer; RE2 finds the others, and all of them without the extension
        self.scanned: dict[str, int] = {}
        self.scanner: Any = None
        if _NATIVE is not None:
            program = []
            for key in CUE_KEYS:
                try:
                    program.append(native_program(compile_cue(sources[key])))
                except Unsupported:
                    continue
                self.scanned[key] = len(self.scanned)
            if program:
                self.scanner = _NATIVE.CueScanner(program)

    def for_document(self, index: Utf8Index, sentences: list[tuple[int, int]]) -> DocumentContext:
        return DocumentContext(self, index, sentences)

    @staticmethod
    def find_in_each(documents: list[DocumentContext]) -> None:
        """Find every cue in each document now, cue by cue, rather than when first asked
        for: each cue's automaton then reads one document after another while it is in
        the CPU's caches.  For a batch of documents with rule matches, which ask for
        nearly every cue (a page of the benchmark's corpus asks for all of them)."""
        for key in CUE_KEYS:
            for document in documents:
                document.hits[key]  # found now, kept by _LazyHits
        for document in documents:
            document._clause_breaks()


class _Hits:
    """Sorted spans of one cue in one document, with range queries.

    A cue's hits come from one left-to-right scan, so they never overlap: their
    ends are sorted too, and the first hit starting at or after a point is the
    one that ends soonest.  Each query is one bisect."""

    __slots__ = ("ends", "starts")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends

    def within(self, lo: int, hi: int) -> bool:
        """A hit lies entirely inside [lo, hi)."""
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.starts) and self.ends[i] <= hi

    def starting(self, lo: int, hi: int, end_by: int) -> bool:
        """A hit starts in [lo, hi] and ends by ``end_by``."""
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.starts) and self.starts[i] <= hi and self.ends[i] <= end_by


class _LazyHits(dict[str, _Hits]):
    """A cue's hits in one document, found on first use."""

    def __init__(
        self, cues: ContextCues, index: Utf8Index, sentences: list[tuple[int, int]]
    ) -> None:
        super().__init__()
        self._cues = cues
        self._index = index
        self._sentences = sentences
        self._scanned: list[tuple[list[int], list[int]]] | None = None

    def __missing__(self, key: str) -> _Hits:
        slot = self._cues.scanned.get(key)
        if slot is None:
            spans = sentence_spans(self._index, self._cues.patterns[key], self._sentences)
            starts, ends = [s for s, _ in spans], [e for _, e in spans]
        else:
            text = self._index.text
            scanner = self._cues.scanner
            if self._scanned is None:  # every scanned cue at once, on the first asked
                self._scanned = scanner.find(text, 0, len(text), _ALL_CUES)
            starts, ends = self._scanned[slot]
            if spans_leaving(starts, ends, self._sentences):  # rare: see sentence_spans
                spans = own_sentence_spans(
                    list(zip(starts, ends, strict=True)),
                    lambda s, e: list(zip(*scanner.find(text, s, e, 1 << slot)[slot], strict=True)),
                    self._sentences,
                )
                starts, ends = [s for s, _ in spans], [e for _, e in spans]
        if key == "negation_before":
            # "not only ... but also" is not a negation
            norm = self._index.text
            kept = [
                k
                for k, (s, e) in enumerate(zip(starts, ends, strict=True))
                if not (norm.startswith("not", s) and norm.startswith(" only", e))
            ]
            if len(kept) < len(starts):
                starts, ends = [starts[k] for k in kept], [ends[k] for k in kept]
        hits = self[key] = _Hits(starts, ends)
        return hits


def sentence_spans(
    index: Utf8Index, pattern: Any, sentences: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The pattern's matches in each sentence on its own (the text around it as context),
    in order.  One scan of the whole text finds them, but a match it makes across a
    sentence's edge (a gap such as attribution's ``[^.;]{0,60}?`` runs on past "!" or
    "?") hides the matches it passes over: it is dropped, and each sentence it touches is
    searched again alone ("Avoid those clinics! Clinics tell patients ...": the first
    "clinics" ... "tell" hid "Clinics tell")."""
    return own_sentence_spans(
        index.spans(pattern), lambda s, e: index.spans(pattern, s, e), sentences
    )


def own_sentence_spans(
    spans: list[tuple[int, int]],
    search: Callable[[int, int], list[tuple[int, int]]],
    sentences: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """:func:`sentence_spans` from a cue's ``spans`` over the whole text, ``search``
    finding its matches in one range of it."""
    leaving = spans_leaving([s for s, _ in spans], [e for _, e in spans], sentences)
    if not leaving:
        return spans
    sentence_starts = [s for s, _ in sentences]
    again = sentences_touched([spans[n] for n in leaving], sentence_starts, sentences)
    drop = set(leaving)
    kept = [
        span
        for n, span in enumerate(spans)
        if n not in drop and bisect.bisect_right(sentence_starts, span[0]) - 1 not in again
    ]
    for i in again:
        kept.extend(search(*sentences[i]))
    kept.sort()
    return kept


class DocumentContext:
    """Every cue found once in a document, when first asked for (a page with no rule
    match never needs its negation or hedge cues); each question is a bisect.  A cue's
    hits are those it has in each sentence on its own (:func:`sentence_spans`)."""

    def __init__(
        self, cues: ContextCues, index: Utf8Index, sentences: list[tuple[int, int]]
    ) -> None:
        self.norm = index.text
        self.after_window = cues.after_window
        self.hits = _LazyHits(cues, index, sentences)
        self._sentence_cues: dict[tuple[str, int, int], bool] = {}
        self._breaks: tuple[list[int], list[int]] | None = None
        self._index = index

    def _clause_breaks(self) -> tuple[list[int], list[int]]:
        if self._breaks is None:
            norm = self.norm
            breaks = [
                (s, e)
                for s, e in self._index.spans(_CLAUSE_BREAK)
                if not norm[s].isalpha()
                or not (
                    (s > 0 and is_word_char(norm[s - 1]))
                    or (e < len(norm) and is_word_char(norm[e]))
                )
            ]
            self._breaks = [s for s, _ in breaks], [e for _, e in breaks]
        return self._breaks

    def clause(self, s_start: int, s_end: int, m_start: int, m_end: int) -> tuple[int, int]:
        break_starts, break_ends = self._clause_breaks()
        i = bisect.bisect_right(break_ends, m_start) - 1
        c_start = max(s_start, break_ends[i]) if i >= 0 else s_start
        j = bisect.bisect_left(break_starts, m_end)
        c_end = min(s_end, break_starts[j]) if j < len(break_starts) else s_end
        return c_start, max(c_end, m_end)

    def negated(self, s_start: int, s_end: int, m_start: int, m_end: int) -> bool:
        c_start, c_end = self.clause(s_start, s_end, m_start, m_end)
        if self.hits["negation_scope"].within(c_start, m_start):
            return True
        before = self.hits["negation_before"]
        if before.within(c_start, m_start):
            # only in the NEGATION_WINDOW words before the match (found only when needed)
            words = [w.start() for w in _WORD.finditer(self.norm, c_start, m_start)]
            window_start = words[-NEGATION_WINDOW] if len(words) >= NEGATION_WINDOW else c_start
            if before.within(window_start, m_start):
                return True
        if self.hits["negation_after"].starting(m_end, m_end + self.after_window, c_end):
            return True
        return self._in_sentence("caution", s_start, s_end)

    def hedged(self, s_start: int, s_end: int, m_start: int, m_end: int) -> bool:
        _, c_end = self.clause(s_start, s_end, m_start, m_end)
        return self.hits["hedge"].within(s_start, c_end)

    def attributed(self, s_start: int, s_end: int, m_start: int) -> bool:
        return self._in_sentence("critical", s_start, s_end) or self.hits["attribution"].within(
            s_start, m_start
        )

    def flag(
        self, key: str, sentences: list[tuple[int, int]], index: int, m_start: int, m_end: int
    ) -> bool:
        """Whether context ``key`` (negation, hedge or attribution) applies to the match
        at [m_start, m_end) in sentence ``sentences[index]``.  A match in quotation marks
        next to sentences that criticise it counts as attributed."""
        s_start, s_end = sentences[index]
        if key == "negation":
            return self.negated(s_start, s_end, m_start, m_end)
        if key == "hedge":
            return self.hedged(s_start, s_end, m_start, m_end)
        return self.attributed(s_start, s_end, m_start) or (
            self.quoted(s_start, m_start, m_end) and self.critical_near(sentences, index)
        )

    def quoted(self, s_start: int, m_start: int, m_end: int) -> bool:
        """The match stands inside double quotation marks (normalised to ``"``) in its sentence."""
        norm = self.norm
        return (
            norm.count('"', s_start, m_start) % 2 == 1
            and norm.find('"', m_end, m_end + QUOTE_REACH) >= 0
        )

    def critical_near(self, sentences: list[tuple[int, int]], index: int) -> bool:
        """A critical or cautionary cue within the two sentences before or the one after."""
        for j in range(max(index - QUOTE_WINDOW_BEFORE, 0), min(index + 2, len(sentences))):
            if j != index and self.is_caution(*sentences[j]):
                return True
        return False

    def is_caution(self, s_start: int, s_end: int) -> bool:
        """A whole sentence that warns, criticises or states a regulatory limit."""
        return self._in_sentence("caution", s_start, s_end) or self._in_sentence(
            "critical", s_start, s_end
        )

    def caution_flags(self, sentences: list[tuple[int, int]]) -> list[bool]:
        """:meth:`is_caution` of every sentence, at once (in the C extension, or numpy)."""
        if not sentences:
            return []
        if _NATIVE is not None:
            marked: list[bool] = [False] * len(sentences)
            for key in ("caution", "critical"):
                hits = self.hits[key]
                if hits.starts:
                    inside = _NATIVE.within_each(hits.starts, hits.ends, sentences)
                    marked = [a or b for a, b in zip(marked, inside, strict=True)]
            return marked
        spans = np.asarray(sentences, dtype=np.int64)
        flags = np.zeros(len(sentences), dtype=bool)
        for key in ("caution", "critical"):
            hits = self.hits[key]
            if not hits.starts:
                continue
            starts = np.asarray(hits.starts, dtype=np.int64)
            ends = np.asarray(hits.ends, dtype=np.int64)
            i = np.searchsorted(starts, spans[:, 0])
            inside = i < len(starts)
            flags |= inside & (ends[np.minimum(i, len(starts) - 1)] <= spans[:, 1])
        flagged: list[bool] = flags.tolist()
        return flagged

    def _in_sentence(self, key: str, s_start: int, s_end: int) -> bool:
        # asked for the same sentence by many matches and steps: remembered
        cached = self._sentence_cues.get((key, s_start, s_end))
        if cached is None:
            cached = self._sentence_cues[(key, s_start, s_end)] = self.hits[key].within(
                s_start, s_end
            )
        return cached

    def discloses(self, s_start: int, s_end: int) -> bool:
        """A sentence that mentions risks, experimental or regulatory status."""
        return self.hits["disclosure"].within(s_start, s_end)


@lru_cache(maxsize=1)
def load_context_cues() -> ContextCues:
    path = "data/context.yml"
    text = resources.files("app.engine").joinpath(path).read_text("utf-8")
    return ContextCues(load_yaml(text), f"app/engine/{path}")
