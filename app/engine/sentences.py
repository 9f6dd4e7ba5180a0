"""Sentence spans with offsets, by Bling Fire's finite-state splitter.

Chosen by measurement (issue 7; ``bench/bench_engine.py``): Bling Fire splits in
time linear in the input, where pysbd slows down on long documents and syntok
is quadratic on whole documents.  Its Python wrapper maps byte offsets to
character offsets in a Python loop, which cost more than the splitting, so this
module calls the library directly and maps offsets with numpy.  Blocks are
split in batches of up to ``_BATCH`` characters; a sentence that Bling Fire
runs across a block boundary is cut there, so no sentence crosses a paragraph,
heading or list item.  With the C extension (``_native.pyx``), Bling Fire is called
from C and the offsets are mapped, cut and trimmed there, in one call (the numpy path's
fifteen small numpy calls and ctypes' conversions were a quarter of a page's splitting
time); both give the same spans (``tests/engine/test_sentences.py``).
"""

from __future__ import annotations

import bisect
import threading
from ctypes import c_char_p, c_int, c_void_p, cast
from typing import Any

import blingfire
import numpy as np

from app.engine.formats import Document
from app.engine.native import native_module

_LIB: Any = blingfire.blingfire
_NATIVE = native_module()
# the C function itself, which the C extension calls without ctypes in between
_SPLIT_ADDRESS: int = cast(_LIB.TextToSentencesWithOffsets, c_void_p).value or 0
_BATCH = 1_000_000
_FEW = 32  # spans of a single block are cut without numpy
_KEEP = 1 << 16  # bytes of text up to which a thread keeps its buffers (1.2 MB) for the next call


class _Buffers(threading.local):
    """Bling Fire's output buffers, kept per thread: allocating and zeroing them for
    every page cost a third as much as the splitting."""

    size = 0
    out: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


_BUFFERS = _Buffers()


def _buffers(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Buffers for the output of an ``n``-byte text: text, starts and ends, each of
    ``n * 2 + 16`` items as Bling Fire's own wrapper makes them (uninitialised: a
    megabyte's would be 18 MB to zero; Bling Fire writes what is read)."""
    size = n * 2 + 16
    kept = _BUFFERS
    if kept.size >= size:
        return kept.out, kept.starts, kept.ends, kept.size
    out = np.empty(size, dtype=np.uint8)
    starts, ends = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32)
    if n <= _KEEP:
        kept.out, kept.starts, kept.ends, kept.size = out, starts, ends, size
    return out, starts, ends, size


def _bling(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Sentence start and end character offsets of ``text``."""
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes one "?"
    n = len(data)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    out, starts, ends, size = _buffers(n)
    count = _LIB.TextToSentencesWithOffsets(
        c_char_p(data),
        c_int(n),
        c_void_p(out.ctypes.data),
        c_void_p(starts.ctypes.data),
        c_void_p(ends.ctypes.data),
        c_int(size),
    )
    if count <= 0 or count > size:
        return np.array([0]), np.array([len(text)])
    # the sentences, one a line, end with a NUL (the buffer may hold an older call's
    # output after it); a NUL in the text ends them early, as it always has here
    written = out[:count].tobytes()
    nul = written.find(b"\0")
    k = (written if nul < 0 else written[:nul]).count(b"\n") + 1
    # clipped to the text (np.clip costs several times more than the two ufuncs)
    b_starts = starts[:k].astype(np.int64)
    np.minimum(np.maximum(b_starts, 0, out=b_starts), n - 1, out=b_starts)
    b_ends = ends[:k].astype(np.int64)
    np.minimum(np.maximum(b_ends, 0, out=b_ends), n - 1, out=b_ends)
    if n == len(text):  # ASCII: bytes are characters
        return b_starts, b_ends + 1
    # the character each byte belongs to: how many characters start at or before it,
    # less one (a search per offset: a cumulative sum over every byte cost 9 ms a MB)
    char_starts = np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
    return (
        np.searchsorted(char_starts, b_starts, side="right") - 1,
        np.searchsorted(char_starts, b_ends, side="right"),
    )


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
        if _NATIVE is not None and _SPLIT_ADDRESS:
            # the same, with its offsets mapped, cut and trimmed in C
            data = text[base:stop].encode("utf-8", "replace")
            spans.extend(
                _NATIVE.bling_sentences(_SPLIT_ADDRESS, text, data, base, blocks[i : j + 1], _FEW)
            )
        else:
            starts, ends = _bling(text[base:stop])
            spans.extend(_cut(text, starts + base, ends + base, blocks[i : j + 1]))
        i = j + 1
    return spans


def _cut(
    text: str, starts: np.ndarray, ends: np.ndarray, blocks: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The spans cut at every block boundary inside them, trimmed of white space, empty
    ones dropped.  Most spans lie inside one block: numpy settles those, Python the rest."""
    if len(starts) <= _FEW and len(blocks) == 1:
        # one block: nothing to cut, only trimming (no numpy for a handful of spans)
        b0, b1 = blocks[0]
        return _trimmed(
            text,
            [
                (max(s, b0), min(e, b1))
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
                if s < b1 and e > b0
            ],
        )
    block_starts = np.array([b[0] for b in blocks], dtype=np.int64)
    block_ends = np.array([b[1] for b in blocks], dtype=np.int64)
    k = np.maximum(np.searchsorted(block_starts, starts, side="right") - 1, 0)
    inside = (starts >= block_starts[k]) & (ends <= block_ends[k])
    pieces: list[tuple[int, int]] = list(
        zip(starts[inside].tolist(), ends[inside].tolist(), strict=True)
    )
    for s, e, kk in zip(
        starts[~inside].tolist(), ends[~inside].tolist(), k[~inside].tolist(), strict=True
    ):
        while s < e and kk < len(blocks):
            b0, b1 = blocks[kk]
            if s >= b1:
                kk += 1
                continue
            s = max(s, b0)
            piece_end = min(e, b1)
            if piece_end > s:
                pieces.append((s, piece_end))
            s = piece_end
    if not inside.all():
        pieces.sort()
    return _trimmed(text, pieces)


def _trimmed(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        if text[s].isspace() or text[e - 1].isspace():
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
        if e > s:
            out.append((s, e))
    return out


def spans_leaving(
    starts: list[int], ends: list[int], sentences: list[tuple[int, int]]
) -> list[int]:
    """Indices of the spans (``starts[k]``, ``ends[k]``) that do not lie inside one of the
    sorted, non-overlapping ``sentences`` (in the C extension, or with a bisect each)."""
    if not starts:
        return []
    if _NATIVE is not None:
        found: list[int] = _NATIVE.leaving(starts, ends, sentences)
        return found
    sentence_starts = [s for s, _ in sentences]
    out = []
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        i = bisect.bisect_right(sentence_starts, s) - 1
        if i < 0 or e > sentences[i][1]:
            out.append(k)
    return out


def sentences_touched(
    spans: list[tuple[int, int]], sentence_starts: list[int], sentences: list[tuple[int, int]]
) -> set[int]:
    """Indices of the sentences that the spans overlap."""
    touched: set[int] = set()
    for s, e in spans:
        i = bisect.bisect_right(sentence_starts, s) - 1
        first = i if i >= 0 and s < sentences[i][1] else i + 1
        touched.update(range(first, bisect.bisect_left(sentence_starts, e)))
    return touched
