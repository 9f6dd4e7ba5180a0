"""``redflag check [PATH ...]``: check Markdown, HTML and text files (first version)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

FORMAT_BY_SUFFIX = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "text"}
FAIL_ON = ("suggestion", "warning", "error", "never")


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="check files or standard input for red flags")
    p.add_argument("paths", nargs="*", default=["-"], help="files or folders; - for standard input")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument("--format-in", choices=("text", "markdown", "html"), help="input format (default: by extension)")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error", help="lowest severity that fails (default error)")
    p.set_defaults(run=run)


def _files(paths: list[str]) -> list[Path | None]:
    from app.cli.main import UsageError

    out: list[Path | None] = []
    for raw in paths:
        if raw == "-":
            out.append(None)
            continue
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMAT_BY_SUFFIX and p.is_file()))
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return out


def run(args: argparse.Namespace) -> int:
    from app.cli.main import ExitStatus, UsageError
    from app.core.config import get_settings
    from app.engine import Engine, ModelError, severity_rank

    settings = get_settings()
    try:
        engine = Engine(model_dir=settings.model_dir, use_model=settings.use_model)
    except ModelError as exc:
        raise UsageError(str(exc)) from None
    worst = -1
    results = []
    for path in _files(args.paths):
        name = "<stdin>" if path is None else str(path)
        try:
            text = sys.stdin.read() if path is None else path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}: cannot read: {exc}") from None
        fmt = args.format_in or (FORMAT_BY_SUFFIX.get(path.suffix.lower(), "text") if path else "text")
        report = engine.check(text, fmt)
        results.append((name, report))
        for f in report.findings:
            worst = max(worst, severity_rank(f.severity))
    if args.format == "json":
        print(json.dumps({"files": [{"path": n, **r.to_dict()} for n, r in results]}, indent=2))
    else:
        for name, report in results:
            for f in report.findings:
                print(f"{name}:{f.line}:{f.column}: {f.severity}: {f.message} [{f.id}]")
    if args.fail_on != "never" and worst >= severity_rank(args.fail_on):
        return ExitStatus.FINDINGS
    return ExitStatus.OK
