"""HTML, parsed by the standard library's tolerant ``html.parser``.

Visible text becomes blocks, one per block-level element (paragraphs, list
items, headings, table cells, block quotes, ...).  Scripts, styles, templates,
the document head, code, form fields and hidden elements (``hidden``,
``aria-hidden="true"``, inline ``display:none`` or ``visibility:hidden``) are
skipped.  Character references are decoded and mapped to the offset of their
``&``; whitespace inside a block is folded to spaces, one for one, so offsets
stay exact.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from app.engine.formats.document import Document, DocumentBuilder, parse_directive

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "code",
        "pre",
        "textarea",
        "select",
        "option",
        "svg",
        "math",
        "iframe",
        "object",
        "canvas",
    ]
)
VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " ", "\xa0": " "})


def _is_hidden(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "aria-hidden" and (value or "").strip().lower() == "true":
            return True
        if name == "style" and value and _HIDDEN_STYLE.search(value):
            return True
        if tag == "input" and name == "type" and (value or "").lower() == "hidden":
            return True
    return False


class _Extractor(HTMLParser):
    def __init__(self, builder: DocumentBuilder, text: str, base: int, inline: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.b = builder
        self.base = base
        self.inline = inline
        self._nl = [0] + [m.end() for m in re.finditer("\n", text)]
        self._stack: list[tuple[str, bool]] = []  # (tag, opens a skipped region)
        self._skip = 0
        # adjacent pieces of text, added as one: html.parser hands over each stray "<"
        # on its own, and "<" * 200_000 cost 200,000 additions
        self._pending: list[str] = []
        self._pending_start = 0
        self._pending_end = -1

    def _flush(self) -> None:
        if self._pending:
            text = "".join(self._pending).replace(_LT_STANDIN, "<")
            self.b.add_folded(text, self._pending_start)
            self._pending = []
            self._pending_end = -1

    def close(self) -> None:
        super().close()
        self._flush()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.base + self._nl[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if tag in BLOCK_TAGS and not self.inline:
            self.b.end_block()
        if tag in VOID_TAGS:
            return
        skips = tag in SKIP_TAGS or _is_hidden(tag, attrs)
        self._stack.append((tag, skips))
        if skips:
            self._skip += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if tag in BLOCK_TAGS and not self.inline:
            self.b.end_block()

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS and not self.inline:
                self.b.end_block()
            return
        # pop to the matching open tag, if there is one (tolerant of bad nesting)
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _, skips in self._stack[i:]:
                    if skips:
                        self._skip -= 1
                del self._stack[i:]
                break
        if tag in BLOCK_TAGS and not self.inline:
            self.b.end_block()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        offset = self._offset()
        if offset != self._pending_end:
            self._flush()
            self._pending_start = offset
        self._pending.append(data)
        self._pending_end = offset + len(data)

    def _add_ref(self, raw: str) -> None:
        self._flush()
        if self._skip:
            return
        decoded = html.unescape(raw).translate(_WS)
        start = self._offset()
        if decoded == raw:
            self.b.add(raw, start)
            return
        for ch in decoded:
            self.b.add(ch, start)

    def handle_entityref(self, name: str) -> None:
        self._add_ref(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._add_ref(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._flush()
        start = self._offset()
        directive = parse_directive(data, start, start + len(data) + 7)
        if directive is not None:
            self.b.directives.append(directive)


# a tag, end tag, comment, declaration or processing instruction begins here
_CONSTRUCT = re.compile(r"<[A-Za-z!/?]")


_LITERAL_LT = re.compile(r"<(?![A-Za-z!/?])")
_LT_STANDIN = "\ue000"


def _closed_part(text: str) -> str:
    """``text`` up to the first construct that is still open at its end.

    Before Python 3.11.13 (CVE-2025-6069) ``html.parser`` searches to the end of
    the input again for every such construct: ``"<a " * 16_000`` took 80 s.
    HTML5 drops an open tag and closes an open comment at the end of the input,
    so nothing from there on is visible, and nothing from there on is fed.
    """
    m = _CONSTRUCT.search(text, text.rfind(">") + 1)
    return text if m is None else text[: m.start()]


def feed_html(
    builder: DocumentBuilder, source: str, begin: int, end: int, *, inline: bool = False
) -> None:
    """Extract the visible text of ``source[begin:end]`` into ``builder``."""
    text = source[begin:end]
    parser = _Extractor(builder, text, begin, inline)
    # A "<" that cannot start a tag is text (HTML5); html.parser handles each one in
    # a Python loop, so 200,000 of them cost 8 times ordinary text.  They are fed as
    # a same-length stand-in and turned back into "<" in the text.
    parser.feed(_LITERAL_LT.sub(_LT_STANDIN, _closed_part(text)))
    parser.close()


def parse_html(source: str) -> Document:
    b = DocumentBuilder(source)
    feed_html(b, source, 0, len(source))
    return b.build()
