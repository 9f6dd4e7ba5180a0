"""Input adapters: one per format, each turning markup into a :class:`Document`."""

from __future__ import annotations

from collections.abc import Callable

from app.engine.formats.document import Directive, Document, line_starts
from app.engine.formats.html import parse_html
from app.engine.formats.markdown import parse_markdown
from app.engine.formats.text import parse_text

FORMATS: dict[str, Callable[[str], Document]] = {
    "text": parse_text,
    "markdown": parse_markdown,
    "html": parse_html,
}

__all__ = ["FORMATS", "Directive", "Document", "line_starts", "parse"]


def parse(source: str, fmt: str) -> Document:
    try:
        adapter = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(FORMATS)}") from None
    return adapter(source)
