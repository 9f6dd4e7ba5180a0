"""Where the rules' patterns can start (``rules/starts.py``), the C filter that walks those
prefixes (``_native.StartFilter``), and the patterns asked there, anchored
(``_native.anchored_pattern_spans``): every match starts at a position the filter lists,
and the rules find what the shared set and the patterns it flags find."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import re2
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine import re2_direct
from app.engine.facts import load_facts
from app.engine.formats import parse
from app.engine.normalize import Utf8Index, byte_spans, normalize
from app.engine.rules.kinds import compile_re2
from app.engine.rules.loader import _start_filter, load_rules
from app.engine.rules.starts import (
    BOUNDARY,
    DEPTH,
    FOLDED_TO_ASCII,
    LONGEST,
    NO_BOUNDARY,
    NOT_BOUNDARY,
    REST,
    filter_tables,
    start_prefixes,
    start_trie,
)
from app.engine.sentences import split_sentences
from app.training.data import load_sentences
from tests.conftest import CORPUS, ROOT

DIRECT = re2_direct.DIRECT
sets_bound = pytest.mark.skipif(not re2_direct.SETS, reason="RE2's sets are not called from C here")


def _bytes(text: str) -> int:
    mask = 0
    for b in text.encode():
        mask |= 1 << b
    return mask


def _letter(c: str) -> int:
    return _bytes(c.lower() + c.upper())


# -- the prefixes ---------------------------------------------------------------------


def test_a_word_after_a_boundary_is_its_letters_in_both_cases() -> None:
    # "cures" starts with "cure", which says all a position needs
    assert start_prefixes(rb"\bcures?\b") == [(BOUNDARY, tuple(map(_letter, "cure")))]


def test_an_optional_part_and_an_alternation_give_each_way_in() -> None:
    found = set(start_prefixes(rb"\b(?:the )?(?:fda|ema)\b") or [])
    assert found == {
        (BOUNDARY, (*map(_letter, "the"), _bytes(" "), *map(_letter, "fda"))),
        (BOUNDARY, (*map(_letter, "the"), _bytes(" "), *map(_letter, "ema"))),
        (BOUNDARY, tuple(map(_letter, "fda"))),
        (BOUNDARY, tuple(map(_letter, "ema"))),
    }


def test_a_prefix_stops_where_the_pattern_is_not_read_byte_for_byte() -> None:
    # a negated class, "." and a character outside ASCII may match several bytes
    ab = (_letter("a"), _letter("b"))
    assert set(start_prefixes(rb"ab[^.;]{0,60}?cd") or []) == {
        (NO_BOUNDARY, (*ab, _letter("c"), _letter("d"))),
        (NO_BOUNDARY, (*ab, (1 << 256) - 1)),  # any byte, then unknown
    }
    ((_, masks),) = start_prefixes("é+x".encode()) or []
    assert len(masks) == 1 and masks[0] >> 0xC3 & 1 and not masks[0] >> ord("x") & 1
    # an unbounded repeat: a few times, then whatever follows is unknown
    prefixes = start_prefixes(rb"\d+ patients") or []
    assert max(len(m) for _, m in prefixes) <= LONGEST
    assert all(m[0] == _bytes("0123456789") for _, m in prefixes)


def test_prefixes_are_no_longer_than_the_filter_reads() -> None:
    prefixes = start_prefixes(rb"\bsupercalifragilisticexpialidocious\b") or []
    assert [len(m) for _, m in prefixes] == [LONGEST] == [DEPTH + REST]


def test_the_condition_before_a_prefix() -> None:
    assert {b for b, _ in start_prefixes(rb"\B-{1,2} ?[a-z]+$") or []} == {NOT_BOUNDARY}
    assert {b for b, _ in start_prefixes(rb"(?:\bno|yes) way") or []} == {BOUNDARY, NO_BOUNDARY}
    # a boundary after the start is not a condition before it
    assert {b for b, _ in start_prefixes(rb"(?:the )?\bcure") or []} == {NO_BOUNDARY}


def test_no_filter_where_a_match_could_start_anywhere() -> None:
    # an empty match, a construct the prefixes do not read (inline flags), RE2's syntax
    for source in (rb"a*", rb"(?:x|)y?", rb"(?i:cure)", rb"\bcure|(?s:.)", rb"x{,3}", rb"\p{L}"):
        assert start_prefixes(source) is None, source
        assert start_trie(source) is None, source


def test_every_shipped_pattern_has_a_filter() -> None:
    rules = load_rules(set(load_facts()))
    assert rules._patterns
    for compiled in rules._patterns:
        assert start_trie(compiled.pattern.pattern) is not None, compiled.rule.id
    if re2_direct.SETS:
        assert rules._starts is not None


def test_the_tables_walk_classes_and_check_the_rest() -> None:
    tries, rests, _masks, unfiltered, classes = filter_tables(
        [start_trie(rb"\bcure\b"), None, start_trie(rb"[$\xc2\xa3]\d")]
    )
    assert unfiltered == [1]
    assert classes[ord("c")] == classes[ord("C")] != classes[ord("u")]
    word_starts, anywhere = tries
    children, entries = word_starts
    node = 0
    for c in "cure":
        node = children[node][classes[ord(c)]]
    assert entries[node] == [(0, BOUNDARY, 0)] and rests[0] == 0  # nothing left to check
    # "$" or the first byte of a longer character (no mask tells them apart: one
    # class), and there the prefix stops: walked from every position
    children, entries = anywhere
    assert classes[ord("$")] == classes[0xC2] == classes[0xFF] != classes[ord("c")]
    node = children[0][classes[ord("$")]]
    ((pattern, boundary, rest),) = entries[node]
    assert (pattern, boundary) == (2, NO_BOUNDARY) and rests[rest] == 0


# -- the filter -----------------------------------------------------------------------

_SOURCES = [
    rb"\bcures?\b",
    rb"\b(?:the )?(?:fda|ema)[- ]approved\b",
    rb"\bno [a-z-]+(?: [a-z-]+)?(?:,| and| or) no risks?\b",
    rb"\b(?:it|this)\b[^.;]{0,20}?\bsafe\b",
    rb"\b\d{1,3}(?:,\d{3})+|\d{3,} patients",
    rb"\B-{1,2} ?[a-z]+$",
    rb"(?m)^-- [a-z]+$",
    rb"[$\xc2\xa3][\d,]+ off\b",
    rb"\bcan't (?:hurt|harm)\b|\bnever (?:fails|hurts)\b",
    "\u2605\u2605".encode(),
    rb"\b(?:my|our) (?:[\w'-]+ ){0,2}?(?:is|are) (?:gone|better)\b",
    rb"a.b",
    rb" -{1,2} now in [a-z]+\b",
]

_WORDS = [
    "cure", "cures", "cured", "the", "fda", "FDA", "ema", "approved", "no", "risk", "risks",
    "pain", "and", "or", "it", "this", "is", "safe", "unsafe", "100", "1,000", "12,500",
    "5000", "patients", "-", "--", "off", "$5", "£50", "can't", "hurt", "harm", "never",
    "fails", "\u2605", "my", "our", "knee", "pain's", "are", "gone", "better", "a", "b",
    "axb", "a\u00e9b", "now", "in", "texas", "ok.", ";", ",", "\n", "Cure", "CAN'T",
    "\u017fafe",
]  # fmt: skip


def _filter(sources: list[bytes]) -> Any:
    tries, rests, masks, unfiltered, classes = filter_tables([start_trie(s) for s in sources])
    assert not unfiltered
    assert DIRECT is not None
    return DIRECT.StartFilter(tries, rests, masks, len(sources), classes)


def _starts_of(pattern: Any, data: bytes) -> set[int]:
    return {s for s, _ in byte_spans(pattern, data)}


@sets_bound
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.sampled_from(["", " ", "  "]))
def test_every_match_starts_where_the_filter_says_it_can(words: list[str], gap: str) -> None:
    data = (gap or " ").join(words).encode()
    # a case-insensitive letter also matches these two (see the loader, which reads
    # a text holding either with the sets)
    assume(not any(c.encode() in data for c in FOLDED_TO_ASCII))
    starts = _filter(_SOURCES)
    found = starts.find(data)
    for k, source in enumerate(_SOURCES):
        pattern = compile_re2(source, "test")
        listed = {pos for p, pos in found if p == k}
        assert _starts_of(pattern, data) <= listed, (source, data)


@sets_bound
def test_the_filter_over_the_rules_and_the_corpus(ruleset: Any, blocks: list[bytes]) -> None:
    """Every match of every shipped pattern, over the corpus's and the training
    sentences' blocks, starts at a position the shipped filter lists for it."""
    starts = ruleset._starts
    matched = 0
    for data in blocks:
        found = starts.find(data)
        for k, compiled in enumerate(ruleset._patterns):
            spans = _starts_of(compiled.pattern, data)
            if spans:
                matched += len(spans)
                assert spans <= {pos for p, pos in found if p == k}, (compiled.rule.id, data)
    assert matched > 1000


