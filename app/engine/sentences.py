"""Sentence spans with offsets, by Bling Fire's finite-state splitter.

Chosen by measurement (issue 7; ``bench/bench_engine.py``): Bling Fire splits in
time linear in the input, where pysbd slows down on long documents and syntok
is quadratic on whole documents.  Its Python wrapper maps byte offsets to
character offsets in a Python loop, which cost more than the splitting, so this
module calls the library directly and maps offsets with numpy.  Blocks are
split in batches of up to ``_BATCH`` characters; a sentence that Bling Fire
runs across a block boundary is cut there, so no sentence crosses a paragraph,
heading or list item.
"""

from __future__ import annotations

import bisect
from ctypes import byref, c_char_p, c_int, c_int32, create_string_buffer
from typing import Any

import blingfire
import numpy as np

from app.engine.formats import Document

_LIB: Any = blingfire.blingfire
_BATCH = 1_000_000


def _bling(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) character offsets of ``text``."""
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes one "?"
    n = len(data)
    if n == 0:
        return []
    out = create_string_buffer(n * 2 + 16)
    starts = (c_int32 * (n * 2 + 16))()
    ends = (c_int32 * (n * 2 + 16))()
    count = _LIB.TextToSentencesWithOffsets(
        c_char_p(data), c_int(n), byref(out), byref(starts), byref(ends), c_int(len(out))
    )
    if count <= 0 or count > len(out):
        return [(0, len(text))]
    k = out.value.count(b"\n") + 1
    b_starts = np.frombuffer(memoryview(starts), dtype=np.int32, count=k)
    b_ends = np.frombuffer(memoryview(ends), dtype=np.int32, count=k)
    raw = np.frombuffer(data, dtype=np.uint8)
    char_of_byte = np.cumsum((raw & 0xC0) != 0x80) - 1  # byte index -> character index
    c_starts = char_of_byte[np.clip(b_starts, 0, n - 1)]
    c_ends = char_of_byte[np.clip(b_ends, 0, n - 1)] + 1
    return list(zip(c_starts.tolist(), c_ends.tolist(), strict=True))


def split_sentences(doc: Document) -> list[tuple[int, int]]:
    """Sentence spans, as offsets into ``doc.text``, in order, never crossing a block."""
    text = doc.text
    blocks = doc.blocks
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(blocks):
        # a batch of whole blocks, or one long block on its own
        j = i
        while j + 1 < len(blocks) and blocks[j + 1][1] - blocks[i][0] <= _BATCH:
            j += 1
        base, stop = blocks[i][0], blocks[j][1]
        block_starts = [b[0] for b in blocks[i : j + 1]]
        block_ends = [b[1] for b in blocks[i : j + 1]]
        for s, e in _bling(text[base:stop]):
            s += base
            e += base
            # cut at every block boundary inside the span
            k = bisect.bisect_right(block_starts, s) - 1
            while s < e:
                if k < 0:
                    k = 0
                if s >= block_ends[k]:
                    k += 1
                    if k >= len(block_starts):
                        break
                    s = max(s, block_starts[k])
                    continue
                piece_end = min(e, block_ends[k])
                _append(text, s, piece_end, spans)
                s = piece_end
        i = j + 1
    return spans


def _append(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e))
