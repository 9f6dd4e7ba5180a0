"""Output formats of ``redflag check``: one module per format, each with ``write``.

Every writer takes the same :class:`~app.cli.results.RunResult`, a text
stream, and whether to colour (only ``text`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from app.cli.output.github import write as write_github
from app.cli.output.json import write as write_json
from app.cli.output.rdjson import write as write_rdjson
from app.cli.output.sarif import write as write_sarif
from app.cli.output.text import write as write_text
from app.cli.results import RunResult

Writer = Callable[[RunResult, TextIO, bool], None]

WRITERS: dict[str, Writer] = {
    "text": write_text,
    "json": write_json,
    "sarif": write_sarif,
    "github": write_github,
    "rdjson": write_rdjson,
}

__all__ = ["WRITERS", "Writer"]