@sets_bound
def test_the_filter_refuses_tables_that_do_not_hold_together() -> None:
    assert DIRECT is not None
    tries, rests, masks, _, classes = filter_tables([start_trie(rb"\bcure\b")])
    with pytest.raises(ValueError):
        DIRECT.StartFilter(tries[:1], rests, masks, 1, classes)
    with pytest.raises(ValueError):
        DIRECT.StartFilter(tries, rests, masks, 1, classes[:10])
    with pytest.raises(ValueError):  # an entry for a pattern the filter does not have
        DIRECT.StartFilter(tries, rests, masks, 0, classes)
    bad = filter_tables([start_trie(rb"\bno [a-z-]+ risk")])
    assert any(bad[1])  # a rest with masks to check
    with pytest.raises(ValueError):  # a rest naming a mask that is not there
        DIRECT.StartFilter(bad[0], bad[1], bad[2][:0], 1, bad[4])
    with pytest.raises(ValueError):  # a rest longer than the list
        DIRECT.StartFilter(bad[0], [*bad[1][:-1]], bad[2], 1, bad[4])


# -- the rules' matches, anchored ------------------------------------------------------


@pytest.fixture(scope="module")
def ruleset() -> Any:
    return load_rules(set(load_facts()))


def _texts() -> list[str]:
    docs = [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    sentences = [item.text for item in load_sentences(ROOT / "training_data")]
    return docs + [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]


@pytest.fixture(scope="module")
def prepared() -> list[tuple[Utf8Index, list[tuple[int, int]], list[tuple[int, int]]]]:
    out = []
    for text in _texts():
        doc = parse(text, "text")
        out.append((Utf8Index(normalize(doc.text)), doc.blocks, split_sentences(doc)))
    return out


@pytest.fixture(scope="module")
def blocks(
    prepared: list[tuple[Utf8Index, list[tuple[int, int]], list[tuple[int, int]]]],
) -> list[bytes]:
    out = []
    for index, doc_blocks, _ in prepared:
        for b0, b1 in index.spans_to_bytes(doc_blocks):
            out.append(index.data[b0:b1])
    return out


def _same_finds(anchored: list[Any], by_sets: list[Any]) -> int:
    """The same matches, and wherever rules of one category match one span (the first
    of them is the one a report keeps), in the same order; how many such spans."""
    ties = 0
    assert sorted((m.start, m.end, m.rule.id) for m in anchored) == sorted(
        (m.start, m.end, m.rule.id) for m in by_sets
    )
    for finds in (anchored, by_sets):
        groups: dict[tuple[int, int, str], list[str]] = {}
        for m in finds:
            groups.setdefault((m.start, m.end, m.rule.category), []).append(m.rule.id)
        if finds is anchored:
            first = groups
        else:
            assert groups == first
            ties = sum(1 for ids in groups.values() if len(ids) > 1)
    return ties


@sets_bound
def test_rules_find_what_the_sets_find(ruleset: Any, prepared: list[Any]) -> None:
    """The filter and RE2 anchored give the matches the shared set and the patterns it
    flags give, over the corpus and the training sentences in runs of five, one text at
    a time and in batches; where two rules of a category match one span, in the set's
    order (which rule's finding a report keeps)."""
    starts = ruleset._starts
    ties = found = 0
    try:
        for batch in [[p] for p in prepared[:300]] + [
            prepared[k : k + 16] for k in range(0, len(prepared), 16)
        ]:
            ruleset._starts = starts
            anchored = ruleset.find_many(batch)
            ruleset._starts = None
            by_sets = ruleset.find_many(batch)
            for a, b in zip(anchored, by_sets, strict=True):
                ties += _same_finds(a, b)
                found += len(a)
    finally:
        ruleset._starts = starts
    assert found > 5000
    assert ties > 0  # the set's order was asked for


@sets_bound
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from([*_WORDS, "stem", "cell", "standard", "of", "care", "100%"]), max_size=40
    )
)
def test_rules_find_what_the_sets_find_in_generated_text(ruleset: Any, words: list[str]) -> None:
    doc = parse(" ".join(words), "text")
    item = (Utf8Index(normalize(doc.text)), doc.blocks, split_sentences(doc))
    starts = ruleset._starts
    try:
        anchored = ruleset.find_many([item])[0]
        ruleset._starts = None
        _same_finds(anchored, ruleset.find_many([item])[0])
    finally:
        ruleset._starts = starts


