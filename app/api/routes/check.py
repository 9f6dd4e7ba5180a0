"""``POST /check`` and ``POST /check/batch``: thin shells over the engine."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request

from app.api.deps import build_options, engine_and_settings
from app.api.metrics import record_reports
from app.api.middleware import note_for_log
from app.api.responses import FastJSONResponse, error
from app.api.running import check_many
from app.api.schemas import BatchRequest, BatchResponse, CheckRequest, CheckResponse, ErrorResponse
from app.core.config import Settings
from app.core.heap import release_traceback
from app.engine import Engine, Report
from app.engine.checker import CheckTimeout

router = APIRouter(tags=["check"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Body is not valid UTF-8"},
    413: {"model": ErrorResponse, "description": "Body, text or batch over the configured limit"},
    415: {"model": ErrorResponse, "description": "Body is not application/json"},
    503: {"model": ErrorResponse, "description": "The check took longer than the time limit"},
}


def _too_long(texts: list[tuple[str, str]], settings: Settings) -> FastJSONResponse | None:
    for where, text in texts:
        if len(text) > settings.max_text_chars:
            return error(
                413,
                f"{where}: text of {len(text)} characters is over the limit of {settings.max_text_chars}",
            )
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _note(request: Request, texts: list[str], findings: int, t0: float) -> None:
    """What the request's log line says of its check (sizes, a hash, never the text)."""
    note_for_log(
        request.scope,
        items=len(texts),
        characters=sum(len(t) for t in texts),
        findings=findings,
        text_sha256=_digest("\0".join(texts)),
        check_ms=round((time.perf_counter() - t0) * 1000, 2),
    )


async def _run(
    request: Request,
    engine: Engine,
    settings: Settings,
    items: Sequence[tuple[str, str, str]],
    categories: Sequence[str] | None,
    min_severity: str | None,
) -> list[Report] | FastJSONResponse:
    """Check ``(field, text, format)`` items within the limits; reports, or an error response."""
    if (resp := _too_long([(field, text) for field, text, _ in items], settings)) is not None:
        return resp
    t0 = time.perf_counter()
    options = build_options(categories, min_severity)
    deadline = time.monotonic() + settings.request_timeout_s
    try:
        reports = await check_many(
            engine,
            [(text, fmt) for _, text, fmt in items],
            options,
            deadline,
            settings.inline_check_chars,
        )
    except CheckTimeout as exc:
        release_traceback(exc)
        return error(
            503,
            f"the check took longer than the limit of {settings.request_timeout_s:g} s; "
            "send less text or fewer items",
        )
    _note(request, [text for _, text, _ in items], sum(len(r.findings) for r in reports), t0)
    record_reports(request, reports)
    return reports


@router.post("/check", response_model=CheckResponse, responses=ERRORS)
async def check(body: CheckRequest, request: Request) -> Any:
    """Check one text and return its findings, risk score and document findings."""
    engine, settings = engine_and_settings(request)
    result = await _run(
        request,
        engine,
        settings,
        [("text", body.text, body.format)],
        body.categories,
        body.min_severity,
    )
    if isinstance(result, FastJSONResponse):
        return result
    return FastJSONResponse(result[0].json_form())  # written by orjson as to_dict() would be


@router.post("/check/batch", response_model=BatchResponse, responses=ERRORS)
async def check_batch(body: BatchRequest, request: Request) -> Any:
    """Check many items in one call; the model scores all their sentences together."""
    engine, settings = engine_and_settings(request)
    if len(body.items) > settings.max_batch_items:
        return error(
            413, f"items: {len(body.items)} items is over the limit of {settings.max_batch_items}"
        )
    items = [(f"items[{i}].text", it.text, it.format) for i, it in enumerate(body.items)]
    result = await _run(request, engine, settings, items, body.categories, body.min_severity)
    if isinstance(result, FastJSONResponse):
        return result
    return FastJSONResponse(
        {
            "items": [
                {"id": it.id, **r.json_form()} for it, r in zip(body.items, result, strict=True)
            ]
        }
    )
