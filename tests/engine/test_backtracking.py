"""No catastrophic backtracking: hostile inputs cost about what ordinary text of their size costs.

Every rule pattern and context cue is compiled by RE2 (which cannot backtrack)
and every phrase list sits in one Aho-Corasick automaton; the first tests prove
it.  The last one checks the whole pipeline (format adapter, sentence
splitter, rules, context): each adversarial input is timed against ordinary
text of the same length in the same run (best of three, interleaved), and must
stay within a factor of :data:`MAX_RATIO`.  No absolute time is asserted.
Run with ``-s`` to see the table of ratios.
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
    *(
        (f"markdown {tok!r}...", "markdown", _fill(tok))
        for tok in ("`a", "**", "> ", "- ", "<a", "<!--", "```\n", "\\*")
    ),
    *(
        (f"html {tok!r}...", "html", _fill(tok))
        for tok in ("<", "<a ", "<!--", "</", "<p>", "<b>x", "&amp;", '<a href="')
    ),
]

# markdown-it-py parses link brackets and emphasis runs in time linear in their length but
# 5 to 25 times slower per character than prose (200,000 characters of "![" take 24 times
# as long as prose): these are held to growth, not to the ratio (see
# test_markdown_inline_spam_grows_linearly).
MARKDOWN_INLINE = ("![", "[a", "*a")

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
    normal = {fmt: ordinary(fmt) for fmt in ("text", "markdown", "html")}
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


@pytest.mark.parametrize("token", MARKDOWN_INLINE)
def test_markdown_inline_spam_grows_linearly(rules_engine: Engine, token: str) -> None:
    """Four times the input costs about four times the time (sixteen if it were quadratic)."""
    small, large = token * 2_500, token * 10_000
    t_small = min(_seconds(rules_engine, small, "markdown") for _ in range(2))
    t_large = min(_seconds(rules_engine, large, "markdown") for _ in range(2))
    print(f"\nmarkdown {token!r}: x4 input, x{t_large / t_small:.1f} time")
    assert t_large / t_small < 8.0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_findings_survive_hostile_padding(rules_engine: Engine, fmt: str) -> None:
    """A claim after a hostile run is still found, at the right offset."""
    claim = "Our stem cell therapy is completely safe."
    for pad in ("!" * 50_000, "x" * 50_000, "<a " * 1_000 + ">\n\n"):
        text = pad + "\n\n" + claim
        spans = [(f.start, f.text) for f in rules_engine.check(text, fmt).findings]
        assert (text.index("completely safe"), "completely safe") in spans, (fmt, pad[:10])
