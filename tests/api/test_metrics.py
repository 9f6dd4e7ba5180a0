"""Observability: ``/metrics`` in Prometheus' format, and request ids in headers and JSON logs."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.api.main import create_app
from app.core.config import Settings
from app.core.logging import JSONFormatter
from app.engine import Engine
from tests.conftest import corpus_text

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(c: TestClient) -> Samples:
    r = c.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(data: Samples, name: str, **labels: str) -> float:
    return data.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), engine=engine)) as c:
        yield c


def test_requests_latencies_and_findings_are_counted(client: TestClient) -> None:
    before = samples(client)
    text = corpus_text("004")
    body = client.post("/check", json={"text": text}).json()
    batch = client.post("/check/batch", json={"items": [{"id": "a", "text": text}]}).json()
    client.post("/check", json={"text": 1})  # 422
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("redflag_http_requests_total", method="POST", route="/check", status="200") == 1
    assert delta("redflag_http_requests_total", method="POST", route="/check", status="422") == 1
    assert (
        delta("redflag_http_requests_total", method="POST", route="/check/batch", status="200") == 1
    )
    assert delta("redflag_http_request_duration_seconds_count", method="POST", route="/check") == 2
    assert delta("redflag_http_request_duration_seconds_sum", method="POST", route="/check") > 0
    assert delta("redflag_documents_checked_total") == 2
    assert delta("redflag_characters_checked_total") == 2 * len(text)
    expected = Counter(
        (f["category"], f["severity"]) for f in body["findings"] + batch["items"][0]["findings"]
    )
    assert len(expected) >= 3
    for (category, severity), n in expected.items():
        assert delta("redflag_findings_total", category=category, severity=severity) == n


def test_languagetool_checks_are_counted_too(client: TestClient) -> None:
    before = samples(client)
    r = client.post(
        "/v2/check", data={"text": "Our stem cells are completely safe.", "language": "en-US"}
    )
    assert r.status_code == 200 and r.json()["matches"]
    after = samples(client)
    labels = {"category": "absolute-safety", "severity": "error"}
    assert value(after, "redflag_findings_total", **labels) > value(
        before, "redflag_findings_total", **labels
    )
    assert value(after, "redflag_documents_checked_total") == (
        value(before, "redflag_documents_checked_total") + 1
    )


def test_model_version_is_exported(client: TestClient) -> None:
    versions = client.get("/version").json()
    data = samples(client)
    info = {
        "app_version": versions["app"],
        "model_version": versions["model"],
        "rules_version": versions["rules"],
    }
    assert value(data, "redflag_model_info", **info) == 1


def test_route_labels_stay_bounded(client: TestClient) -> None:
    for i in range(20):
        client.get(f"/random-{i}")
    client.post("/check", content=b"x", headers={"content-type": "text/plain"})  # 415 by middleware
    data = samples(client)
    routes = {
        dict(labels).get("route") for name, labels in data if name == "redflag_http_requests_total"
    }
    assert "other" in routes and "/check" in routes
    assert not any(r and r.startswith("/random") for r in routes)


def test_metrics_can_be_switched_off(rules_engine: Engine) -> None:
    with TestClient(create_app(Settings(metrics_enabled=False), engine=rules_engine)) as c:
        assert c.get("/metrics").status_code == 404
        assert "/metrics" not in c.get("/openapi.json").json()["paths"]


# -- request ids and JSON logs -----------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JSONFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_request_id_in_header_and_json_log(client: TestClient) -> None:
    lines = Lines()
    logger = logging.getLogger("redflag")
    logger.addHandler(lines)
    try:
        given = client.post("/check", json={"text": "hi"}, headers={"X-Request-ID": "abc-123"})
        made = client.post("/check", json={"text": "hi"})
        unsafe = client.get("/health", headers={"X-Request-ID": "bad id;drop <x>"})
    finally:
        logger.removeHandler(lines)
    assert given.headers["X-Request-ID"] == "abc-123"
    assert len(made.headers["X-Request-ID"]) == 32
    assert unsafe.headers["X-Request-ID"] != "bad id;drop <x>"
    entries = [json.loads(line) for line in lines.lines]
    access = [e for e in entries if e["event"] == "request"]
    assert {e["request_id"] for e in access} == {
        "abc-123",
        made.headers["X-Request-ID"],
        unsafe.headers["X-Request-ID"],
    }
    for e in access:
        assert {"time", "level", "method", "path", "status", "duration_ms"} <= e.keys()
    assert [e["event"] for e in entries] == ["request"] * 3  # one line a request
    checks = [e for e in access if e["path"] == "/check"]
    assert {e["request_id"] for e in checks} == {"abc-123", made.headers["X-Request-ID"]}
    for e in checks:  # what the check noted: sizes, a hash and its time, never the text
        assert e["items"] == 1 and e["characters"] == 2 and e["findings"] == 0
        assert len(e["text_sha256"]) == 16 and e["check_ms"] <= e["duration_ms"]
