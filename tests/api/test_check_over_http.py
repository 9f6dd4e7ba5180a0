"""The real service: ``redflag serve`` under uvicorn, spoken to over HTTP with httpx."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import corpus_text
from tests.server import running_server

pytestmark = pytest.mark.server


def test_check_over_http() -> None:
    with running_server() as base, httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/health").json()["model_loaded"] is True
        r = http.post("/check", json={"text": corpus_text("004")})
        assert r.status_code == 200 and r.json()["risk"]["level"] == "high"
        assert r.headers["content-type"].startswith("application/json")
        r = http.post("/check", json={"text": corpus_text("002")})
        assert r.json()["risk"]["level"] == "low"
        r = http.post("/check/batch", json={"items": [{"id": "x", "text": "Completely safe!"}]})
        assert r.status_code == 200 and r.json()["items"][0]["id"] == "x"
        assert http.post("/check", json={"text": None}).status_code == 422
