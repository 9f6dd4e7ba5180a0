"""``redflag train``: rebuild the shipped model from ``training_data/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.core.config import PROJECT_ROOT


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train the classifier from training_data/ into model/")
    p.add_argument(
        "--data", type=Path, default=PROJECT_ROOT / "training_data", help="labelled data folder"
    )
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "model", help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--quick", action="store_true", help="one parameter set instead of the grid")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from app.cli.main import UsageError
    from app.training.data import DataError
    from app.training.train import PARAM_GRID, train

    if not args.data.is_dir():
        raise UsageError(f"{args.data}: no such folder")
    try:
        meta = train(
            args.data,
            args.out,
            seed=args.seed,
            grid=PARAM_GRID[-1:] if args.quick else None,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
        )
    except DataError as exc:
        raise UsageError(str(exc)) from None
    cv = meta["cv"]["engine"]
    print(
        f"model {meta['version']}: cross-validated macro-F1 {cv['macro_f1']:.3f}, caution FPR {cv['caution_fpr']:.3f}"
    )
    for c, m in cv["per_label"].items():
        print(
            f"  {c:<28} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  n={m['support']}"
        )
    return 0