@sets_bound
def test_a_text_with_a_letter_re2_folds_to_ascii_is_read_by_the_sets(ruleset: Any) -> None:
    # "ſ" (U+017F) and "K" (U+212A) match "s" and "k" case-insensitively in RE2, which a
    # byte prefix cannot say: such a text is read the old way, and nothing is missed
    for text in ("It is completely \u017fafe. It is 100% safe.", "no ris\u212a and no risks"):
        doc = parse(text, "text")
        item = (Utf8Index(normalize(doc.text)), doc.blocks, split_sentences(doc))
        starts = ruleset._starts
        try:
            anchored = ruleset.find_many([item])[0]
            ruleset._starts = None
            by_sets = ruleset.find_many([item])[0]
        finally:
            ruleset._starts = starts
        assert [(m.start, m.end, m.rule.id) for m in anchored] == [
            (m.start, m.end, m.rule.id) for m in by_sets
        ]
    doc = parse("It is completely \u017fafe.", "text")
    index = Utf8Index(normalize(doc.text))
    assert any(
        m.rule.id == "absolute-safety.is-completely-safe"
        for m in ruleset.find(index, doc.blocks, split_sentences(doc))
    )


@sets_bound
def test_a_gate_is_asked_before_its_pattern(ruleset: Any) -> None:
    """A rule's ``set_pattern`` gates its pattern in a block, as the set asked it: the
    pattern alone would match here (no "standard of care" in the block), the rule not."""
    assert DIRECT is not None
    k = next(
        i
        for i, c in enumerate(ruleset._patterns)
        if c.rule.id == "approval-misrepresentation.standard-of-care"
    )
    assert ruleset._gates[k] is not None
    data = b"stem cells are considered the standard of care"
    assert byte_spans(ruleset._patterns[k].pattern, data)
    blocks = [(data, [(0, len(data))])]
    ((starts, ends, ks, _),) = DIRECT.anchored_pattern_spans(ruleset._starts, ruleset._sets, blocks)
    assert (0, len(data), k) in set(zip(starts, ends, ks, strict=True))
    gates = list(ruleset._gates)
    gates[k] = compile_re2(rb"\bnowhere to be found\b", "test")._regexp
    other = _start_filter([c.pattern for c in ruleset._patterns])
    other.bind(ruleset._regexps, gates, ruleset._categories)
    ((_, _, ks, _),) = DIRECT.anchored_pattern_spans(other, ruleset._sets, blocks)
    assert k not in ks


