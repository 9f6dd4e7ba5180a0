"""The FastAPI application: wiring only (settings, engine, middleware, routers, errors)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api import metrics, security
from app.api.middleware import BodyGuard, RequestLog
from app.api.responses import FastJSONResponse
from app.api.routes import check, languagetool, meta
from app.core.config import Settings, get_settings
from app.core.heap import release_traceback, settle
from app.core.logging import configure_logging
from app.engine import Engine, ModelError

JSON_PATHS = ("/check", "/check/batch")
EXTENSION_ORIGINS = r"^(chrome-extension|moz-extension|safari-web-extension)://[a-zA-Z0-9._-]+$"
log = logging.getLogger("redflag.app")


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "engine", None) is None:
            try:
                app.state.engine = Engine(
                    model_dir=settings.model_dir, use_model=settings.use_model
                )
            except ModelError as exc:  # say why, then refuse to start
                log.error("model refused", extra={"detail": str(exc)})
                raise
        e: Engine = app.state.engine
        settle()  # the engine's objects out of the collector's scans (app/core/heap.py)
        log.info(
            "ready",
            extra={
                "model_version": e.versions["model"],
                "rules_version": e.versions["rules"],
                "native": e.native,
            },
        )
        yield

    app = FastAPI(
        title="redflag",
        version=__version__,
        description=(
            "Finds promotional red-flag language in health writing about regenerative medicine and cites "
            "the FDA, ISSCR and FTC facts each claim contradicts."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> FastJSONResponse:
        errors = exc.errors()
        message = "; ".join(
            f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors
        )
        detail = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in errors
        ]
        release_traceback(exc)
        return FastJSONResponse({"detail": detail, "message": message}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
            response: Response = FastJSONResponse(
                {
                    "detail": f"request body is not valid UTF-8 ({cause.reason} at byte {cause.start})"
                },
                status_code=400,
            )
        else:
            response = await http_exception_handler(request, exc)
        release_traceback(exc)
        return response

    app.include_router(check.router)
    app.include_router(meta.router)
    app.include_router(languagetool.router)

    # middleware, innermost first: body limits, access (keys, rate limits), CORS (so that
    # every answer, 401/413/429 too, carries its headers), metrics, request log
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes, json_paths=JSON_PATHS)
    security.install(app, settings)
    origins = ["*"] if settings.cors_allow_all else list(settings.cors_origins)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_origin_regex=EXTENSION_ORIGINS
        if settings.cors_allow_extensions and not settings.cors_allow_all
        else None,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-API-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
    )
    metrics.install(app, settings)
    app.add_middleware(RequestLog)
    return app
