"""The real service: ``redflag serve`` under uvicorn, spoken to over HTTP with httpx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


def test_requests_at_once_get_the_answers_they_get_alone() -> None:
    # a worker checks the requests it reads in one turn together (app/api/running.py):
    # each answer must be the one its request gets alone, options and errors included
    texts = [corpus_text(p) for p in ("000", "001", "002", "003", "004")]
    bodies: list[dict[str, object]] = []
    for k in range(24):
        body: dict[str, object] = {"text": texts[k % 5][k * 7 :]}
        if k % 3 == 1:
            body["categories"] = ["call-to-action"]
        if k % 4 == 2:
            body["format"] = "markdown"
        bodies.append(body)
    bodies[5] = {"text": "x", "format": "nonsense"}  # 422, beside the others
    with running_server() as base, httpx.Client(base_url=base, timeout=60) as http:
        alone = [http.post("/check", json=b) for b in bodies]
        with ThreadPoolExecutor(max_workers=24) as pool:
            together = list(pool.map(lambda b: http.post("/check", json=b), bodies))
    assert [r.status_code for r in alone] == [r.status_code for r in together]
    assert alone[5].status_code == 422 and alone[0].status_code == 200
    assert [r.json() for r in alone] == [r.json() for r in together]
