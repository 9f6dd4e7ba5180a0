"""Access: API keys, rate limits, CORS; and model integrity (a tampered artifact is refused)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import security
from app.api.main import create_app
from app.api.security import RateLimiter, digest, key_index
from app.core.config import Settings
from app.engine import Engine, ModelError
from tests.conftest import MODEL_DIR, ROOT

KEYS = ["k-first-0123456789", "k-second-abcdefghij"]
CLAIM = {"text": "Our stem cell injections are completely safe."}


def client(engine: Engine, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(**settings), engine=engine))  # type: ignore[arg-type]


@pytest.fixture
def keyed(rules_engine: Engine) -> Iterator[TestClient]:
    with client(rules_engine, api_keys=KEYS) as c:
        yield c


# -- API keys ---------------------------------------------------------------------------


def test_checking_endpoints_need_a_key(keyed: TestClient) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": KEYS[0][:-1]}, {"X-API-Key": ""}):
        r = keyed.post("/check", json=CLAIM, headers=headers)
        assert r.status_code == 401, headers
        assert "X-API-Key" in r.json()["detail"]
    r = keyed.post("/check/batch", json={"items": [{"id": "a", **CLAIM}]})
    assert r.status_code == 401
    for key in KEYS:
        r = keyed.post("/check", json=CLAIM, headers={"X-API-Key": key})
        assert r.status_code == 200 and r.json()["findings"]


def test_health_metrics_and_docs_stay_open(keyed: TestClient) -> None:
    assert keyed.get("/health").json()["status"] == "ok"
    assert keyed.get("/metrics").status_code == 200
    assert keyed.get("/openapi.json").status_code == 200
    assert keyed.get("/docs").status_code == 200
    # everything else, present or future, is closed by default
    assert keyed.get("/version").status_code == 401
    assert keyed.get("/no-such-route").status_code == 401


def test_key_refusal_comes_before_the_body_is_read(keyed: TestClient) -> None:
    r = keyed.post("/check", content=b"x" * 10, headers={"content-type": "text/plain"})
    assert r.status_code == 401  # not 415: an unknown client learns nothing else


def test_keys_are_compared_in_constant_time_with_every_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    digests = [digest(k.encode()) for k in KEYS]
    assert key_index(KEYS[0].encode(), digests) == 0  # found first, the second compared too
    assert key_index(b"nope", digests) is None
    assert key_index(KEYS[1].encode(), digests) == 1
    assert len(calls) == 6
    assert {len(a) for a, _ in calls} == {len(b) for _, b in calls} == {32}  # lengths hide nothing


def test_blank_keys_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="blank"):
        Settings(api_keys=["good-key", "  "])
    monkeypatch.setenv("REDFLAG_API_KEYS", '["good-key", ""]')
    with pytest.raises(ValidationError, match="blank"):
        Settings()
    monkeypatch.setenv("REDFLAG_API_KEYS", "key-a, key-b")
    assert Settings().api_keys == ["key-a", "key-b"]


def test_redflag_serve_exits_2_on_bad_settings() -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "redflag"), "serve", "--port", "1"],
        cwd=ROOT,
        env={**os.environ, "REDFLAG_API_KEYS": '[""]'},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "REDFLAG_API_KEYS" in proc.stderr and "Traceback" not in proc.stderr


def test_openapi_documents_the_key_only_when_keys_are_set(rules_engine: Engine) -> None:
    schema = create_app(Settings(api_keys=KEYS), engine=rules_engine).openapi()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    check = schema["paths"]["/check"]["post"]
    assert check["security"] == [{"APIKeyHeader": []}] and "401" in check["responses"]
    assert "security" not in schema["paths"]["/health"]["get"]
    schema = create_app(Settings(), engine=rules_engine).openapi()
    assert "securitySchemes" not in schema.get("components", {})
    assert "401" not in schema["paths"]["/check"]["post"]["responses"]


# -- rate limits ------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_and_says_how_long_to_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=6, clock=clock)  # one token every 10 s, 6 at most
    assert [limiter.wait("a") for _ in range(6)] == [0.0] * 6
    assert limiter.wait("a") == pytest.approx(10.0)
    assert limiter.wait("b") == 0.0  # another client has its own bucket
    clock.now += 5
    assert limiter.wait("a") == pytest.approx(5.0)
    clock.now += 5
    assert limiter.wait("a") == 0.0
    clock.now += 3600
    assert [limiter.wait("a") for _ in range(7)][-1] > 0  # refilled to 6, not more


def test_buckets_are_bounded() -> None:
    limiter = RateLimiter(per_minute=1, max_clients=100, clock=FakeClock())
    for i in range(1000):
        limiter.wait(f"addr:{i}")
    assert len(limiter._buckets) == 100


def test_rate_limit_answers_429_with_retry_after(rules_engine: Engine) -> None:
    with client(rules_engine, rate_limit_per_minute=3) as c:
        assert [c.post("/check", json=CLAIM).status_code for _ in range(3)] == [200] * 3
        r = c.post("/check", json=CLAIM)
        assert r.status_code == 429
        assert r.headers["Retry-After"].isdigit() and 1 <= int(r.headers["Retry-After"]) <= 20
        assert "rate limit" in r.json()["detail"]
        assert c.get("/health").status_code == 200  # health checks are never limited


def test_rate_limit_is_per_key_and_wrong_keys_spend_the_address(rules_engine: Engine) -> None:
    with client(rules_engine, api_keys=KEYS, rate_limit_per_minute=2) as c:
        first = {"X-API-Key": KEYS[0]}
        assert [c.post("/check", json=CLAIM, headers=first).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        second = {"X-API-Key": KEYS[1]}
        assert c.post("/check", json=CLAIM, headers=second).status_code == 200
        guesses = [
            c.post("/check", json=CLAIM, headers={"X-API-Key": f"guess{i}"}) for i in range(3)
        ]
        assert [r.status_code for r in guesses] == [401, 401, 429]


def test_rate_limit_is_per_address_without_keys(rules_engine: Engine) -> None:
    import asyncio

    import httpx

    app = create_app(Settings(rate_limit_per_minute=1), engine=rules_engine)

    async def statuses(address: str) -> list[int]:
        transport = httpx.ASGITransport(app=app, client=(address, 4321))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return [(await http.post("/check", json=CLAIM)).status_code for _ in range(2)]

    assert asyncio.run(statuses("10.0.0.1")) == [200, 429]
    assert asyncio.run(statuses("10.0.0.2")) == [200, 429]


# -- CORS -------------------------------------------------------------------------------


def test_cors_allows_only_the_listed_origins(rules_engine: Engine) -> None:
    with client(rules_engine, cors_origins=["https://ok.example"], api_keys=KEYS) as c:
        r = c.post(
            "/check", json=CLAIM, headers={"Origin": "https://ok.example", "X-API-Key": KEYS[0]}
        )
        assert r.headers["access-control-allow-origin"] == "https://ok.example"
        assert "X-Request-ID" in r.headers["access-control-expose-headers"]
        r = c.post(
            "/check", json=CLAIM, headers={"Origin": "https://evil.example", "X-API-Key": KEYS[0]}
        )
        assert "access-control-allow-origin" not in r.headers
        # refusals carry CORS headers too, so a page or extension can read why
        r = c.post("/check", json=CLAIM, headers={"Origin": "https://ok.example"})
        assert r.status_code == 401
        assert r.headers["access-control-allow-origin"] == "https://ok.example"
        preflight = {
            "Origin": "https://ok.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        }
        r = c.options("/check", headers=preflight)
        assert r.status_code == 200  # answered without a key
        assert "x-api-key" in r.headers["access-control-allow-headers"].lower()
        r = c.options("/check", headers={**preflight, "Origin": "https://evil.example"})
        assert r.status_code == 400
        ext = c.post(
            "/check",
            json=CLAIM,
            headers={"Origin": "chrome-extension://abcdefgh", "X-API-Key": KEYS[0]},
        )
        assert "access-control-allow-origin" not in ext.headers


def test_cors_extension_and_wildcard_settings(rules_engine: Engine) -> None:
    with client(rules_engine, cors_allow_extensions=True) as c:
        for origin in ("chrome-extension://abcdefgh", "moz-extension://1234-abcd"):
            r = c.post("/check", json=CLAIM, headers={"Origin": origin})
            assert r.headers["access-control-allow-origin"] == origin
        r = c.post("/check", json=CLAIM, headers={"Origin": "https://site.example"})
        assert "access-control-allow-origin" not in r.headers
    with client(rules_engine, cors_allow_all=True) as c:
        r = c.post("/check", json=CLAIM, headers={"Origin": "https://any.example"})
        assert r.headers["access-control-allow-origin"] == "*"


# -- model integrity --------------------------------------------------------------------


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(MODEL_DIR, target)
    return target


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def tampered(tmp_path: Path) -> Path:
    target = _copy_model(tmp_path)
    _flip_a_bit(target / "redflag.npz")
    return target


def _set_version(target: Path, library: str, version: str) -> None:
    meta_path = target / "metadata.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["versions"][library] = version
    meta_path.write_text(json.dumps(meta), "utf-8")


def other_numpy(tmp_path: Path) -> Path:
    target = _copy_model(tmp_path)
    _set_version(target, "numpy", "0.0.1")
    return target


def tampered_pipeline(tmp_path: Path) -> Path:
    """A model directory without the arrays loads the Pipeline: its hash is checked."""
    target = _copy_model(tmp_path)
    (target / "redflag.npz").unlink()
    _flip_a_bit(target / "redflag.joblib")
    return target


def other_sklearn(tmp_path: Path) -> Path:
    target = _copy_model(tmp_path)
    (target / "redflag.npz").unlink()
    _set_version(target, "scikit-learn", "0.0.1")
    return target


BAD_MODELS = [
    (tampered, "SHA-256"),
    (other_numpy, "numpy 0.0.1"),
    (tampered_pipeline, "SHA-256"),
    (other_sklearn, "scikit-learn 0.0.1"),
]


@pytest.mark.parametrize(("make", "words"), BAD_MODELS)
def test_service_refuses_to_start_with_a_bad_model(
    tmp_path: Path, make: object, words: str, capfd: pytest.CaptureFixture[str]
) -> None:
    model_dir = make(tmp_path)  # type: ignore[operator]
    app = create_app(Settings(model_dir=model_dir))
    with pytest.raises(ModelError, match=words), TestClient(app):
        pass
    logged = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    refusal = [e for e in logged if e["event"] == "model refused"]
    assert refusal and words in refusal[0]["detail"]


@pytest.mark.parametrize(("make", "words"), BAD_MODELS)
def test_redflag_serve_exits_2_with_a_bad_model(tmp_path: Path, make: object, words: str) -> None:
    model_dir = make(tmp_path)  # type: ignore[operator]
    script = str(Path(sys.executable).parent / "redflag")
    for command in ([script], [sys.executable, "-m", "app.cli.main"]):
        proc = subprocess.run(
            [*command, "serve", "--port", "1", "--workers", "2"],
            cwd=ROOT,
            env={**os.environ, "REDFLAG_MODEL_DIR": str(model_dir)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, (command, proc.stderr)
        assert proc.stderr.startswith("redflag: ") and words in proc.stderr
        assert "Traceback" not in proc.stderr
