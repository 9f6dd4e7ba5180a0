"""``redflag eval FILE.jsonl [--json]``: measure the full engine on labelled data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="evaluate the engine on a labelled JSONL file")
    p.add_argument(
        "file",
        type=Path,
        help="JSONL: sentence items {id,text,labels,caution} or pages {id,text,label}",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from app.cli.main import UsageError
    from app.core.config import get_settings
    from app.engine import Engine, ModelError
    from app.training.data import DataError
    from app.training.evaluate import (
        evaluate_documents,
        evaluate_sentences,
        format_document_report,
        format_sentence_report,
        read_eval_file,
    )

    try:
        mode, items = read_eval_file(args.file)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    settings = get_settings()
    try:
        engine = Engine(model_dir=settings.model_dir, use_model=settings.use_model)
    except ModelError as exc:
        raise UsageError(str(exc)) from None
    if mode == "sentence":
        metrics = evaluate_sentences(engine, items)  # type: ignore[arg-type]
        text = format_sentence_report(metrics)
    else:
        metrics = evaluate_documents(engine, items)  # type: ignore[arg-type]
        text = format_document_report(metrics)
    print(json.dumps({"mode": mode, **metrics}) if args.json else text)
    return 0
