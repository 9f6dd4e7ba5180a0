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
written a file at a time (:func:`dump` with ``streamed``), never built whole.
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


def _file(f: CheckedFile) -> dict[str, Any]:
    return {
        "path": f.path,
        "format": f.target.format,
        "fail_on": f.fail_on,
        "baselined": f.baselined,
        "report": f.report.to_dict(),
    }


def to_dict(result: RunResult) -> dict[str, Any]:
    """The whole document; ``"files"`` is an iterator, made as :func:`dump` writes it."""
    return {
        "schema_version": CHECK_JSON_SCHEMA_VERSION,
        "tool": {"name": "redflag", "version": __version__},
        "versions": dict(result.versions),
        "fail_on": result.fail_on,
        "baseline": result.baseline,
        "files": map(_file, result.files),
        "summary": result.summary().to_dict(),
    }


def encode(doc: dict[str, Any], streamed: str | None = None) -> Iterator[bytes]:
    """``orjson.dumps(doc, option=OPT_INDENT_2)`` and a newline, in pieces.

    ``streamed``: a top-level key whose value is an iterable; each of its items is
    dumped on its own (and indented to its depth) as it comes, so neither the
    list nor the document's bytes are ever held whole.  The bytes are the same
    (JSON strings hold no raw newline, so re-indenting is a replace)."""
    if streamed is None:
        yield orjson.dumps(doc, option=_INDENT) + b"\n"
        return
    items: Iterable[Any] = doc[streamed]
    head, tail = orjson.dumps({**doc, streamed: _MARK}, option=_INDENT).split(orjson.dumps(_MARK))
    yield head
    opening = b"[\n    "
    for item in items:
        yield opening + orjson.dumps(item, option=_INDENT).replace(b"\n", b"\n    ")
        opening = b",\n    "
    yield (b"[]" if opening == b"[\n    " else b"\n  ]") + tail + b"\n"


def dump(doc: dict[str, Any], out: TextIO, streamed: str | None = None) -> None:
    """Indented UTF-8 JSON with orjson (:func:`encode`), written as bytes to the stream's
    buffer where it has one (a site's JSON is many megabytes: decoding it to write it
    as text, which encodes it again, took longer than making it)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        for piece in encode(doc, streamed):
            buffer.write(piece)
        buffer.flush()
    else:
        for piece in encode(doc, streamed):
            out.write(piece.decode("utf-8"))


def write(result: RunResult, out: TextIO, color: bool) -> None:
    dump(to_dict(result), out, streamed="files")
