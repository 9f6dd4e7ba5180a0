"""RE2 called from the C extension (``app/engine/re2_direct.py``) answers as the wrapper does."""

from __future__ import annotations

import platform
import sys
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import normalize as normalize_module
from app.engine import re2_direct
from app.engine.context import _CLAUSE_BREAK, load_context_cues
from app.engine.facts import load_facts
from app.engine.formats import parse
from app.engine.native import native_module
from app.engine.normalize import Utf8Index, byte_spans, normalize
from app.engine.rules.kinds import compile_re2
from app.engine.rules.loader import load_rules
from app.engine.sentences import split_sentences
from app.training.data import load_sentences
from tests.conftest import CORPUS, ROOT

DIRECT = re2_direct.DIRECT
bound = pytest.mark.skipif(DIRECT is None, reason="RE2 is not called from C here")


def test_bound_wherever_the_extension_is_on_x86_64_linux() -> None:
    """The suite never runs on the wrapper alone by accident where the direct calls work."""
    if native_module() is not None and sys.platform == "linux" and platform.machine() == "x86_64":
        assert DIRECT is not None


def _finditer(pattern: Any, data: bytes, pos: int, end: int) -> list[tuple[int, int]]:
    """The wrapper's own answer: its ``finditer``, empty matches left out."""
    return [m.span() for m in pattern.finditer(data, pos, end) if m.end() > m.start()]


def _wrapper_search(pattern: Any, data: bytes, start: int, end: int) -> bool:
    return pattern.search(data[start:end]) is not None


@pytest.fixture(scope="module")
def patterns() -> list[Any]:
    """Every RE2 expression the engine asks for spans or a yes: the rules' patterns and
    exceptions, the context cues, the clause breaks."""
    rules = load_rules(set(load_facts()))
    out = [c.pattern for c in rules._patterns]
    out += [p for r in rules.rules.values() for p in r.exceptions]
    out += list(load_context_cues().patterns.values())
    out.append(_CLAUSE_BREAK)
    return out


