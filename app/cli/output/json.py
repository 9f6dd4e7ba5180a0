"""``--format json``: one JSON document, versioned (``schema_version``), documented in docs/cli.md.

::

    {"schema_version": "1.0", "tool": {"name": "redflag", "version": "0.1.0"},
     "versions": {"app": ..., "rules": ..., "model": ...},
     "fail_on": "error", "baseline": null,
     "files": [{"path": "docs/knee.md", "format": "markdown", "fail_on": "error",
                "baselined": 0, "report": {... Report.to_dict() ...}}],
     "summary": {"files": 1, "files_with_findings": 1, "findings": 2,
                 "by_severity": {"suggestion": 0, "warning": 1, "error": 1},
                 "suppressed": 0, "baselined": 0, "failing": 1}}

Each ``report`` is the engine's versioned report (docs/json-format.md).  A site's
document is large (every finding carries its facts: ~75 KB a 5 KB page), so it is
written a file at a time (:class:`Streamed`), never built whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import orjson

from app import __version__
from app.cli.results import CheckedFile, RunResult

CHECK_JSON_SCHEMA_VERSION = "1.0"
_INDENT = orjson.OPT_INDENT_2
_MARK = "\x00redflag-streamed\x00"  # stands for the streamed list while the rest is dumped


class Streamed:
    """A list in a document for :func:`encode`, written an item at a time as they come."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _mark(obj: Any) -> str:
    if isinstance(obj, Streamed):
        return _MARK
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _file(f: CheckedFile) -> dict[str, Any]:
    return {
        "path": f.path,
        "format": f.target.format,
        "fail_on": f.fail_on,
        "baselined": f.baselined,
        "report": f.report.shared_form(),  # written at once: its facts are not copied
    }


def to_dict(result: RunResult) -> dict[str, Any]:
    """The document; ``"files"`` is :class:`Streamed`, each made as :func:`dump` writes it."""
    return {
        "schema_version": CHECK_JSON_SCHEMA_VERSION,
        "tool": {"name": "redflag", "version": __version__},
        "versions": dict(result.versions),
        "fail_on": result.fail_on,
        "baseline": result.baseline,
        "files": Streamed(map(_file, result.files)),
        "summary": result.summary().to_dict(),
    }


def encode(doc: Any) -> Iterator[bytes]:
    """``orjson.dumps(doc, option=OPT_INDENT_2)`` and a newline, in pieces, where ``doc``
    may hold one :class:`Streamed` list: each of its items is dumped on its own (and
    indented to its depth) as it comes, so neither the list nor the document's bytes
    are held whole.  The bytes are those of the document with a plain list there
    (JSON strings hold no raw newline, so indenting an item is a replace)."""
    head, *rest = orjson.dumps(doc, option=_INDENT, default=_mark).split(orjson.dumps(_MARK))
    if not rest:
        yield head + b"\n"
        return
    (tail,) = rest  # one streamed list a document
    last_line = head[head.rfind(b"\n") + 1 :]
    depth = len(last_line) - len(last_line.lstrip(b" "))  # the list's own indentation
    newline = b"\n" + b" " * (depth + 2)
    yield head
    empty = True
    for item in _streamed(doc).items:
        yield (b"[" if empty else b",") + newline
        yield orjson.dumps(item, option=_INDENT).replace(b"\n", newline)
        empty = False
    yield (b"[]" if empty else b"\n" + b" " * depth + b"]") + tail + b"\n"


def _streamed(doc: Any) -> Streamed:
    """The :class:`Streamed` list in ``doc`` (in its dicts and lists)."""
    todo = [doc]
    while todo:
        node = todo.pop()
        if isinstance(node, Streamed):
            return node
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple):
            todo.extend(node)
    raise ValueError("no streamed list in the document")


def dump(doc: Any, out: TextIO) -> None:
    """Indented UTF-8 JSON with orjson (:func:`encode`), written as bytes to the stream's
    buffer where it has one (a site's JSON is many megabytes: decoding it to write it
    as text, which encodes it again, took longer than making it)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        for piece in encode(doc):
            buffer.write(piece)
        buffer.flush()
    else:
        for piece in encode(doc):
            out.write(piece.decode("utf-8"))


def write(result: RunResult, out: TextIO, color: bool) -> None:
    dump(to_dict(result), out)
