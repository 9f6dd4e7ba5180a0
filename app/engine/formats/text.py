"""Plain text: paragraphs and lines become blocks.

A blank line always ends a block.  A single line break ends a block too (a
heading, a list item, a one-line paragraph) unless the text is hard-wrapped:
the line does not end a sentence and the next one starts in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.engine.formats.document import BLOCK_SEPARATOR, Document, DocumentBuilder
from app.engine.native import native_module

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_SPACE_RUN = re.compile(r"\s{2,}")
_OTHER_SPACE = re.compile(r"[^\S ]")
_SENTENCE_END = frozenset('.!?:;"”’)]')
_SENTENCE_END_CHARS = "".join(sorted(_SENTENCE_END))
_NATIVE = native_module()


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
    return _simple_lines(source) or _built(source)


def _simple_lines(source: str) -> Document | None:
    """The document :func:`_built` makes, when no line holds a run of white space (the
    usual text; a lone tab or no-break space becomes a space): each line is then one
    piece, and the builder's steps (a block separator, a virtual space, a run per piece)
    come down to appends (``tests/engine/formats/test_adapters.py`` checks it against
    the builder).  ``None`` for any other text.  The C extension's ``simple_lines`` does
    it in one pass."""
    if _NATIVE is not None:
        made = _NATIVE.simple_lines(source, _SENTENCE_END_CHARS, BLOCK_SEPARATOR)
        return None if made is None else Document(source, *made)
    return _simple_lines_py(source)


def _simple_lines_py(source: str) -> Document | None:
    """:func:`_simple_lines` without the C extension (its twin)."""
    parts: list[str] = []
    text_starts: list[int] = []
    source_starts: list[int] = []
    blocks: list[tuple[int, int]] = []
    n = 0
    block_start = -1  # none open
    last_source = 0  # where the last piece ended in the source (-1: none to continue)
    prev_open = False
    for line, start in _lines(source):
        content = line.strip()
        if not content:
            if block_start >= 0:
                blocks.append((block_start, n))
                block_start = last_source = -1
            prev_open = False
            continue
        if "  " in content or not content.isprintable():
            if _SPACE_RUN.search(content):  # a run of white space: the builder's case
                return None
            # a lone white-space character other than a space: a space, one for one
            # (no new run of offsets), as the builder folds it
            content = _OTHER_SPACE.sub(" ", content)
        if prev_open and content[0].islower():
            # a hard-wrapped line: a space that stands for the line break
            text_starts.append(n)
            source_starts.append(max(last_source - 1, 0))
            parts.append(" ")
            n += 1
            last_source = -1
        elif block_start >= 0:
            blocks.append((block_start, n))
            block_start = last_source = -1
        if block_start < 0:
            if blocks:
                text_starts.append(n)
                source_starts.append(max(last_source, 0))
                parts.append(BLOCK_SEPARATOR)
                n += len(BLOCK_SEPARATOR)
                last_source = -1
            block_start = n
        offset = start + len(line) - len(line.lstrip())
        if offset != last_source or not text_starts:
            text_starts.append(n)
            source_starts.append(offset)
        parts.append(content)
        n += len(content)
        last_source = offset + len(content)
        prev_open = content[-1] not in _SENTENCE_END
    if block_start >= 0:
        blocks.append((block_start, n))
    return Document(source, "".join(parts), text_starts, source_starts, blocks)


def _built(source: str) -> Document:
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
