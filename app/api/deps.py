"""Shared request dependencies: the engine, the settings, and option building."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from app.core.config import Settings
from app.engine import CheckOptions, Engine


# ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, two thread
# hand-offs a request for what is an attribute read
async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def engine_and_settings(request: Request) -> tuple[Engine, Settings]:
    """The engine and the settings of the app answering ``request``, read directly. The
    checking routes (the hot path) call this rather than declare dependencies like
    ``get_engine``: FastAPI's solver costs ~30 us a request for each (issue 7: posting a short
    text through the app in process, 504 against 568 us a request)."""
    state = request.app.state
    return state.engine, state.settings


def build_options(categories: Sequence[str] | None, min_severity: str | None) -> CheckOptions:
    return CheckOptions(
        categories=frozenset(categories) if categories is not None else None,
        min_severity=min_severity or "suggestion",  # type: ignore[arg-type]
    )
