"""Properties of the engine on any input (hypothesis).

Whatever the text and format: no exception; every finding has
``0 <= start < end <= len(text)`` and ``text[start:end] == finding.text`` with
line and column matching ``start``; findings are sorted; and the same input
gives the same report on every run.  The strategies mix red-flag phrases taken
from the rules' own must-flag examples (so that findings do occur) with the
characters that break text handling: NUL, lone surrogates, CR/LF, bidi marks,
combining marks, zero-width characters and markup punctuation.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Engine, Report
from app.engine.facts import load_facts
from app.engine.rules.loader import load_rules

FORMATS = ("text", "markdown", "html")
MARKER = re.compile(r"</?marker>")

# the must-flag examples of every rule, markers removed: real red-flag sentences
FLAGGED = sorted(
    {
        MARKER.sub("", ex)
        for compiled in load_rules(set(load_facts())).rules.values()
        for ex in compiled.rule.examples.flag
    }
)

NASTY = [
    "\x00",
    "\r\n",
    "\r",
    "\n",
    "\u2028",
    "\u2029",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u0301",  # combining acute
    "e\u0301\u0301\u0301",
    "\u200b",  # zero width space
    "\u200d",  # zero width joiner
    "\ufeff",  # byte order mark
    "\xa0",
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\U0001f600",
    "\u0627\u0644\u0639\u0644\u0627\u062c",  # Arabic
    "\uff33\uff41\uff46\uff45",  # fullwidth
    "```",
    "~~~",
    "<!-- redflag-disable -->",
    "<!-- redflag-disable-next-line -->",
    "<!--",
    "-->",
    "<p>",
    "</p>",
    "<div hidden>",
    "<script>",
    "&amp;",
    "&#0;",
    "&#xD800;",
    "&",
    "<",
    "*",
    "_",
    "[",
    "](",
    "> ",
    "- ",
    "# ",
    "---\n",
    "    ",
    "\t",
    '"',
    "\u201c",
    "'",
    "...",
    "!",
    "?",
]

any_char = st.characters(exclude_categories=())  # every code point, surrogates included
pieces = st.one_of(
    st.sampled_from(FLAGGED),
    st.sampled_from(NASTY),
    st.text(alphabet=any_char, max_size=12),
)
documents = st.lists(pieces, max_size=25).map("".join)


def check_invariants(text: str, report: Report) -> None:
    # lines end at \r\n, \r or \n (the convention editors and SARIF viewers use)
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    keys = []
    for f in report.findings:
        assert 0 <= f.start < f.end <= len(text), (f.id, f.start, f.end, len(text))
        assert text[f.start : f.end] == f.text, (f.id, f.text, text[f.start : f.end])
        assert 1 <= f.line <= len(line_starts)
        assert line_starts[f.line - 1] <= f.start
        assert f.column == f.start - line_starts[f.line - 1] + 1
        assert 0.0 <= f.confidence <= 1.0
        keys.append((f.start, f.end, f.category, f.id))
    assert keys == sorted(keys)
    assert 0 <= report.risk.score <= 100


def as_data(report: Report) -> dict[str, Any]:
    return report.to_dict()


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=documents, fmt=st.sampled_from(FORMATS))
def test_any_text_any_format(engine: Engine, text: str, fmt: str) -> None:
    report = engine.check(text, fmt)
    check_invariants(text, report)
    assert as_data(engine.check(text, fmt)) == as_data(report)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(text=st.text(alphabet=any_char, max_size=300), fmt=st.sampled_from(FORMATS))
def test_arbitrary_code_points(engine: Engine, text: str, fmt: str) -> None:
    check_invariants(text, engine.check(text, fmt))


def test_findings_do_occur_in_generated_shapes(engine: Engine) -> None:
    """Guard against a vacuous property: the phrase pool does raise findings."""
    text = "\r\n\u200f".join(FLAGGED[:20])
    report = engine.check(text, "text")
    assert report.findings
    check_invariants(text, report)


@pytest.mark.parametrize(
    ("char", "fmt"),
    [
        ("a", "text"),
        (".", "text"),
        ("\x00", "text"),
        ("\u200f", "text"),
        ("é", "text"),
        ("*", "markdown"),
        ("`", "markdown"),
        ("\n", "markdown"),
        ("<", "html"),
        (" ", "html"),
    ],
)
def test_a_megabyte_of_one_character(rules_engine: Engine, char: str, fmt: str) -> None:
    text = char * 1_000_000
    check_invariants(text, rules_engine.check(text, fmt))


def test_deeply_nested_html(engine: Engine) -> None:
    depth = 50_000
    inner = "Our stem cell treatment is completely safe and has no side effects."
    text = "<div><span>" * depth + inner + "</span></div>" * depth
    report = engine.check(text, "html")
    check_invariants(text, report)
    assert any(f.category == "absolute-safety" for f in report.findings)


def test_unclosed_tags_and_comments_in_html(engine: Engine) -> None:
    for text in ("<p>completely safe <b><i>", "<!-- completely safe", "<script>no side effects"):
        check_invariants(text, engine.check(text, "html"))


def test_deeply_nested_markdown(engine: Engine) -> None:
    inner = "Our stem cell treatment is completely safe.\n"
    for text in (
        "> " * 5_000 + inner,
        "".join("  " * i + "- item\n" for i in range(2_000)) + inner,
        "[" * 20_000 + inner + "]" * 20_000,
        "*" * 20_000 + inner + "*" * 20_000,
    ):
        check_invariants(text, engine.check(text, "markdown"))


def test_unclosed_markdown_fence_hides_what_follows(engine: Engine) -> None:
    claim = "Our stem cell treatment is completely safe and has no side effects."
    text = f"{claim}\n\n```\n{claim}\n\n{claim}\n"
    report = engine.check(text, "markdown")
    check_invariants(text, report)
    # the first claim is prose and flagged; the unclosed fence runs to the end, so its
    # contents are code and never flagged
    fence = text.index("```")
    assert any(f.end <= fence for f in report.findings)
    assert all(f.end <= fence for f in report.findings)


def test_lone_surrogates_keep_offsets(engine: Engine) -> None:
    text = "\ud800 Our treatment is completely safe.\udfff And it has no side effects \udbff."
    report = engine.check(text, "text")
    check_invariants(text, report)
    assert {f.text.lower() for f in report.findings} >= {"completely safe", "no side effects"}


def test_crlf_offsets_point_into_the_original(engine: Engine) -> None:
    text = "Intro line.\r\n\r\nOur treatment is completely safe.\r\nNo side effects at all.\r\n"
    report = engine.check(text, "markdown")
    check_invariants(text, report)
    safe = next(f for f in report.findings if f.text.lower() == "completely safe")
    assert (safe.line, safe.column) == (3, text.split("\n")[2].index("completely") + 1)
