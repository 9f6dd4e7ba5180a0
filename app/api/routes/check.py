"""``POST /check`` and ``POST /check/batch``: thin shells over the engine."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from app.api.deps import build_options, get_app_settings, get_engine
from app.api.metrics import record_reports
from app.api.responses import FastJSONResponse, error
from app.api.schemas import BatchRequest, BatchResponse, CheckRequest, CheckResponse, ErrorResponse
from app.core.config import Settings
from app.engine import Engine
from app.engine.checker import CheckTimeout

router = APIRouter(tags=["check"])
log = logging.getLogger("redflag.check")

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


def _log(request: Request, texts: list[str], findings: int, t0: float) -> None:
    log.info(
        "check",
        extra={
            "request_id": getattr(request.state, "request_id", None),
            "items": len(texts),
            "characters": sum(len(t) for t in texts),
            "findings": findings,
            "text_sha256": hashlib.sha256(
                "\0".join(texts).encode("utf-8", "surrogatepass")
            ).hexdigest()[:16],
            "duration_ms": round((time.perf_counter() - t0) * 1000, 2),
        },
    )


@router.post("/check", response_model=CheckResponse, responses=ERRORS)
async def check(
    body: CheckRequest,
    request: Request,
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_app_settings),
) -> Any:
    """Check one text and return its findings, risk score and document findings."""
    if (resp := _too_long([("text", body.text)], settings)) is not None:
        return resp
    t0 = time.perf_counter()
    options = build_options(body.categories, body.min_severity)
    deadline = time.monotonic() + settings.request_timeout_s
    try:
        report = await run_in_threadpool(
            engine.check_many, [(body.text, body.format)], options, deadline
        )
    except CheckTimeout:
        return error(
            503,
            f"the check took longer than the limit of {settings.request_timeout_s:g} s; send less text",
        )
    _log(request, [body.text], len(report[0].findings), t0)
    record_reports(request, report)
    return FastJSONResponse(report[0].to_dict())


@router.post("/check/batch", response_model=BatchResponse, responses=ERRORS)
async def check_batch(
    body: BatchRequest,
    request: Request,
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_app_settings),
) -> Any:
    """Check many items in one call; the model scores all their sentences together."""
    if len(body.items) > settings.max_batch_items:
        return error(
            413, f"items: {len(body.items)} items is over the limit of {settings.max_batch_items}"
        )
    if (
        resp := _too_long(
            [(f"items[{i}].text", it.text) for i, it in enumerate(body.items)], settings
        )
    ) is not None:
        return resp
    t0 = time.perf_counter()
    options = build_options(body.categories, body.min_severity)
    deadline = time.monotonic() + settings.request_timeout_s
    try:
        reports = await run_in_threadpool(
            engine.check_many, [(it.text, it.format) for it in body.items], options, deadline
        )
    except CheckTimeout:
        return error(
            503,
            f"the check took longer than the limit of {settings.request_timeout_s:g} s; send fewer items",
        )
    _log(request, [it.text for it in body.items], sum(len(r.findings) for r in reports), t0)
    record_reports(request, reports)
    return FastJSONResponse(
        {"items": [{"id": it.id, **r.to_dict()} for it, r in zip(body.items, reports, strict=True)]}
    )
