"""Sentence spans with offsets, by Bling Fire's finite-state splitter.

Chosen by measurement (see bench/README.md and issue 7): Bling Fire splits
with offsets at several MB/s and in time linear in the input, where pysbd is
slower on long documents and syntok quadratic.  Each block is split on its
own, so a sentence never crosses a paragraph, heading or list item.
"""

from __future__ import annotations

import blingfire

from app.engine.formats import Document

# Bling Fire's output is built for the whole block in one call; a block longer
# than this is cut at a whitespace into pieces so that memory stays bounded.
_MAX_PIECE = 200_000


def _split(text: str, base: int, out: list[tuple[int, int]]) -> None:
    if not text.strip():
        return
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    for s, e in offsets:
        # strip whitespace Bling Fire may leave at the edges
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((base + s, base + e))


def split_sentences(doc: Document) -> list[tuple[int, int]]:
    """Sentence spans, as offsets into ``doc.text``, in order."""
    spans: list[tuple[int, int]] = []
    text = doc.text
    for start, end in doc.blocks:
        pos = start
        while end - pos > _MAX_PIECE:
            cut = text.rfind(" ", pos, pos + _MAX_PIECE)
            if cut <= pos:
                cut = pos + _MAX_PIECE
            _split(text[pos:cut], pos, spans)
            pos = cut
        _split(text[pos:end], pos, spans)
    return spans
