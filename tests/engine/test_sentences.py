"""Sentence spans: Bling Fire's, with character offsets, never crossing a block."""

from __future__ import annotations

import ctypes
import random
import threading

import blingfire
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import sentences
from app.engine.formats import parse
from app.engine.sentences import split_sentences
from tests.conftest import CORPUS

TEXTS = [
    "Hello there. This is é café. Ok!",
    "Stem cells “cure” everything — or so they say. Ask your doctor? Yes.",
    "One sentence without a full stop",
    "Dr. Smith treated 2,000 patients. 𝄞 Music helps. End.",
]


def _reference(text: str) -> list[tuple[int, int]]:
    """Bling Fire's own Python wrapper (character offsets, mapped in Python), trimmed."""
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    pieces = [(s, text[s:e]) for s, e in offsets]
    return [(s + len(p) - len(p.lstrip()), s + len(p.rstrip())) for s, p in pieces if p.strip()]


@pytest.mark.parametrize("text", TEXTS)
def test_one_block_gives_bling_fires_sentences(text: str) -> None:
    doc = parse(text, "text")
    assert split_sentences(doc) == _reference(text)


def test_sentences_never_cross_blocks() -> None:
    doc = parse(
        "# A heading without a stop\n\nFirst paragraph. Second one.\n\n- a list item", "markdown"
    )
    spans = split_sentences(doc)
    assert [doc.text[s:e] for s, e in spans] == [
        "A heading without a stop",
        "First paragraph.",
        "Second one.",
        "a list item",
    ]
    for s, e in spans:
        assert any(b0 <= s and e <= b1 for b0, b1 in doc.blocks)


def test_buffers_kept_from_a_longer_text_do_not_leak_into_a_shorter_one() -> None:
    long_text = " ".join(f"Sentence number {i} is here." for i in range(400))
    short = parse("Short one. Another", "text")
    alone = split_sentences(short)
    split_sentences(parse(long_text, "text"))
    assert split_sentences(short) == alone == [(0, 10), (11, 18)]


def test_a_nul_in_the_text_is_handled() -> None:
    doc = parse("Before the nul.\x00 After it. And more.", "text")
    spans = split_sentences(doc)
    assert spans and all(0 <= s < e <= len(doc.text) for s, e in spans)
    assert spans == sorted(spans)


def test_threads_split_at_the_same_time() -> None:
    docs = [parse(" ".join([t] * (k + 1)), "text") for k, t in enumerate(TEXTS * 5)]
    expected = [split_sentences(d) for d in docs]
    results: dict[int, list[list[tuple[int, int]]]] = {}

    def work(k: int) -> None:
        results[k] = [split_sentences(d) for d in docs for _ in range(5)][::5]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))


def _both_ways(monkeypatch: pytest.MonkeyPatch, text: str, fmt: str) -> None:
    """The C extension's splitting (Bling Fire called directly, offsets mapped, cut and
    trimmed in C) gives exactly the numpy path's spans."""
    doc = parse(text, fmt)
    native = split_sentences(doc)
    with monkeypatch.context() as mp:
        mp.setattr(sentences, "_NATIVE", None)
        assert split_sentences(doc) == native


needs_native = pytest.mark.skipif(
    sentences._NATIVE is None, reason="app.engine._native was not built"
)


@needs_native
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_c_extension_splits_the_corpus_as_numpy_does(
    monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    for path in sorted(CORPUS.iterdir()):
        _both_ways(monkeypatch, path.read_text("utf-8"), fmt)
    for text in TEXTS:
        _both_ways(monkeypatch, text, fmt)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"ab .!?\n\t\r\u00a0\u2028é😀—\"'()-#*", "Dr. ", "e.g. "]),
        max_size=300,
    ).map("".join),
    st.sampled_from(["text", "markdown"]),
)
def test_the_c_extension_splits_any_text_as_numpy_does(text: str, fmt: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _both_ways(mp, text, fmt)


@needs_native
@pytest.mark.parametrize("text", ["A. B! C? " * 700, "Yes.\n\nNo.\n\n" * 400, "Où? " * 900])
def test_more_sentences_than_the_first_call_has_room_for(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    # Bling Fire is first given room for a page's sentences (a sixteenth of its bytes
    # and 64 more); these have more, so it is called again with room for all
    doc = parse(text, "text")
    data = doc.text.encode()
    assert len(split_sentences(doc)) > len(data) // 16 + 64
    _both_ways(monkeypatch, text, "text")


@needs_native
def test_when_bling_fire_fails_each_block_is_one_sentence() -> None:
    # a stand-in for TextToSentencesWithOffsets that reports failure, as Bling Fire
    # does when its output does not fit
    failing = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_int,
    )(lambda *_: -1)  # fmt: skip
    address = ctypes.cast(failing, ctypes.c_void_p).value
    doc = parse("  Café first. Second one.\n\nNext block here.  ", "text")
    text = doc.text
    base, stop = doc.blocks[0][0], doc.blocks[-1][1]
    spans = sentences._NATIVE.bling_sentences(
        address, text, text[base:stop].encode(), base, doc.blocks, sentences._FEW
    )
    assert [text[s:e] for s, e in spans] == ["Café first. Second one.", "Next block here."]


def test_spans_leaving_with_and_without_the_c_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    native = sentences._NATIVE
    rng = random.Random(11)
    for _ in range(300):
        cuts = sorted(rng.sample(range(200), rng.randrange(0, 12) * 2))
        spans_of = list(zip(cuts[::2], cuts[1::2], strict=True))
        spans = [(s, s + rng.randrange(1, 30)) for s in (rng.randrange(200) for _ in range(20))]
        starts, ends = [s for s, _ in spans], [e for _, e in spans]
        expected = [
            k for k, (s, e) in enumerate(spans) if not any(a <= s and e <= b for a, b in spans_of)
        ]
        if native is not None:  # CI builds the extension; the twin below runs either way
            assert native.leaving(starts, ends, spans_of) == expected
        with monkeypatch.context() as patch:
            patch.setattr(sentences, "_NATIVE", None)
            assert sentences.spans_leaving(starts, ends, spans_of) == expected
        touched = sentences.sentences_touched(spans, [a for a, _ in spans_of], spans_of)
        assert touched == {
            i for i, (a, b) in enumerate(spans_of) for s, e in spans if s < b and a < e
        }
