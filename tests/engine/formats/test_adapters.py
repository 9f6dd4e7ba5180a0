"""Each adapter: what becomes text, what is skipped, and that offsets map back exactly."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.formats import document, parse


def _blocks(source: str, fmt: str) -> list[str]:
    doc = parse(source, fmt)
    return [doc.text[s:e] for s, e in doc.blocks]


def _roundtrip(source: str, fmt: str) -> None:
    """Every non-space character of the text maps to the same character in the source."""
    doc = parse(source, fmt)
    for i, ch in enumerate(doc.text):
        if ch.isspace() or ch in "&<>\"'©":
            continue
        j = doc.to_source(i)
        assert source[j] == ch, (i, ch, j, source[max(j - 5, 0) : j + 5])


def test_text_blocks_split_on_lines_and_join_wrapped_lines() -> None:
    src = "Title\n\nFirst line\nwrapped on. Next.\r\nSecond para\n"
    assert _blocks(src, "text") == ["Title", "First line wrapped on. Next.", "Second para"]
    _roundtrip(src, "text")


def test_markdown_skips_code_front_matter_and_keeps_prose() -> None:
    src = (
        "---\ntitle: Completely safe\n---\n# Heading *one*\n\n"
        "Para with **bold**, `completely safe` code and [a link](http://x.org).\n\n"
        "```\ncompletely safe in a fence\n```\n\n    indented code\n\n- item one\n- item two\n\n"
        "| a | b |\n|---|---|\n| cell one | cell two |\n"
    )
    blocks = _blocks(src, "markdown")
    assert blocks[0] == "Heading one"
    assert blocks[1] == "Para with bold, code and a link."
    assert "completely safe in a fence" not in " ".join(blocks)
    assert "indented code" not in " ".join(blocks)
    assert "title: Completely safe" not in " ".join(blocks)
    assert blocks[2:4] == ["item one", "item two"]
    assert "cell one" in blocks and "cell two" in blocks
    _roundtrip(src, "markdown")


def test_markdown_html_blocks_and_directives() -> None:
    src = "<!-- redflag-disable absolute-safety -->\n\n<div hidden>secret</div>\n\nVisible text.\n"
    doc = parse(src, "markdown")
    assert [doc.text[s:e] for s, e in doc.blocks] == ["Visible text."]
    assert [(d.kind, d.targets) for d in doc.directives] == [("disable", ("absolute-safety",))]


def test_html_skips_invisible_and_decodes_entities() -> None:
    src = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        '<p>Safe &amp; sound&nbsp;now</p><div aria-hidden="true">aria</div>'
        "<p style='display: none'>styled</p><p hidden>hid</p><script>var s='x'</script>"
        "<form><input value='field'><textarea>area</textarea></form>"
        "<ul><li>One\n   two</li></ul><table><tr><td>Cell</td></tr></table></body></html>"
    )
    assert _blocks(src, "html") == ["Safe & sound now", "One two", "Cell"]
    _roundtrip(src, "html")


def test_html_entity_maps_to_its_ampersand() -> None:
    src = "<p>A &amp; B</p>"
    doc = parse(src, "html")
    i = doc.text.index("&")
    assert src[doc.to_source(i) : doc.to_source(i) + 5] == "&amp;"


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        parse("x", "docx")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_empty_and_blank_inputs(fmt: str) -> None:
    for src in ("", "   \n\n\t", "<p> </p>" if fmt == "html" else "\n"):
        assert parse(src, fmt).blocks == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_many_spans_map_like_one_at_a_time(fmt: str) -> None:
    source = (
        "<h1>Stem   cells</h1>\n\n<p>Our <b>injections</b> are&nbsp;safe.\nCall now!</p>"
        if fmt == "html"
        else "# Stem   cells\n\nOur **injections** are safe.\nCall now!\n\n- one\n- two"
    ) * 5
    doc = parse(source, fmt)
    spans = [
        (s, e) for s in range(0, len(doc.text), 3) for e in (s + 1, s + 7) if e <= len(doc.text)
    ]
    assert len(spans) >= 16
    one_at_a_time = [doc.span_to_source(s, e) for s, e in spans]
    assert doc.spans_to_source(spans) == one_at_a_time
    with pytest.MonkeyPatch.context() as mp:  # numpy's mapping, without the C extension
        mp.setattr(document, "_NATIVE", None)
        assert doc.spans_to_source(spans) == one_at_a_time
    if document._NATIVE is not None:  # the C mapping takes empty spans too
        empty = [(s, s) for s in range(0, len(doc.text), 5)]
        assert doc.spans_to_source(empty) == [doc.span_to_source(s, e) for s, e in empty]


@pytest.mark.parametrize(
    "source",
    ["", "\n", "a\n", "\n\na", "a\nb\n\n c  d \n", "x\ty\u2028z\n\nq", "a\r\nb\rc\n", "end"],
)
def test_text_lines_split_like_the_line_pattern(source: str) -> None:
    from app.engine.formats import text

    expected = []
    for m in text._LINE_RE.finditer(source):
        if not m.group(0):
            break
        expected.append((m.group(0).rstrip("\r\n"), m.start()))
    assert list(text._lines(source)) == expected


_LINE_PIECES = st.sampled_from(
    ["Stem", "cells", "cure", "all.", "safe", "and", "ok:", " ", "  ", "\t", "\n", "\n\n",
     "\r\n", "\r", "é", "É", "x\u00a0y", "\u2028", "(a)", "b)", '"q"', "-", "1."]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=30).map("".join))
def test_text_of_simple_lines_maps_as_the_builder_does(source: str) -> None:
    """The plain-text fast path (lines with single spaces only) gives the builder's document,
    and steps aside for any other text."""
    from app.engine.formats import text

    built = text._built(source)
    fast = text._simple_lines(source)
    if fast is None:
        assert text._simple_lines_py(source) is None
        lines = [line.strip() for line, _ in text._lines(source)]
        assert any(re.search(r"\s{2,}", line) for line in lines)  # a run of white space
        return
    assert fast.text == built.text
    assert fast.blocks == built.blocks
    assert fast._text_starts == built._text_starts
    assert fast._source_starts == built._source_starts
    assert fast.source == built.source and fast.directives == built.directives == []
    # the C extension's pass and its Python twin make the same document
    twin = text._simple_lines_py(source)
    assert twin is not None
    assert (twin.text, twin.blocks, twin._text_starts, twin._source_starts) == (
        fast.text,
        fast.blocks,
        fast._text_starts,
        fast._source_starts,
    )


def test_text_of_simple_lines_in_c_reads_every_kind_of_character_as_python() -> None:
    """Each character (all below U+2100, a sample above) inside a line, at its edges and
    alone: the C pass takes or declines the text as its Python twin does, and what
    they take is the builder's document."""
    from app.engine.formats import text

    if text._NATIVE is None:
        pytest.skip("no C extension")
    codes = [*range(0x2100), *range(0x2100, 0x110000, 97)]
    for code in codes:
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        for source in (f"ab {ch} cd\nx{ch}\n{ch}  \r\n {ch}", f"x{ch}y\nq{ch}\n{ch}z"):
            fast, twin = text._simple_lines(source), text._simple_lines_py(source)
            if fast is None or twin is None:
                assert fast is twin, repr(ch)
                continue
            built = text._built(source)
            assert (
                (fast.text, fast.blocks, fast._text_starts, fast._source_starts)
                == (twin.text, twin.blocks, twin._text_starts, twin._source_starts)
                == (built.text, built.blocks, built._text_starts, built._source_starts)
            ), repr(ch)


def test_text_fast_path_takes_the_usual_page() -> None:
    from app.engine.formats import text

    page = "Title\n\nOur stem cells\nhelp everyone. Call now!\n  - item one\n- item two\n"
    assert text._simple_lines(page) is not None
    assert parse(page, "text").text == text._built(page).text
    # a lone no-break space or tab is a space, one for one; a zero-width joiner stays
    page = "Stem\u00a0cells\there\tnow \U0001f469\u200d\U0001f52c help.\n"
    fast = text._simple_lines(page)
    assert fast is not None
    assert fast.text == "Stem cells here now \U0001f469\u200d\U0001f52c help."
    assert fast.text == text._built(page).text
    assert fast._text_starts == text._built(page)._text_starts == [0]
    assert text._simple_lines("two  spaces") is None  # the builder's case
