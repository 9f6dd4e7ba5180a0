from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training_data" / "corpus"
MODEL_DIR = ROOT / "model"


def corpus_text(prefix: str) -> str:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path.read_text("utf-8")


@pytest.fixture(scope="session")
def rules_engine() -> Engine:
    """Rules and context only, no model."""
    return Engine(use_model=False)


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The full engine with the shipped model."""
    return Engine(model_dir=MODEL_DIR)
