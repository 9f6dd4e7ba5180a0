"""The normalised text and its UTF-8 index: offsets must survive both."""

from __future__ import annotations

import re

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

import app.engine.normalize as normalize_module
from app.engine import casing
from app.engine.casing import lower
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


def _python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(casing, "LOWERING", None)


# every character but the surrogates, in runs of a few hundred, with ASCII around them
_EVERY_CHARACTER = [
    "Ab " + "".join(chr(c) for c in range(start, min(start + 300, 0x110000))) + " Zz"
    for start in range(128, 0x110000, 300)
    if not 0xD800 <= start <= 0xDFFF + 300
]


@pytest.mark.skipif(casing.LOWERING is None, reason="no C extension")
def test_the_c_lowering_is_str_lower_on_every_character() -> None:
    lowering = casing.LOWERING
    declined = 0
    for text in _EVERY_CHARACTER:
        text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
        got = lowering.lower(text, False)
        if got is None:  # a capital sigma or a longer lower case: the str method's case
            declined += 1
            assert "\u03a3" in text or len(text.lower()) != len(text)
        else:
            assert got == text.lower()  # == also holds the kind: a canonical string
    assert 0 < declined < 5


@pytest.mark.parametrize(
    "text",
    [
        *TEXTS,
        "ΣΟΦΙΑ ΣΑΣ and Σ alone",  # the final sigma, which depends on the letters around
        "İstanbul ΣΑΣ “x”",  # a longer lower case: the Python path, char by char
        "Kelvin \u212a Ångström \u212b ÀÉÎ “Q” — \u00a0 \U0001d400 \U00010400",
        "“only folds” – here’s one",  # ASCII once folded
        "",
    ],
)
def test_normalize_and_lower_are_the_same_with_and_without_c(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = normalize(text), lower(text)
    assert fast[1] == text.lower()
    _python_only(monkeypatch)
    assert (normalize(text), lower(text)) == fast


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_normalize_with_and_without_c_on_any_text(text: str) -> None:
    fast = normalize(text), lower(text)
    with pytest.MonkeyPatch.context() as mp:
        _python_only(mp)
        assert (normalize(text), lower(text)) == fast
    assert fast[1] == text.lower()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_utf8_maps_with_and_without_c(text: str) -> None:
    fast = Utf8Index(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(normalize_module, "_NATIVE", None)
        slow = Utf8Index(text)
    for got, expected in (
        (fast._char_of_byte, slow._char_of_byte),
        (fast._byte_of_char, slow._byte_of_char),
    ):
        if expected is None:
            assert got is None
        else:
            assert got is not None and got.dtype == expected.dtype
            assert got.tolist() == expected.tolist()


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


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60))))
def test_offsets_mapped_with_and_without_c(text: str, picks: list[tuple[int, int]]) -> None:
    """``spans_to_bytes`` and ``chars_of`` in C (``bytes_of_spans``, ``chars_of_ends``)
    give what numpy gives, one by one and in bulk, on any text and spans."""
    index = Utf8Index(text)
    n = len(text)
    spans = sorted({(min(a, b, n), min(max(a, b), n)) for a, b in picks})
    as_bytes = index.spans_to_bytes(spans)
    nonempty = [(b0, b1) for b0, b1 in as_bytes if b1 > b0]
    chars = index.chars_of([b0 for b0, _ in nonempty], [b1 for _, b1 in nonempty])
    for few in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(normalize_module, "_NATIVE", None)
            if few:  # the spans mapped one by one, not by numpy's bulk look-up
                mp.setattr(normalize_module, "_FEW_SPANS", 1 << 30)
            assert index.spans_to_bytes(spans) == as_bytes
            assert index.chars_of([b0 for b0, _ in nonempty], [b1 for _, b1 in nonempty]) == chars
    assert list(zip(*chars, strict=True)) == [
        s for s, (b0, b1) in zip(spans, as_bytes, strict=True) if b1 > b0
    ]


@pytest.mark.skipif(normalize_module._NATIVE is None, reason="no C extension")
def test_offsets_outside_the_text_are_refused_in_c() -> None:
    native = normalize_module._NATIVE
    index = Utf8Index("café au lait")
    assert index._byte_of_char is not None and index._char_of_byte is not None
    with pytest.raises(IndexError):
        native.bytes_of_spans(index._byte_of_char, [(0, 13)])
    with pytest.raises(IndexError):
        native.bytes_of_spans(index._byte_of_char, [(-1, 2)])
    for starts, ends in (([0], [14]), ([3], [3]), ([-1], [2])):
        with pytest.raises(IndexError):
            native.chars_of_ends(index._char_of_byte, starts, ends)
    with pytest.raises(ValueError):
        native.chars_of_ends(index._char_of_byte, [0, 1], [2])


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
    long_ones = [c * k + s for c in "é𝄞" for k in (4095, 4096, 9000) for s in ("", "\ud800")]
    for text in [
        "",
        "abc",
        "café",
        "“q”",
        "a𝄞b",
        "\ud800",
        "é\udfff",
        "𝄞\udc00",
        "\ue000",
        *long_ones,
    ]:
        expected = any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        assert has_lone_surrogate(text) is expected
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(normalize_module, "_NATIVE", None)
            assert has_lone_surrogate(text) is expected
    index = Utf8Index("a\ud800é")
    assert index.data == "a?é".encode()
    assert index.to_bytes(2, 3) == (2, 4)
