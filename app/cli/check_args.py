"""``redflag check``'s arguments: the parser's part of the command, light enough that
building the whole command line (for ``redflag serve`` too) loads neither the checker
nor the engine; :func:`_run` imports ``check_cmd`` when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.engine.finding import SEVERITIES

OUTPUT_FORMATS = ("text", "json", "sarif", "github", "rdjson")
INPUT_FORMATS = ("html", "markdown", "text")  # app.engine.FORMATS' names (tested)
FAIL_ON: tuple[str, ...] = (*SEVERITIES, "never")

EPILOG = """\
exit status: 0 nothing at or above --fail-on; 1 something is; 2 usage, configuration or input error.
configuration: .redflag.toml or [tool.redflag] in pyproject.toml, found by walking up from the
working folder; command-line options win over [[overrides]], which win over the file's top level.
See docs/cli.md."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="check Markdown, HTML and text files for red flags (the CI check)",
        description="Check files and folders (recursively) for promotional red flags.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files or folders to check (default: the working folder); - for standard input",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "-f",
        "--format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="output format (default text)",
    )
    out.add_argument("-o", "--output", type=Path, help="write the output to this file")
    out.add_argument(
        "--report",
        action="append",
        metavar="FORMAT=FILE",
        help="also write FORMAT to FILE, e.g. sarif=redflag.sarif (repeatable)",
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (auto: on a terminal, unless NO_COLOR is set)",
    )
    out.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal, for more than a few files)",
    )
    inp = p.add_argument_group("input")
    inp.add_argument(
        "--format-in", choices=INPUT_FORMATS, help="input format (default: by file extension)"
    )
    inp.add_argument(
        "--stdin-filename", metavar="NAME", help="name (and format) of standard input in the output"
    )
    inp.add_argument(
        "--include", action="append", metavar="GLOB", help="check only files matching (repeatable)"
    )
    inp.add_argument(
        "--exclude", action="append", metavar="GLOB", help="skip files matching (repeatable)"
    )
    inp.add_argument("--no-gitignore", action="store_true", help="do not read .gitignore files")
    cfg = p.add_argument_group("configuration")
    cfg.add_argument("--config", type=Path, metavar="FILE", help="use this configuration file")
    cfg.add_argument("--no-config", action="store_true", help="ignore configuration files")
    cfg.add_argument("--categories", metavar="LIST", help="only these categories (comma-separated)")
    cfg.add_argument(
        "--disable", action="append", metavar="ID", help="turn rules or categories off (repeatable)"
    )
    cfg.add_argument(
        "--enable", action="append", metavar="ID", help="turn rules or categories back on"
    )
    cfg.add_argument(
        "--severity",
        action="append",
        metavar="ID=LEVEL",
        help="override a rule's or category's severity (repeatable)",
    )
    cfg.add_argument("--min-severity", choices=SEVERITIES, help="report nothing below this")
    cfg.add_argument(
        "--fail-on", choices=FAIL_ON, help="lowest severity that fails the run (default error)"
    )
    cfg.add_argument(
        "--allow", action="append", metavar="PHRASE", help="never flag this phrase (repeatable)"
    )
    base = p.add_argument_group("baseline")
    base.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="fail only on findings not in FILE (recorded there when it does not exist)",
    )
    base.add_argument(
        "--update-baseline", action="store_true", help="record today's findings in --baseline"
    )
    run_ = p.add_argument_group("running")
    run_.add_argument(
        "-j", "--jobs", type=int, default=0, help="parallel workers (default 0: all cores)"
    )
    run_.add_argument(
        "--server", metavar="URL", help="check on a running redflag service instead of locally"
    )
    run_.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the service (default 120)"
    )
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from app.cli.check_cmd import run

    return run(args)
