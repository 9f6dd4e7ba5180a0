from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from app.core import heap
from app.core.heap import YOUNG_THRESHOLD, release_traceback, settle
from app.engine import Engine
from tests.conftest import MODEL_DIR


@pytest.fixture
def gc_state() -> Iterator[None]:
    """The collector's thresholds and frozen objects as they were, after the test."""
    thresholds = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    gc.set_threshold(*thresholds)
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()
        gc.collect()
        gc.freeze()  # what was frozen before stays frozen (the service's own fixtures)


def test_settle_freezes_what_is_alive_and_raises_the_young_threshold(gc_state: None) -> None:
    gc.set_threshold(700, 10, 10)
    keep = [{"a": [1]} for _ in range(1000)]
    settle()
    assert gc.get_freeze_count() >= len(keep)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    # a higher threshold chosen by the deployment is kept
    gc.set_threshold(YOUNG_THRESHOLD * 2, 10, 10)
    settle()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 2


def test_settle_leaves_a_disabled_threshold_alone(gc_state: None) -> None:
    gc.set_threshold(0, 10, 10)
    settle()
    assert gc.get_threshold()[0] == 0


class _Held:
    """A weakly referable stand-in for the text an error's frames hold."""


def _fail_holding(held: _Held) -> None:
    # the shape FastAPI's body parsing has: the error kept in a local of the frame
    # it is raised from, raised from a cause
    try:
        raise ValueError("cause")
    except ValueError as cause:
        error = RuntimeError("parse failed")
        raise error from cause


def test_release_traceback_frees_what_the_frames_held_without_a_collection() -> None:
    held = _Held()
    ref = weakref.ref(held)
    gc.disable()
    try:
        try:
            _fail_holding(held)
        except RuntimeError as exc:
            caught = exc
        del held
        assert ref() is not None  # the cycle keeps it
        release_traceback(caught)
        del caught
        assert ref() is None  # freed by reference counts alone
    finally:
        gc.enable()


def test_release_traceback_handles_chains_without_tracebacks_and_loops() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a  # a loop: each is visited once
    release_traceback(a)
    release_traceback(ValueError("never raised"))


def test_the_service_and_the_cli_settle_once_their_engine_is_loaded(
    gc_state: None, rules_engine: Engine
) -> None:
    from fastapi.testclient import TestClient

    from app.api.main import create_app
    from app.cli.runner import local_engine

    gc.set_threshold(700, 10, 10)
    with TestClient(create_app(engine=rules_engine)):
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    gc.set_threshold(700, 10, 10)
    local_engine.cache_clear()
    local_engine(MODEL_DIR, False)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


class _Libc:
    """A libc whose ``mallopt`` records what it was asked and answers ``answer``."""

    def __init__(self, answer: int = 1) -> None:
        self.asked: list[tuple[int, int]] = []
        self.answer = answer

    def mallopt(self, param: int, value: int) -> int:
        self.asked.append((param, value))
        return self.answer


def test_the_allocator_keeps_freed_blocks_for_reuse() -> None:
    libc = _Libc()
    assert heap.keep_freed_memory(libc) is True
    # M_MMAP_THRESHOLD (-3) and M_TRIM_THRESHOLD (-1) of glibc's malloc.h
    assert libc.asked == [(-3, heap.MMAP_THRESHOLD), (-1, heap.TRIM_THRESHOLD)]
    assert heap.MMAP_THRESHOLD <= heap.TRIM_THRESHOLD
    assert heap.keep_freed_memory(_Libc(answer=0)) is False  # refused: nothing to claim


def test_a_libc_without_mallopt_is_left_as_it_is() -> None:
    assert heap.keep_freed_memory(object()) is False


def test_this_process_allocator_takes_the_settings() -> None:
    import ctypes
    import sys

    if not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallopt"):
        assert heap.keep_freed_memory() is False
    else:  # glibc, as in the Dockerfile's image and CI
        assert heap.keep_freed_memory() is True
