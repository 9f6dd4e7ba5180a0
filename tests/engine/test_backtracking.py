"""No catastrophic backtracking: hostile inputs cost about what ordinary text of their size costs.

Every rule pattern and context cue is compiled by RE2 (which cannot backtrack)
and every phrase list sits in one Aho-Corasick automaton; the first tests prove
it.  Then the whole pipeline (adapter, sentence splitter, rules, context) is
timed: each adversarial input (100,000 repetitions of short tokens, very long
words, long runs of punctuation and quotes) against ordinary text of the same
length in the same run, interleaved, within a factor of :data:`MAX_RATIO`;
and markup spam for growth that stays linear.  No absolute time is asserted.
Run with ``-s`` to see the ratios.
"""

from __future__ import annotations

import html
import time

import pytest
import re2

from app.engine import Engine
from tests.conftest import corpus_text

MAX_RATIO = 5.0
LENGTH = 200_000  # 100,000 repetitions of a two-character token
RE2_TYPE = type(re2.compile("a"))


def _fill(token: str) -> str:
    return (token * (LENGTH // len(token) + 1))[:LENGTH]


# (name, format, text), every text LENGTH characters long
ADVERSARIAL: list[tuple[str, str, str]] = [
    *(
        (f"text {tok!r}...", "text", _fill(tok))
        for tok in (
            "a ",
            "no ",
            "not ",
            "fda ",
            "safe ",
            "100% ",
            "approved ",
            "stem cell ",
            "completely ",
            "! ",
            ". ",
            "?! ",
            '" ',
            "\u201c ",
            "a.",
            "\n",
            # runs of one character: very long words, punctuation and quotes
            "x",
            "\u00e9",
            "!",
            ".",
            ",",
            "-",
            '"',
            "'",
            "?",
        )
    ),
    ("text one long word in prose", "text", "It is " + "x" * (LENGTH - 24) + " completely safe."),
]

# Markup spam goes through the format adapters (html.parser, markdown-it-py), which spend
# a fixed cost per construct: linear, but up to 25 times slower per character than prose
# for "![" in markdown.  These are held to linear growth (see docs/operations.md).
MARKUP: list[tuple[str, str]] = [
    *(
        ("markdown", tok)
        for tok in ("![", "[a", "[a](", "*a", "_a ", "`a", "**", "> ", "- ", "<a", "<!--", "\\*")
    ),
    *(("html", tok) for tok in ("<", "<a ", "<!--", "</", "<p>", "<b>x", "&amp;", '<a href="')),
]

BASE = "\n\n".join(corpus_text(p) for p in ("000", "001", "002", "003", "004"))


def ordinary(fmt: str) -> str:
    """Real health writing (corpus 000-004) repeated to LENGTH characters."""
    text = BASE * (LENGTH // len(BASE) + 1)
    if fmt == "html":
        text = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n"))
    return text[:LENGTH]


def _seconds(engine: Engine, text: str, fmt: str) -> float:
    t0 = time.perf_counter()
    engine.check(text, fmt)
    return time.perf_counter() - t0


def test_rule_patterns_are_re2_or_aho_corasick(rules_engine: Engine) -> None:
    ruleset = rules_engine.rules
    assert ruleset.rules
    for compiled in ruleset.rules.values():
        if compiled.rule.kind in ("tokens", "regex"):
            assert isinstance(compiled.pattern, RE2_TYPE), compiled.rule.id
        else:
            assert compiled.pattern is None, compiled.rule.id
        for exception in compiled.exceptions:
            assert isinstance(exception, RE2_TYPE), compiled.rule.id


def test_context_cues_are_re2(rules_engine: Engine) -> None:
    cues = []
    for value in vars(rules_engine.cues).values():
        for item in value.values() if isinstance(value, dict) else [value]:
            if hasattr(item, "search"):
                cues.append(item)
    assert len(cues) >= 5
    assert all(isinstance(c, RE2_TYPE) for c in cues), [type(c) for c in cues]


def test_adversarial_inputs_cost_no_more_than_ordinary_text(rules_engine: Engine) -> None:
    normal = {fmt: ordinary(fmt) for fmt in {f for _, f, _ in ADVERSARIAL}}
    baseline = {fmt: _seconds(rules_engine, t, fmt) for fmt, t in normal.items()}
    hostile = {}
    for i, (name, fmt, text) in enumerate(ADVERSARIAL):
        hostile[name] = _seconds(rules_engine, text, fmt)
        if i % 8 == 7:  # ordinary text timed all along, under the same machine load
            baseline[fmt] = min(baseline[fmt], _seconds(rules_engine, normal[fmt], fmt))

    def ratio(name: str, fmt: str) -> float:
        return hostile[name] / baseline[fmt]

    for name, fmt, text in ADVERSARIAL:  # a second look at the slower ones, best of three
        if ratio(name, fmt) > MAX_RATIO / 2:
            for _ in range(2):
                hostile[name] = min(hostile[name], _seconds(rules_engine, text, fmt))
                baseline[fmt] = min(baseline[fmt], _seconds(rules_engine, normal[fmt], fmt))
    rows = sorted(
        ((ratio(name, fmt), name, hostile[name]) for name, fmt, _ in ADVERSARIAL), reverse=True
    )
    print(
        f"\nordinary text of {LENGTH} characters: "
        + ", ".join(f"{fmt} {s:.3f} s" for fmt, s in baseline.items())
    )
    print(f"{'ratio':>6}  {'seconds':>8}  input")
    for r, name, seconds in rows:
        print(f"{r:6.2f}  {seconds:8.3f}  {name}")
    slow = [(round(r, 1), name) for r, name, _ in rows if r > MAX_RATIO]
    assert not slow, f"slower than {MAX_RATIO}x ordinary text of the same size: {slow}"


@pytest.mark.parametrize(("fmt", "token"), MARKUP, ids=[f"{f}-{t!r}" for f, t in MARKUP])
def test_markup_spam_grows_linearly(rules_engine: Engine, fmt: str, token: str) -> None:
    """Four times the input costs about four times the time (sixteen if it were quadratic)."""
    small, large = token * 2_500, token * 10_000
    t_small = min(_seconds(rules_engine, small, fmt) for _ in range(3))
    t_large = min(_seconds(rules_engine, large, fmt) for _ in range(3))
    growth = t_large / max(t_small, 1e-4)
    print(f"\n{fmt} {token!r}: x4 input, x{growth:.1f} time ({t_large:.3f} s)")
    assert growth < 10.0 or t_large < 0.02  # quadratic would be 16; below 20 ms, noise


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_findings_survive_hostile_padding(rules_engine: Engine, fmt: str) -> None:
    """A claim after a hostile run is still found, at the right offset."""
    claim = "Our stem cell therapy is completely safe."
    for pad in ("!" * 50_000, "x" * 50_000, "<a " * 1_000 + ">\n\n"):
        text = pad + "\n\n" + claim
        spans = [(f.start, f.text) for f in rules_engine.check(text, fmt).findings]
        assert (text.index("completely safe"), "completely safe") in spans, (fmt, pad[:10])