@sets_bound
def test_anchored_spans_refuse_what_they_cannot_read(ruleset: Any) -> None:
    assert DIRECT is not None
    for pos, end in ((-1, 1), (1, 0), (0, 2)):
        with pytest.raises(ValueError):
            DIRECT.anchored_pattern_spans(ruleset._starts, ruleset._sets, [(b"a", [(pos, end)])])
    patterns = [c.pattern for c in ruleset._patterns]
    unbound = _start_filter(patterns)
    with pytest.raises(ValueError):  # no patterns bound to ask
        DIRECT.anchored_pattern_spans(unbound, ruleset._sets, [(b"a", [(0, 1)])])
    n = len(patterns)
    with pytest.raises(ValueError):  # not one for each of the filter's patterns
        unbound.bind(ruleset._regexps[:3], ruleset._gates[:3], ruleset._categories[:3])
    one = re2._re2.Set(re2._re2.RE2.Anchor.UNANCHORED, re2._re2.RE2.Options())
    one.Add(b"cure")
    one.Compile()
    with pytest.raises(TypeError):  # a pattern that is not the wrapper's RE2
        unbound.bind([one] * n, ruleset._gates, ruleset._categories)


@sets_bound
def test_the_loader_builds_the_filter_only_when_every_pattern_has_one(ruleset: Any) -> None:
    patterns = [c.pattern for c in ruleset._patterns]
    assert _start_filter(patterns) is not None
    assert _start_filter([*patterns, compile_re2(rb"(?i:cure)", "test")]) is None


def test_the_prefix_parse_agrees_with_re2_on_what_it_reads() -> None:
    # the patterns are read by Python's parser: where RE2 reads a pattern differently
    # (here "{,3}"), it has no filter rather than a wrong one
    assert re.compile(rb"x{,3}").fullmatch(b"xx")
    assert compile_re2(rb"x{,3}", "test").fullmatch(b"x{,3}")
    assert start_prefixes(rb"x{,3}") is None


@sets_bound
def test_anchored_spans_in_many_threads(ruleset: Any, blocks: list[bytes]) -> None:
    """A service worker checks in threads, and a block of 32 KB or more is read without
    the GIL: each call keeps its own buffers, and threads get what one thread gets."""
    assert DIRECT is not None
    big = b"\n".join(blocks[:400])
    assert len(big) > 1 << 15
    items = [[(big[k:], [(0, len(big) - k)])] for k in range(0, 64, 8)]

    def ask(texts: list[Any]) -> Any:
        return DIRECT.anchored_pattern_spans(ruleset._starts, ruleset._sets, texts)

    alone = [ask(t) for t in items]
    assert sum(len(r[0][0]) for r in alone) > 100
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(ask, items)) == alone


@sets_bound
def test_the_engine_builds_the_filter_last() -> None:
    """Deferred, the filter is built by ``build_filter`` (the engine calls it once all
    else is loaded: its build's short-lived objects then leave the heap as it was)."""
    deferred = load_rules(set(load_facts()), defer_filter=True)
    assert deferred._starts is None
    deferred.build_filter()
    assert deferred._starts is not None
    built = deferred._starts
    deferred.build_filter()  # once
    assert deferred._starts is built
    from app.engine.checker import Engine

    assert Engine(use_model=False).rules._starts is not None