@pytest.fixture(scope="module")
def texts() -> list[bytes]:
    docs = [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    docs += [
        "",
        "Stem cells are 100% safe — “clinically proven”, FDA-approved; café αβγ 𝄞 ok.",
        "no\nnot\tnever  cure\u00a0heal",
    ]
    return [Utf8Index(normalize(d)).data for d in docs]


@bound
def test_spans_are_the_wrappers_for_every_pattern_over_the_corpus(
    patterns: list[Any], texts: list[bytes]
) -> None:
    assert DIRECT is not None
    checked = 0
    for pattern in patterns:
        for data in texts:
            n = len(data)
            for pos, end in ((0, n), (n // 3, n), (0, n // 2), (n // 4, 3 * n // 4), (n, n)):
                got = DIRECT.re2_spans(pattern._regexp, data, pos, end)
                assert got == _finditer(pattern, data, pos, end), (pattern.pattern, pos, end)
                checked += len(got)
    assert checked > 1000  # the corpus gives the patterns plenty to find


@bound
def test_search_is_the_wrappers_over_each_sentence_sized_slice(
    patterns: list[Any], texts: list[bytes]
) -> None:
    assert DIRECT is not None
    for pattern in patterns:
        for data in texts:
            n = len(data)
            for start in range(0, n, max(n // 40, 1)):
                end = min(start + 200, n)
                assert DIRECT.re2_search(pattern._regexp, data, start, end) == _wrapper_search(
                    pattern, data, start, end
                ), (pattern.pattern, start, end)


@bound
@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab c.é\n-"), max_size=60),
    pos=st.integers(0, 80),
    length=st.integers(0, 80),
    source=st.sampled_from([r"a*", r"\bab?\b", r"^a|c$", r"(?:é|-)+", r"\w+\s*\.", r"b{0,3}"]),
)
def test_spans_and_search_agree_on_any_text_and_range(
    text: str, pos: int, length: int, source: str
) -> None:
    assert DIRECT is not None
    data = text.encode()
    pos = min(pos, len(data))
    end = min(pos + length, len(data))
    pattern = compile_re2(source.encode(), "test")
    assert DIRECT.re2_spans(pattern._regexp, data, pos, end) == _finditer(pattern, data, pos, end)
    assert DIRECT.re2_search(pattern._regexp, data, pos, end) == _wrapper_search(
        pattern, data, pos, end
    )


@bound
def test_byte_spans_and_search_go_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DIRECT is not None
    asked: list[str] = []

    class Spy:
        def re2_spans(self, *args: Any) -> Any:
            asked.append("spans")
            return DIRECT.re2_spans(*args)

        def re2_search(self, *args: Any) -> Any:
            asked.append("search")
            return DIRECT.re2_search(*args)

    monkeypatch.setattr(normalize_module, "DIRECT", Spy())
    pattern = compile_re2(rb"\bcures?\b", "test")
    data = b"it cures; a cure, incurable"
    assert byte_spans(pattern, data) == [(3, 8), (12, 16)]
    assert byte_spans(pattern, data, 4) == [(12, 16)]
    index = Utf8Index("it cures; a cure, incurable")
    assert index.search(pattern, 0, 8) and not index.search(pattern, 17, 27)
    assert asked == ["spans", "spans", "search", "search"]


@bound
def test_refuses_what_it_cannot_read() -> None:
    assert DIRECT is not None
    pattern = compile_re2(rb"a", "test")
    with pytest.raises(TypeError):
        DIRECT.re2_spans(pattern, b"a", 0, 1)  # the wrapper's object, not its RE2
    with pytest.raises(TypeError):
        DIRECT.re2_search(re2.compile("a"), b"a", 0, 1)
    for pos, end in ((-1, 1), (1, 0), (0, 2)):
        with pytest.raises(ValueError):
            DIRECT.re2_spans(pattern._regexp, b"a", pos, end)
        with pytest.raises(ValueError):
            DIRECT.re2_search(pattern._regexp, b"a", pos, end)


def test_off_when_the_symbol_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the wrapper's module does not export ``RE2::Match`` (another platform or
    build), nothing is bound and the wrapper answers; what was bound stays bound."""
    monkeypatch.setattr(re2_direct, "MATCH_SYMBOL", "no_such_symbol")
    assert re2_direct._address(re2_direct.MATCH_SYMBOL) == 0
    assert re2_direct._bind() is None
    if DIRECT is not None:
        assert DIRECT.re2_spans(compile_re2(rb"b", "test")._regexp, b"abab", 0, 4) == [
            (1, 2),
            (3, 4),
        ]


# -- RE2's sets --------------------------------------------------------------------------

sets_bound = pytest.mark.skipif(not re2_direct.SETS, reason="RE2's sets are not called from C here")


def test_sets_bound_wherever_the_direct_calls_are() -> None:
    if DIRECT is not None:
        assert re2_direct.SETS


@pytest.fixture(scope="module")
def ruleset() -> Any:
    return load_rules(set(load_facts()))


@sets_bound
def test_set_match_is_the_wrappers_over_every_block_of_the_corpus(
    ruleset: Any, texts: list[bytes]
) -> None:
    assert DIRECT is not None
    ((pattern_set, _),) = ruleset._sets
    flagged = 0
    for data in texts:
        n = len(data)
        for start in range(0, n, max(n // 60, 1)):
            end = min(start + 300, n)
            got = DIRECT.re2_set_match(pattern_set, data, start, end)
            assert got == pattern_set.Match(data[start:end]), (start, end)
            flagged += len(got)
    assert flagged > 100


@sets_bound
def test_rules_find_the_same_matches_in_the_same_order_from_c(ruleset: Any) -> None:
    """``block_pattern_spans`` gives what the Python twin (``_flag``, ``_search``,
    ``_spans_of``) gives, in the same order (it decides ties between rules): the corpus
    documents and the training sentences in runs of five, one text at a time and in
    batches.  (Without the start filter, whose finds ``rules/test_starts.py`` compares
    with these.)"""

    def prepared(text: str) -> tuple[Utf8Index, list[tuple[int, int]], list[tuple[int, int]]]:
        doc = parse(text, "text")
        return Utf8Index(normalize(doc.text)), doc.blocks, split_sentences(doc)

    docs = [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    sentences = [item.text for item in load_sentences(ROOT / "training_data")]
    docs += [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    items = [prepared(d) for d in docs]
    found = 0
    starts = ruleset._starts
    ruleset._starts = None
    try:
        singles = [[item] for item in items[:300]]
        for batch in singles + [items[k : k + 16] for k in range(0, len(items), 16)]:
            ruleset._in_c = True
            from_c = ruleset.find_many(batch)
            ruleset._in_c = False
            in_python = ruleset.find_many(batch)
            assert [[(m.start, m.end, m.rule.id) for m in ms] for ms in from_c] == [
                [(m.start, m.end, m.rule.id) for m in ms] for ms in in_python
            ]
            found += sum(map(len, from_c))
    finally:
        ruleset._in_c = re2_direct.SETS
        ruleset._starts = starts
    assert found > 5000


@sets_bound
def test_sets_refuse_what_they_cannot_read(ruleset: Any) -> None:
    assert DIRECT is not None
    ((pattern_set, members),) = ruleset._sets
    with pytest.raises(TypeError):
        DIRECT.re2_set_match(compile_re2(rb"a", "test")._regexp, b"a", 0, 1)
    for pos, end in ((-1, 1), (1, 0), (0, 2)):
        with pytest.raises(ValueError):
            DIRECT.re2_set_match(pattern_set, b"a", pos, end)
        with pytest.raises(ValueError):
            DIRECT.block_pattern_spans(
                [(pattern_set, members)], ruleset._regexps, [(b"a", [(pos, end)])]
            )
    one = re2._re2.Set(re2._re2.RE2.Anchor.UNANCHORED, re2._re2.RE2.Options())
    one.Add(b"cure")
    one.Compile()
    pattern = compile_re2(rb"cure", "test")._regexp
    assert DIRECT.block_pattern_spans([(one, [0])], [pattern], [(b"a cure", [(0, 6)])]) == [
        ([2], [6], [0], [(0, 0, 0)])
    ]
    with pytest.raises(ValueError):  # a member that is not one of the patterns
        DIRECT.block_pattern_spans([(one, [1])], [pattern], [(b"a cure", [(0, 6)])])
    with pytest.raises(TypeError):  # a pattern that is not the wrapper's RE2
        DIRECT.block_pattern_spans([(one, [0])], [one], [(b"a cure", [(0, 6)])])


def test_sets_off_when_their_symbol_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(re2_direct, "SET_MATCH_SYMBOL", "no_such_symbol")
    assert re2_direct._bind_sets(DIRECT) is False
    assert re2_direct._bind_sets(None) is False
