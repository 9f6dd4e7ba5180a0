"""LanguageTool's HTTP API (``/v2/languages``, ``/v2/check``), so its clients can check red flags.

The LanguageTool browser add-on, LTeX and ``language_tool_python`` pointed at
this service get redflag's findings as LanguageTool matches.  Parameters are
read from the raw form body (POST) or query string (GET) by
:mod:`app.api.languagetool.request`; errors are LanguageTool's plain-text
``Error: ...`` answers.  See docs/languagetool.md.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from app.api.deps import engine_and_settings
from app.api.languagetool.errors import LTError
from app.api.languagetool.request import LANGUAGES, decode_params, parse_check
from app.api.languagetool.response import check_response
from app.api.languagetool.schemas import (
    CHECK_DESCRIPTION,
    ERROR_RESPONSES,
    LTCheckResponse,
    LTLanguage,
    form_body,
    query_parameters,
)
from app.api.metrics import record_reports
from app.api.middleware import note_for_log
from app.api.responses import FastJSONResponse
from app.api.running import check_many
from app.core.config import Settings
from app.engine import CheckOptions, Engine
from app.engine.checker import CheckTimeout

router = APIRouter(prefix="/v2", tags=["languagetool"])
FORM = "application/x-www-form-urlencoded"


def _error(exc: LTError) -> PlainTextResponse:
    return PlainTextResponse(f"Error: {exc.message}", status_code=exc.status)


@router.get("/languages", response_model=list[LTLanguage])
async def languages() -> Any:
    """The languages redflag accepts: LanguageTool's English variants."""
    return FastJSONResponse(
        [{"name": lang.name, "code": lang.code, "longCode": lang.long_code} for lang in LANGUAGES]
    )


async def _check(
    request: Request, params: dict[str, str], engine: Engine, settings: Settings
) -> Any:
    t0 = time.perf_counter()
    try:
        parsed = parse_check(params)
        plain = parsed.text.plain
        if len(plain) > settings.max_text_chars:
            raise LTError(
                f"Your text exceeds the limit of {settings.max_text_chars} characters "
                f"(it's {len(plain)} characters). Please submit a shorter text.",
                status=413,
            )
        deadline = time.monotonic() + settings.request_timeout_s
        try:
            (report,) = await check_many(
                engine, [(plain, "text")], CheckOptions(), deadline, settings.inline_check_chars
            )
        except CheckTimeout:
            raise LTError(
                f"Text checking took longer than allowed maximum of "
                f"{settings.request_timeout_s:g} seconds. Please submit a shorter text.",
                status=503,
            ) from None
    except LTError as exc:
        return _error(exc)
    body = check_response(engine, report, parsed)
    record_reports(request, [report])
    note_for_log(
        request.scope,
        items=1,
        characters=len(plain),
        matches=len(body["matches"]),
        text_sha256=hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        check_ms=round((time.perf_counter() - t0) * 1000, 2),
    )
    return FastJSONResponse(body)


@router.get(
    "/check",
    response_model=LTCheckResponse,
    responses=ERROR_RESPONSES,
    summary="Check a text (LanguageTool API, query parameters)",
    description=CHECK_DESCRIPTION,
    openapi_extra={"parameters": query_parameters()},
)
async def check_get(request: Request) -> Any:
    """LanguageTool's check with query parameters, as older clients send it."""
    try:
        params = decode_params(request.scope.get("query_string", b""))
    except LTError as exc:
        return _error(exc)
    engine, settings = engine_and_settings(request)
    return await _check(request, params, engine, settings)


@router.post(
    "/check",
    response_model=LTCheckResponse,
    responses=ERROR_RESPONSES,
    summary="Check a text (LanguageTool API, form-encoded)",
    description=CHECK_DESCRIPTION,
    openapi_extra={"requestBody": form_body()},
)
async def check_post(request: Request) -> Any:
    """LanguageTool's check: form-encoded parameters (``text`` or ``data``, ``language``, ...).

    The body is read as a form whatever its Content-Type, as LanguageTool reads
    it: LTeX sends its form with ``Content-Type: application/json``.
    """
    try:
        query = decode_params(request.scope.get("query_string", b""))
        params = {**query, **decode_params(await request.body())}
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if "text" not in params and "data" not in params and ctype not in ("", FORM):
            raise LTError(
                f"Missing 'text' or 'data' parameter (the body must be form-encoded, "
                f"{FORM}; it was sent as {ctype})"
            )
    except LTError as exc:
        return _error(exc)
    engine, settings = engine_and_settings(request)
    return await _check(request, params, engine, settings)


@router.api_route(
    "/check", methods=["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"], include_in_schema=False
)
async def check_other_methods() -> None:
    """405 naming both methods (two routes share the path; Starlette would name only one)."""
    raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET, POST"})
