"""Limits as settings: body size, batch size, text length and time (413, 503), and bad bytes.

Every refusal is a 4xx or 503 with a message that names the limit, and the
service answers normally afterwards.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import pytest
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException

from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine
from app.engine.checker import CheckTimeout

CLAIM = "Our stem cell injections are completely safe and have no side effects."


@pytest.fixture
def limited(rules_engine: Engine) -> Iterator[TestClient]:
    settings = Settings(max_body_bytes=2_000, max_text_chars=500, max_batch_items=3)
    with TestClient(create_app(settings, engine=rules_engine)) as c:
        yield c


def test_body_over_the_limit_by_content_length(limited: TestClient) -> None:
    r = limited.post("/check", json={"text": "x" * 3_000})
    assert r.status_code == 413
    assert "2000 bytes" in r.json()["detail"]


def test_body_over_the_limit_when_streamed_without_length(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    r = limited.post("/check", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "2000 bytes" in r.json()["detail"]


def test_text_over_the_limit(limited: TestClient) -> None:
    r = limited.post("/check", json={"text": "z" * 501})
    assert r.status_code == 413
    assert "501 characters" in r.json()["detail"] and "500" in r.json()["detail"]
    assert limited.post("/check", json={"text": "z" * 500}).status_code == 200


def test_batch_over_the_limits(limited: TestClient) -> None:
    items = [{"id": str(i), "text": "ok"} for i in range(4)]
    r = limited.post("/check/batch", json={"items": items})
    assert r.status_code == 413 and "4 items" in r.json()["detail"]
    items = [{"id": "a", "text": "ok"}, {"id": "b", "text": "w" * 501}]
    r = limited.post("/check/batch", json={"items": items})
    assert r.status_code == 413 and "items[1].text" in r.json()["detail"]
    assert limited.post("/check/batch", json={"items": items[:1]}).status_code == 200


def test_time_limit_answers_503_and_the_worker_stays_healthy(rules_engine: Engine) -> None:
    app = create_app(Settings(request_timeout_s=1e-9), engine=rules_engine)
    with TestClient(app) as c:
        for path, body in (
            ("/check", {"text": CLAIM * 50}),
            ("/check/batch", {"items": [{"id": "a", "text": CLAIM}, {"id": "b", "text": CLAIM}]}),
        ):
            r = c.post(path, json=body)
            assert r.status_code == 503, r.text
            assert "time limit" in r.json()["detail"] or "longer than" in r.json()["detail"]
        assert c.get("/health").json()["status"] == "ok"
        # the same worker, given a sane limit, checks again
        app.state.settings = app.state.settings.model_copy(update={"request_timeout_s": 30.0})
        r = c.post("/check", json={"text": CLAIM})
        assert r.status_code == 200 and r.json()["findings"]


def test_time_limit_is_documented(rules_engine: Engine) -> None:
    schema = create_app(Settings(), engine=rules_engine).openapi()
    for path in ("/check", "/check/batch"):
        assert {"400", "413", "415", "422", "503"} <= set(
            schema["paths"][path]["post"]["responses"]
        )


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b'{"text": "caf\xe9"}', 400, "UTF-8"),  # Latin-1, not UTF-8
        (b'{"text": "\xff\xfe"}', 400, "UTF-8"),
        (b'{"text": "\xed\xa0\x80"}', 422, "surrogate"),  # a surrogate in UTF-8 form
        (b'{"text": ', 422, "JSON"),
        (b'{"text": "unterminated}', 422, "JSON"),
        (b"[1, 2]", 422, "dictionary"),
        (b"", 422, "body"),
        (b'{"text": "\\ud800 completely safe"}', 422, "surrogate"),
        (b'{"items": [{"id": "\\udfff", "text": "x"}]}', 422, "surrogate"),
    ],
)
def test_bad_bytes_get_a_4xx_with_a_message(
    limited: TestClient, body: bytes, status: int, words: str
) -> None:
    path = "/check/batch" if b"items" in body else "/check"
    r = limited.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    payload = r.json()
    message = str(payload.get("message") or payload["detail"])
    assert words in message, message


def test_odd_but_valid_text_is_checked(limited: TestClient) -> None:
    for text in ("a\x00b completely safe", "\u202ecompletely safe\u202c", "safe\r\n\r\n", "\ufeff"):
        r = limited.post("/check", json={"text": text})
        assert r.status_code == 200, (text, r.text)
        for f in r.json()["findings"]:
            assert text[f["start"] : f["end"]] == f["text"]


@pytest.mark.parametrize(
    ("timeout", "body", "status"),
    [
        (30.0, b'{"text": "caf\xe9 ' + b"x" * 1000 + b'"}', 400),
        (30.0, b'{"text": "' + b"x" * 1000, 422),
        (1e-9, json.dumps({"text": CLAIM * 20}).encode(), 503),
    ],
)
def test_refusals_keep_nothing_for_the_garbage_collector(
    rules_engine: Engine, timeout: float, body: bytes, status: int
) -> None:
    """A refused request's error, its cause and their frames (which hold the body, or the
    check's documents) are freed when it is answered, not left in a reference cycle
    until a collection (which the service makes rarely: app/core/heap.py)."""
    refused = (UnicodeDecodeError, json.JSONDecodeError, HTTPException)
    refused += (RequestValidationError, CheckTimeout)
    with TestClient(create_app(Settings(request_timeout_s=timeout), engine=rules_engine)) as c:
        c.post("/check", content=body, headers={"content-type": "application/json"})
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds stays in gc.garbage
        try:
            r = c.post("/check", content=body, headers={"content-type": "application/json"})
            gc.collect()
            left = [type(o).__name__ for o in gc.garbage if isinstance(o, refused)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert r.status_code == status, r.text
    assert left == []
