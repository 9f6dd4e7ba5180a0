"""The metrics folder the service's workers share (``app/api/metrics_dir.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.api.metrics_dir import MULTIPROC_ENV, multiprocess_dir


def test_multiprocess_dir_is_made_shared_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    with multiprocess_dir(1):
        assert MULTIPROC_ENV not in os.environ  # one worker keeps its metrics in memory
    with multiprocess_dir(2):
        made = Path(os.environ[MULTIPROC_ENV])
        assert made.is_dir()
    assert not made.exists() and MULTIPROC_ENV not in os.environ


def test_a_given_multiprocess_dir_is_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "keep.txt").write_text("not ours")
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with multiprocess_dir(4):
        assert not (tmp_path / "counter_123.db").exists()
    assert (tmp_path / "keep.txt").exists() and os.environ[MULTIPROC_ENV] == str(tmp_path)
