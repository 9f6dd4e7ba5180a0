"""Plain text: paragraphs and lines become blocks.

A blank line always ends a block.  A single line break ends a block too (a
heading, a list item, a one-line paragraph) unless the text is hard-wrapped:
the line does not end a sentence and the next one starts in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.engine.formats.document import Document, DocumentBuilder

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_SENTENCE_END = frozenset('.!?:;"”’)]')


def _lines(source: str) -> Iterator[tuple[str, int]]:
    """Each line without its line break, with its offset (``\n``, ``\r\n`` or ``\r``)."""
    if "\r" not in source:  # the usual case: str.split is several times faster
        lines = source.split("\n")
        if not lines[-1]:
            lines.pop()  # no line after a final line break
        pos = 0
        for line in lines:
            yield line, pos
            pos += len(line) + 1
        return
    for m in _LINE_RE.finditer(source):
        raw = m.group(0)
        if not raw:
            break
        yield raw.rstrip("\r\n"), m.start()


def parse_text(source: str) -> Document:
    b = DocumentBuilder(source)
    prev_open = False  # the previous line continues into this one
    for line, start in _lines(source):
        content = line.strip()
        if not content:
            b.end_block()
            prev_open = False
            continue
        lead = len(line) - len(line.lstrip())
        if prev_open and content[0].islower():
            b.add_virtual(" ")
        else:
            b.end_block()
        b.add_folded(content, start + lead)
        prev_open = content[-1] not in _SENTENCE_END
    return b.build()
