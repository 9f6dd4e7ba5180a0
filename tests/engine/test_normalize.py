"""The normalised text and its UTF-8 index: offsets must survive both."""

from __future__ import annotations

import re

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

import app.engine.normalize as normalize_module
from app.engine.normalize import (
    Utf8Index,
    byte_spans,
    has_lone_surrogate,
    normalize,
)

_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
WORD = re2.compile("[a-zéα]+".encode(), _OPTIONS)  # over UTF-8 bytes, like the rules
WORD_STR = re.compile("[a-zéα]+")

# ASCII text, and text with two- and three-byte characters, with few and many matches
TEXTS = [
    "stem cells cure everything",
    "café thérapie — α ‘quoted’ “double” x",
    " ".join(["é"] * 40),
    " ".join(["word", "αβγ", "naïve", "x"] * 30),
]


def test_normalize_keeps_length_and_folds_punctuation() -> None:
    text = "İstanbul “Quoted” – dash\u00a0space ’s"
    out = normalize(text)
    assert len(out) == len(text)
    assert out.endswith('"quoted" - dash space \'s')
    assert out[0] == "İ"  # its lower case is two characters: left as it is


@pytest.mark.parametrize("text", TEXTS)
def test_spans_are_character_spans(text: str) -> None:
    norm = normalize(text)
    index = Utf8Index(norm)
    expected = [m.span() for m in WORD_STR.finditer(norm)]
    assert index.spans(WORD) == expected
    # within a range: the range's own matches, in offsets of the whole text
    lo, hi = len(norm) // 3, 2 * len(norm) // 3
    inside = [m.span() for m in WORD_STR.finditer(norm, lo, hi)]
    assert index.spans(WORD, lo, hi) == inside


def test_spans_in_a_range_see_the_text_around_it() -> None:
    # "\b" at the range's start reads the character before it, as RE2 does in a check
    index = Utf8Index(normalize("Concat cat, café cat"))
    cat = re2.compile(rb"\bcat\b", _OPTIONS)
    assert index.spans(cat) == [(7, 10), (17, 20)]
    assert index.spans(cat, 3, 20) == [(7, 10), (17, 20)]  # not the "cat" of "concat"
    assert index.spans(cat, 7, 9) == []  # nor "ca", cut short


@pytest.mark.parametrize("text", TEXTS)
def test_byte_and_character_offsets_round_trip(text: str) -> None:
    index = Utf8Index(text)
    spans = [(i, j) for i in range(0, len(text), 3) for j in (min(i + 2, len(text)),) if j > i]
    as_bytes = index.spans_to_bytes(spans)
    assert as_bytes == [index.to_bytes(s, e) for s, e in spans]
    for (s, e), (b0, b1) in zip(spans, as_bytes, strict=True):
        assert index.data[b0:b1].decode() == text[s:e]
        assert index.to_chars(b0, b1) == (s, e)
    starts, ends = index.chars_of([b0 for b0, _ in as_bytes], [b1 for _, b1 in as_bytes])
    assert list(zip(starts, ends, strict=True)) == spans


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab éα€𝄞 .\n"), max_size=80))
def test_spans_agree_with_python_on_any_text(text: str) -> None:
    index = Utf8Index(text)
    expected = [m.span() for m in WORD_STR.finditer(text)]
    assert index.spans(WORD) == expected
    with pytest.MonkeyPatch.context() as mp:  # offsets mapped by numpy, not the C extension
        mp.setattr(normalize_module, "_NATIVE", None)
        assert index.spans(WORD) == expected
    assert index.search(WORD, 0, len(text)) == (WORD_STR.search(text) is not None)


def test_byte_spans_skip_empty_matches() -> None:
    pattern = re2.compile(rb"a*")
    assert byte_spans(pattern, b"baab a") == [(1, 3), (5, 6)]


def test_lone_surrogates() -> None:
    assert has_lone_surrogate("a\ud800b")
    assert not has_lone_surrogate("a𝄞b")
    index = Utf8Index("a\ud800é")
    assert index.data == "a?é".encode()
    assert index.to_bytes(2, 3) == (2, 4)
