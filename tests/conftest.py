from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from app.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training_data" / "corpus"
MODEL_DIR = ROOT / "model"


_CACHE_ENV = "REDFLAG_CACHE_DIR"
_saved_cache_dir: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    # the start filter's cache (app/engine/rules/starts_cache.py), and the processes the
    # tests start, in a folder of the run's own rather than the user's ~/.cache
    _saved_cache_dir.append(os.environ.get(_CACHE_ENV))
    os.environ[_CACHE_ENV] = tempfile.mkdtemp(prefix="redflag-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop(_CACHE_ENV, ""), ignore_errors=True)
    if _saved_cache_dir and _saved_cache_dir[0] is not None:
        os.environ[_CACHE_ENV] = _saved_cache_dir[0]


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
