"""Privacy: the text a client sends never reaches the logs, at any level, on any path.

A unique canary string is sent in every way the service can answer (200, 400,
401, 413, 415, 422, 429, 500, 503, the LanguageTool API), first in process
with every logger at DEBUG (records and their formatted lines both searched),
then to a real ``redflag serve`` whose whole stdout and stderr are searched.
Each test also checks that the logs did record the requests, so that an empty
log cannot pass.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.core.config import Settings
from app.core.logging import JSONFormatter
from app.engine import Engine
from tests.server import running_server

CANARY = "Canary" + uuid.uuid4().hex  # letters and digits: no escaping can hide it
CLAIM = f"Our {CANARY} stem cell injections are completely safe and FDA approved."
LOGGERS = ("", "redflag", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "starlette")


class Capture(logging.Handler):
    """Every record, formatted by the service's formatter and also taken apart."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.formatter_ = JSONFormatter()
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own HTTP client, which logs the URLs it calls
        self.records.append(record)
        self.lines.append(self.formatter_.format(record))

    def leaks(self) -> list[str]:
        found = [line for line in self.lines if CANARY in line]
        for r in self.records:
            raw = [r.getMessage(), repr(r.args)] + [
                repr(v) for k, v in vars(r).items() if k not in ("exc_info", "exc_text")
            ]
            found += [f"{r.name}: {text[:200]}" for text in raw if CANARY in text]
        return found


@contextmanager
def capturing() -> Iterator[Capture]:
    """Catch every record at DEBUG (after create_app, which installs the service's handlers)."""
    handler = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield handler
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def _send_everything(http: Any, limits: bool = True) -> list[int]:
    """Send the canary every way; return the statuses seen."""
    json_type = {"content-type": "application/json"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/check", {"json": {"text": CLAIM}}),
        ("POST", "/check", {"json": {"text": CLAIM, "format": "markdown"}}),
        ("POST", "/check/batch", {"json": {"items": [{"id": CANARY, "text": CLAIM}]}}),
        ("POST", "/check", {"json": {"text": CLAIM, "format": CANARY}}),  # 422
        ("POST", "/check", {"json": {"text": CLAIM, "categories": [CANARY]}}),  # 422
        ("POST", "/check", {"json": {"text": CLAIM, CANARY: 1}}),  # 422, unknown field
        (
            "POST",
            "/check",
            {"content": f'{{"text": "{CLAIM}\\ud800"}}'.encode(), "headers": json_type},
        ),
        ("POST", "/check", {"content": f'{{"text": "{CLAIM}'.encode(), "headers": json_type}),
        ("POST", "/check", {"content": CLAIM.encode() + b"\xff", "headers": json_type}),  # 400
        ("POST", "/check", {"content": CLAIM.encode(), "headers": {"content-type": "text/plain"}}),
        ("POST", "/v2/check", {"data": {"text": CLAIM, "language": "en-US"}}),
        ("POST", "/v2/check", {"data": {"text": CLAIM, "language": CANARY}}),  # LT error
        ("GET", f"/v2/check?language=en-US&text={CLAIM}", {}),
    ]
    if limits:
        calls += [
            ("POST", "/check", {"json": {"text": CLAIM * 200}}),  # 413, text
            ("POST", "/check", {"json": {"text": CLAIM * 2000}}),  # 413, body
            ("POST", "/check/batch", {"json": {"items": [{"id": "x", "text": CLAIM}] * 9}}),
        ]
    return [http.request(method, url, **kw).status_code for method, url, kw in calls]


LIMITS = {"max_text_chars": 5_000, "max_body_bytes": 60_000, "max_batch_items": 8}


def test_in_process_logs_never_hold_the_text(engine: Engine) -> None:
    app = create_app(Settings(log_level="DEBUG", **LIMITS), engine=engine)  # type: ignore[arg-type]
    with capturing() as capture, TestClient(app) as c:
        statuses = _send_everything(c)
    assert {200, 400, 413, 415, 422} <= set(statuses), statuses
    assert not capture.leaks()
    logged = [json.loads(line) for line in capture.lines]
    # one line a request; a check's line also says its sizes and the text's hash
    assert [e["event"] for e in logged].count("request") == len(statuses)
    assert any("text_sha256" in e and "findings" in e for e in logged)


def test_time_limit_key_and_rate_limit_paths(rules_engine: Engine) -> None:
    settings = Settings(
        log_level="DEBUG", request_timeout_s=1e-9, api_keys=["k" * 20], rate_limit_per_minute=3
    )
    app = create_app(settings, engine=rules_engine)
    with capturing() as capture, TestClient(app) as c:
        key = {"X-API-Key": "k" * 20}
        statuses = [
            c.post("/check", json={"text": CLAIM}, headers=key).status_code,
            c.post(
                "/check/batch", json={"items": [{"id": CANARY, "text": CLAIM}]}, headers=key
            ).status_code,
            c.post("/v2/check", data={"text": CLAIM, "language": "en-US"}, headers=key).status_code,
            c.post("/check", json={"text": CLAIM}, headers={"X-API-Key": CANARY}).status_code,
            c.post("/check", json={"text": CLAIM}, headers=key).status_code,
        ]
    assert statuses == [503, 503, 503, 401, 429], statuses
    assert not capture.leaks()
    assert len(capture.lines) >= len(statuses)


def test_internal_errors_do_not_log_the_text(rules_engine: Engine) -> None:
    class Exploding(Engine):
        def check_many(self, items: Any, options: Any = None, deadline: Any = None) -> Any:
            raise RuntimeError(f"failed on {items[0][0]}")  # a careless message with the text

    exploding = Exploding.__new__(Exploding)
    exploding.__dict__.update(rules_engine.__dict__)
    app = create_app(Settings(log_level="DEBUG"), engine=exploding)
    with capturing() as capture, TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/check", json={"text": CLAIM}).status_code == 500
    leaks = [line for line in capture.lines if CANARY in line]
    assert not leaks
    logged = [json.loads(line) for line in capture.lines]
    assert any(e["event"] == "request" and e["status"] == 500 for e in logged)


@pytest.mark.server
def test_real_server_logs_never_hold_the_text(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    env = {
        "REDFLAG_LOG_LEVEL": "DEBUG",
        **{f"REDFLAG_{k.upper()}": str(v) for k, v in LIMITS.items()},
    }
    with (
        running_server(env=env, log_path=log_path) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        statuses = _send_everything(http)
    # a second server whose every check runs out of time: the 503 path
    slow_log = tmp_path / "slow.log"
    env = {
        "REDFLAG_LOG_LEVEL": "DEBUG",
        "REDFLAG_USE_MODEL": "false",
        "REDFLAG_REQUEST_TIMEOUT_S": "1e-9",
    }
    with (
        running_server(env=env, log_path=slow_log) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        slow = [
            http.post("/check", json={"text": CLAIM}).status_code,
            http.post("/check/batch", json={"items": [{"id": CANARY, "text": CLAIM}]}).status_code,
        ]
    assert {200, 400, 413, 415, 422} <= set(statuses), statuses
    assert slow == [503, 503]
    for path in (log_path, slow_log):
        output = path.read_bytes()
        assert CANARY.encode() not in output, path.name
        lines = [json.loads(line) for line in output.decode().splitlines() if line.startswith("{")]
        assert sum(e["event"] == "request" for e in lines) >= 2, path.name
