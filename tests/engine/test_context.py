"""Context cues: the per-document answers agree with the per-sentence ones."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import Engine, context, cue_program
from app.engine.normalize import Utf8Index, normalize
from app.engine.rules.kinds import compile_re2
from app.training.data import load_sentences
from tests.conftest import ROOT, corpus_text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_caution_flags_match_is_caution(rules_engine: Engine, prefix: str) -> None:
    p = rules_engine._prepare(corpus_text(prefix), "text")
    flags = p.ctx.caution_flags(p.sentences)
    assert flags == [p.ctx.is_caution(s, e) for s, e in p.sentences]
    with pytest.MonkeyPatch.context() as mp:  # numpy's way, without the C extension
        mp.setattr(context, "_NATIVE", None)
        assert p.ctx.caution_flags(p.sentences) == flags
    if prefix in ("002", "003"):
        assert any(flags)  # the cautionary documents have cautions to find


ATTRIBUTED = "Clinics tell patients that stem cells cure arthritis."


@pytest.mark.parametrize("before", ["Avoid those clinics! ", "Why trust the clinics? ", ""])
def test_a_cue_across_a_sentence_edge_hides_nothing(rules_engine: Engine, before: str) -> None:
    # over the whole text, attribution's gap ran from the first sentence's "clinics"
    # past its "!" to "tell", and hid "Clinics tell" inside the second sentence
    assert rules_engine.check(before + ATTRIBUTED).findings == ()


def _each_sentence_alone(p: Any, pattern: Any) -> list[tuple[int, int]]:
    return [span for s, e in p.sentences for span in p.index.spans(pattern, s, e)]


def _joined_texts() -> list[str]:
    texts = [corpus_text(prefix) for prefix in ("000", "001", "002", "003", "004")]
    # sentences that end in "!" or "?" before a reporting verb: gaps run on across them
    texts.append(
        "Ask the clinics! They claim a cure. Some websites? Those sites say it is safe; "
        "registered with the FDA! It does not mean approval. Not only that? It works."
    )
    return texts


@pytest.mark.parametrize("key", context.CUE_KEYS)
def test_cue_hits_are_each_sentences_own(rules_engine: Engine, key: str) -> None:
    pattern = rules_engine.cues.patterns[key]
    for text in _joined_texts():
        p = rules_engine._prepare(text, "text")
        assert context.sentence_spans(p.index, pattern, p.sentences) == _each_sentence_alone(
            p, pattern
        )


# --- the cues found in one scan by the C extension (cue_program, _native.CueScanner)

_native = context.native_module()
scanned = pytest.mark.skipif(_native is None, reason="app.engine._native was not built")


def _scanner_agrees(scanner: Any, patterns: list[Any], text: str, start: int, end: int) -> None:
    """The scanner's spans of every cue in text[start:end] are RE2's."""
    index = Utf8Index(text)
    found = scanner.find(text, start, end, 0xFFFFFFFF)
    for pattern, (starts, ends) in zip(patterns, found, strict=True):
        spans = list(zip(starts, ends, strict=True))
        assert spans == index.spans(pattern, start, end), (pattern.pattern, text[start:end])


def _shipped_scanner() -> tuple[Any, list[Any]]:
    cues = context.load_context_cues()
    return cues.scanner, [cues.patterns[key] for key in cues.scanned]


def _training_texts() -> list[str]:
    sentences = [item.text for item in load_sentences(ROOT / "training_data")]
    return [" ".join(sentences[k : k + 5]) for k in range(0, len(sentences), 5)] + _joined_texts()


@scanned
def test_the_scanner_finds_re2s_cues_in_every_training_sentence_and_page() -> None:
    scanner, patterns = _shipped_scanner()
    found = 0
    for text in _training_texts():
        for norm in (text, normalize(text)):
            _scanner_agrees(scanner, patterns, norm, 0, len(norm))
            # a range, the text around it as context, as sentence_spans searches one
            _scanner_agrees(scanner, patterns, norm, len(norm) // 3, 2 * len(norm) // 3)
        found += sum(len(starts) for starts, _ in scanner.find(text, 0, len(text), 0xFFFFFFFF))
    assert found > 5000


def _cue_words() -> list[str]:
    cues = context.load_context_cues()
    words = set()
    for key in cues.scanned:
        words.update(re.findall(r"[a-z'-]+", cues.patterns[key].pattern.decode()))
    return sorted(words)


_BETWEEN = [" ", " ", ". ", "; ", ", ", "\n", "!", "?", '"', "'", "-", "_", "1", "é", "ſ", "K"]


@scanned
@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_cue_words()),
            st.sampled_from(_BETWEEN),
            st.sampled_from(_cue_words()).map(str.upper),
            st.sampled_from(_cue_words()).map(lambda w: w.replace("s", "ſ").replace("k", "K")),
            st.text(max_size=3),
        ),
        max_size=40,
    ),
    st.data(),
)
def test_the_scanner_finds_re2s_cues_in_any_text(pieces: list[str], data: st.DataObject) -> None:
    """Cue words run together with punctuation, case, the characters RE2 folds into
    ASCII letters (long s, Kelvin sign) and anything else, whole and in a range."""
    scanner, patterns = _shipped_scanner()
    text = "".join(pieces)
    _scanner_agrees(scanner, patterns, text, 0, len(text))
    start = data.draw(st.integers(0, len(text)))
    _scanner_agrees(scanner, patterns, text, start, data.draw(st.integers(start, len(text))))


_SHAPES = [
    r"\b(?:a|ab|abc)\b",  # the first alternative that ends at a boundary
    r"\b(?:ab|a)b",  # backtracks into the alternation
    r"\b(?:x\w*|xy)\b",  # a word run, then the next alternative
    r"\bx\w*\by",  # a run whose boundary is not at its longest
    r"\b(?:a|b)\b[^.;]{0,5}?\b(?:c|cd|d)\b",  # lazy: the shortest gap first
    r"\b(?:a|b)\b[^.;]{0,5}\b(?:c|cd|d)\b",  # greedy: the longest gap first
    r"\b(?:a|ab)\b[^.]{2,4}(?:c|d)",  # a gap with a minimum, over any character
    r"\b(?:aa|a (?:b|c) [^.]{0,3}d|b)\b",  # a branch with a gap among word lists
    r"\b(?:a|a b|a b c)\b",
    r"\b(?:-a|a-)",  # boundaries before punctuation
    r"(?:a|b)c\b",  # no boundary before: every position
]


@scanned
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdxy .;-é\nſ", max_size=40), st.sampled_from(_SHAPES))
def test_the_scanner_runs_each_shape_as_re2_does(text: str, pattern: str) -> None:
    assert _native is not None
    scanner = _native.CueScanner([cue_program.native_program(cue_program.compile_cue(pattern))])
    _scanner_agrees(scanner, [compile_re2(pattern.encode(), "test")], text, 0, len(text))


@scanned
def test_the_scanned_hits_are_those_re2s_would_give(rules_engine: Engine) -> None:
    """_LazyHits from the scanner and from RE2 (the cues made without the extension)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(context, "_NATIVE", None)
        by_re2 = context.load_context_cues.__wrapped__()
    assert by_re2.scanner is None and not by_re2.scanned
    for text in _joined_texts():
        p = rules_engine._prepare(text, "text")
        alone = by_re2.for_document(p.index, p.sentences)
        for key in context.CUE_KEYS:
            mine, theirs = p.ctx.hits[key], alone.hits[key]
            assert (mine.starts, mine.ends) == (theirs.starts, theirs.ends), key


@scanned
def test_one_scanner_in_many_threads() -> None:
    """A service worker's checks may run in threads: each scan keeps its own state."""
    scanner, _ = _shipped_scanner()
    texts = _training_texts()
    alone = [scanner.find(t, 0, len(t), 0xFFFFFFFF) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda t: scanner.find(t, 0, len(t), 0xFFFFFFFF), texts))
    assert together == alone
