"""Markdown, parsed by markdown-it-py (CommonMark plus tables and front matter).

Paragraphs, headings, list items, table cells and block quotes become blocks;
code blocks, fenced code, inline code and front matter are skipped; raw HTML
blocks go through the HTML adapter so hidden elements and ``redflag-``
comments are handled the same way.  markdown-it gives line ranges for blocks;
each inline text token is located in those source lines, so every character
maps back to the caller's input.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.normalize import NEWLINES_RE
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from app.engine.formats.document import Document, DocumentBuilder, line_starts
from app.engine.formats.html import feed_html

_SKIP_BLOCKS = frozenset({"fence", "code_block", "front_matter", "hr"})
_BLOCK_CLOSERS = frozenset(
    {"paragraph_close", "heading_close", "th_close", "td_close", "list_item_close"}
)


# What the parser's inline rules other than text and line breaks start at: escapes,
# code spans, emphasis, links and images, autolinks and inline HTML, entities
_INLINE_SYNTAX = re.compile(r"[\\`*_\[!<&]")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin)
    md.core.ruler.at("normalize", _normalize_rule)
    md.core.ruler.at("inline", _inline_rule)
    return md


def _normalize_rule(state: StateCore) -> None:
    """markdown-it's core ``normalize`` rule (CR LF and CR to LF, NUL to U+FFFD), each
    step only where the text holds what it replaces: its regular expression replaced
    every LF with itself (37-75 us of a 5 KB page).  Tests compare the two."""
    src = state.src
    if "\r" in src:
        src = NEWLINES_RE.sub("\n", src)
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _inline_rule(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, with a short way for text that holds no inline
    syntax (most paragraphs of a page): the tokens the inline parser gives it, text and
    line breaks, made directly rather than by trying every inline rule at each
    character (~35% of a page's parse).  Tests compare the two on every input."""
    md = state.md
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        if _INLINE_SYNTAX.search(token.content) is None:
            token.children.extend(plain_inline(token.content))
        else:
            md.inline.parse(token.content, md, state.env, token.children)


def plain_inline(content: str) -> list[Token]:
    """The inline tokens of ``content`` with no inline syntax, as markdown-it's ``text``
    and ``newline`` rules make them: a text token a line; a line break after each line
    but the last, ``hardbreak`` when the line ends with two spaces or more (all of
    them dropped), else ``softbreak`` (one space dropped); each later line's leading
    spaces and tabs skipped."""
    out: list[Token] = []
    lines = content.split("\n")
    last = len(lines) - 1
    for k, line in enumerate(lines):
        if k:
            line = line.lstrip(" \t")
        kind = None
        if k < last:
            kind = "softbreak"
            if line.endswith("  "):
                line, kind = line.rstrip(" "), "hardbreak"
            elif line.endswith(" "):
                line = line[:-1]
        if line:
            text = Token("text", "", 0)
            text.content = line
            out.append(text)
        if kind is not None:
            out.append(Token(kind, "br", 0))
    return out


def _locate(source: str, content: str, cursor: int, limit: int) -> int:
    pos = source.find(content, cursor, limit)
    return pos


def _add_text(b: DocumentBuilder, source: str, content: str, cursor: int, limit: int) -> int:
    """Add ``content`` found at or after ``cursor``; return the new cursor."""
    pos = _locate(source, content, cursor, limit)
    if pos >= 0:
        b.add_folded(content, pos)
        return pos + len(content)
    # Escapes or entities changed the text: place it character by character.
    for ch in content:
        p = source.find(ch, cursor, limit)
        if p < 0:
            b.add(ch, max(min(cursor, len(source) - 1), 0))
        else:
            b.add(ch, p)
            cursor = p + 1
    return cursor


def parse_markdown(source: str) -> Document:
    b = DocumentBuilder(source)
    starts = line_starts(source)
    n_lines = len(starts)

    def line_offset(line: int) -> int:
        return starts[line] if line < n_lines else len(source)

    tokens = _parser().parse(source)
    for tok in tokens:
        if tok.type in _SKIP_BLOCKS:
            b.end_block()
            continue
        if tok.type == "html_block" and tok.map is not None:
            b.end_block()
            begin = line_offset(tok.map[0])
            end = line_offset(tok.map[1])
            feed_html(b, source, begin, end)
            b.end_block()
            continue
        if tok.type == "inline" and tok.map is not None and tok.children is not None:
            begin = line_offset(tok.map[0])
            end = line_offset(tok.map[1])
            _inline(b, source, tok.children, begin, end)
            continue
        if tok.type in _BLOCK_CLOSERS:
            b.end_block()
    return b.build()


def _inline(b: DocumentBuilder, source: str, children: list[Token], begin: int, end: int) -> None:
    cursor = begin
    for child in children:
        t = child.type
        if t == "text":
            if child.content:
                cursor = _add_text(b, source, child.content, cursor, end)
        elif t in ("softbreak", "hardbreak"):
            b.add_virtual(" ")
        elif t == "code_inline":
            # skip the code, keep the cursor moving past it
            pos = source.find(child.content, cursor, end)
            if pos >= 0:
                cursor = pos + len(child.content)
        elif t == "html_inline":
            pos = source.find(child.content, cursor, end)
            if pos >= 0:
                feed_html(b, source, pos, pos + len(child.content), inline=True)
                cursor = pos + len(child.content)
        elif t == "image":
            # alt text is not visible prose
            pos = source.find(")", cursor, end)
            if pos >= 0:
                cursor = pos + 1
