"""Prometheus metrics: requests, latencies, findings per category and the model's version.

``GET /metrics`` answers in Prometheus' text format.  With one worker the
metrics live in the process.  With several (``redflag serve --workers N``)
every worker writes its values to files in one folder named by
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, set up by
:func:`app.api.metrics_dir.multiprocess_dir` before the workers start), and whichever worker
answers ``/metrics`` adds up all of them, so a scrape sees the whole service,
including the counts of workers that have since died.

Labels never hold request data: the route is the path template of a matched
route, or ``other``, so a flood of random paths cannot grow the metrics.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.api.metrics_dir import multiprocess_mode
from app.api.middleware import ASGIApp, Message, Receive, Scope, Send
from app.core.config import Settings
from app.engine import Engine, Report

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

router = APIRouter(tags=["meta"])


class Metrics:
    """The service's metrics, in their own registry (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "redflag_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "redflag_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.documents = Counter(
            "redflag_documents_checked", "Documents (texts or batch items) checked", registry=r
        )
        self.characters = Counter(
            "redflag_characters_checked", "Characters of text checked", registry=r
        )
        self.findings = Counter(
            "redflag_findings",
            "Findings reported, by category and severity",
            ["category", "severity"],
            registry=r,
        )
        self.model_info = Gauge(
            "redflag_model_info",
            "Versions of the app, model and rules being served (always 1)",
            ["app_version", "model_version", "rules_version"],
            multiprocess_mode="max",
            registry=r,
        )
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}

    def observe_reports(self, reports: Iterable[Report]) -> None:
        for report in reports:
            self.documents.inc()
            self.characters.inc(report.stats.get("characters", 0))
            # one increment per (category, severity), not per finding: in multi-process
            # mode each one writes to a shared file
            counts = collections.Counter((f.category, f.severity) for f in report.findings)
            for labels, n in counts.items():
                self._child(self.findings, labels).inc(n)

    def _child(self, metric: Counter | Histogram, labels: tuple[str, ...]) -> Any:
        """``metric.labels(*labels)``, kept: ``labels`` validates and locks on every call
        (~2.5 us, a dozen times a request); the label sets are few (categories and
        severities, methods and route templates, statuses)."""
        child = self._children.get((metric, labels))
        if child is None:
            child = self._children[(metric, labels)] = metric.labels(*labels)
        return child

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self.requests, (method, route, str(status))).inc()
        self._child(self.latency, (method, route)).observe(seconds)

    def set_versions(self, engine: Engine) -> None:
        v = engine.versions
        self.model_info.labels(v["app"], v["model"], v["rules"]).set(1)

    def exposition(self) -> bytes:
        if multiprocess_mode():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def record_reports(request: Request, reports: Iterable[Report]) -> None:
    """Count the findings of a check (called by the checking routes)."""
    metrics: Metrics | None = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.observe_reports(reports)


class MetricsMiddleware:
    """Counts and times every HTTP request, including those answered by other middleware."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._paths: frozenset[str] | None = None

    def _route(self, scope: Scope) -> str:
        template = getattr(scope.get("route"), "path", None)
        if isinstance(template, str):
            return template
        # answered before routing (401, 413, 429, ...): the path if it is a documented one
        if self._paths is None:
            app = scope.get("app")
            self._paths = frozenset(app.openapi()["paths"]) if isinstance(app, FastAPI) else None
        path = scope.get("path", "")
        return path if self._paths is not None and path in self._paths else "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def snd(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, snd)
        finally:
            self.metrics.observe_request(
                scope.get("method", ""), self._route(scope), status, time.perf_counter() - t0
            )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> PlainTextResponse:
    """Metrics in Prometheus' text format (all workers together)."""
    m: Metrics = request.app.state.metrics
    m.set_versions(request.app.state.engine)
    return PlainTextResponse(m.exposition(), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI, settings: Settings) -> None:
    """Add ``/metrics`` and the request counter, unless ``REDFLAG_METRICS_ENABLED`` is false."""
    if not settings.metrics_enabled:
        return
    app.state.metrics = Metrics()
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
