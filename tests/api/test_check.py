"""``/check`` and ``/check/batch`` in process: the response contract and bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.api.schemas import BatchResponse, CheckResponse
from tests.conftest import corpus_text


def test_check_004_is_high_with_cited_findings(client: TestClient) -> None:
    text = corpus_text("004")
    r = client.post("/check", json={"text": text})
    assert r.status_code == 200
    body = r.json()
    CheckResponse.model_validate(body)
    assert body["risk"]["level"] == "high"
    for f in body["findings"]:
        assert text[f["start"] : f["end"]] == f["text"]
        assert f["source"] in ("rule", "model") and f["facts"]
        for fact in f["facts"]:
            assert {"id", "statement", "authority", "source"} <= fact.keys()
            if fact["kind"] == "corpus":
                assert fact["quote"]
    assert r.headers["x-request-id"]


def test_check_003_is_low(client: TestClient) -> None:
    body = client.post("/check", json={"text": corpus_text("003"), "format": "text"}).json()
    assert body["risk"]["level"] == "low"


def test_check_formats_and_filters(client: TestClient) -> None:
    md = "# Clinic\n\nOur injections are **completely safe**. Call now for a FREE consultation!\n"
    body = client.post(
        "/check", json={"text": md, "format": "markdown", "categories": ["absolute-safety"]}
    ).json()
    assert body["findings"] and {f["category"] for f in body["findings"]} == {"absolute-safety"}
    f = body["findings"][0]
    assert md[f["start"] : f["end"]] == f["text"] and f["line"] == 3
    body = client.post(
        "/check", json={"text": md, "format": "markdown", "min_severity": "error"}
    ).json()
    assert all(f["severity"] == "error" for f in body["findings"])


def test_batch(client: TestClient) -> None:
    items = [
        {"id": "a", "text": corpus_text("004")},
        {"id": "b", "text": "<p>Hello.</p>", "format": "html"},
    ]
    r = client.post("/check/batch", json={"items": items})
    assert r.status_code == 200
    body = BatchResponse.model_validate(r.json())
    assert [i.id for i in body.items] == ["a", "b"]
    assert body.items[0].risk.level == "high" and body.items[1].findings == []


def test_empty_text_is_valid(client: TestClient) -> None:
    for text in ("", "   \n "):
        body = client.post("/check", json={"text": text}).json()
        assert body["findings"] == [] and body["risk"]["score"] == 0


def _message(r: object) -> str:
    return str(r.json()["message"])  # type: ignore[attr-defined]


def test_bad_input_gets_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"format": "text"}, "text"),
        ({"text": 42}, "text"),
        ({"text": "x", "format": "docx"}, "format"),
        ({"text": "x", "categories": ["miracle"]}, "categories"),
        ({"text": "x", "min_severity": "fatal"}, "min_severity"),
        ({"items": [{"text": "x"}]}, "items.0.id"),
    ]
    for body, field in cases:
        path = "/check/batch" if "items" in body else "/check"
        r = client.post(path, json=body)
        assert r.status_code == 422, body
        assert field in _message(r), (_message(r), field)


def test_malformed_json_and_content_type(client: TestClient) -> None:
    r = client.post("/check", content=b'{"text": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["message"]
    r = client.post("/check", content=b"\xff\xfe\x00", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)
    r = client.post(
        "/check",
        content=b"text=hello",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415 and "application/json" in r.json()["detail"]


def test_meta_endpoints(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "model_loaded": True}
    v = client.get("/version").json()
    assert {"app", "rules", "model", "schema_version"} <= v.keys()
    rules = client.get("/rules").json()
    assert len(rules["categories"]) == 8 and all(c["rules"] for c in rules["categories"])
    facts = client.get("/facts").json()["facts"]
    assert any(f["kind"] == "corpus" and f["quote"] for f in facts)
    assert any(f["kind"] == "external" and f["url"].startswith("https://") for f in facts)
    assert client.get("/openapi.json").status_code == 200


def test_schema_enums_match_the_engine() -> None:
    """The OpenAPI enums are spelled out for the schema; they must stay the engine's."""
    from typing import get_args

    from app.api.schemas import Category, Format, SeverityName
    from app.engine import CATEGORIES, FORMATS, SEVERITIES

    assert get_args(Category) == CATEGORIES
    assert get_args(SeverityName) == SEVERITIES
    assert set(get_args(Format)) == set(FORMATS)
