"""A short check runs on the event loop, a long one in a worker thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.api import running
from app.engine import CheckOptions, Engine


@pytest.mark.parametrize(
    ("text", "inline_chars", "in_thread"),
    [("x" * 10, 10, False), ("x" * 11, 10, True), ("safe", 0, True)],
)
def test_check_runs_inline_up_to_the_size(
    rules_engine: Engine, text: str, inline_chars: int, in_thread: bool
) -> None:
    seen: list[bool] = []
    original = rules_engine.check_many

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(threading.current_thread() is not threading.main_thread())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    rules_engine.check_many = spy  # type: ignore[method-assign]
    try:
        reports = asyncio.run(
            running.check_many(rules_engine, [(text, "text")], CheckOptions(), 1e18, inline_chars)
        )
    finally:
        del rules_engine.check_many
    assert len(reports) == 1
    assert seen == [in_thread]
