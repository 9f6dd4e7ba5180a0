"""The Markdown adapter's parser: its short way for inline text without syntax, and its
line-ending and NUL normalising, give exactly the tokens markdown-it's own rules give."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from app.engine.formats.markdown import _parser, plain_inline

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin)

# text, block syntax and the whitespace line breaks depend on, without inline syntax
# (the short way) and with it (markdown-it's inline rules)
PLAIN = "ab é0.:#->|+=~ \t\t\n\n\n\r;/\"'(){}]\x00"
PLAIN_TEXT = st.text(alphabet=st.sampled_from(list(PLAIN + "    ")), max_size=160)
MARKDOWNISH = st.text(alphabet=st.sampled_from(list(PLAIN + "*_`[!<&\\")), max_size=160)


def _tokens(text: str) -> tuple[list[Token], list[Token]]:
    return REFERENCE.parse(text), _parser().parse(text)


@given(st.one_of(PLAIN_TEXT, MARKDOWNISH))
@settings(max_examples=600, deadline=None, derandomize=True)
def test_the_short_way_gives_markdown_its_own_tokens(text: str) -> None:
    reference, ours = _tokens(text)
    assert ours == reference


@pytest.mark.parametrize(
    "text",
    ["a\r\nb\rc\n\r\n\nd", "x\x00y\r\n\x00", "# T\r\n\r\n| a |\r\n| - |\r\n| b |", "plain\n"],
)
def test_line_endings_and_nul_are_normalised_as_markdown_it_does(text: str) -> None:
    reference, ours = _tokens(text)
    assert ours == reference


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "training_data" / "corpus").glob("*.txt"))
    + sorted((ROOT / "tests" / "cli" / "site").rglob("*.md")),
    ids=lambda p: p.name,
)
def test_real_pages_give_the_same_tokens(path: Path) -> None:
    reference, ours = _tokens(path.read_text("utf-8"))
    assert ours == reference


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("one line", [("text", "one line")]),
        ("soft \nbreak", [("text", "soft"), ("softbreak", ""), ("text", "break")]),
        ("hard   \n  \tbreak", [("text", "hard"), ("hardbreak", ""), ("text", "break")]),
        ("tab\t\nnext", [("text", "tab\t"), ("softbreak", ""), ("text", "next")]),
        ("tab\t  \nnext", [("text", "tab\t"), ("hardbreak", ""), ("text", "next")]),
        ("   \nx", [("hardbreak", ""), ("text", "x")]),
        ("end  ", [("text", "end  ")]),
    ],
)
def test_plain_inline_tokens(content: str, expected: list[tuple[str, str]]) -> None:
    made = plain_inline(content)
    assert [(t.type, t.content) for t in made] == expected
    assert made == REFERENCE.parseInline(content)[0].children
