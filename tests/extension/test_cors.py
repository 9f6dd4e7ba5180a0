"""The service's CORS settings as the extension needs them: extension origins only with
``REDFLAG_CORS_ALLOW_EXTENSIONS``, ``*`` only with ``REDFLAG_CORS_ALLOW_ALL``, and an allow-list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine

CHROME = "chrome-extension://dmfmfamahngcnohmjoomdjbfcnjhfmab"
FIREFOX = "moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc"
WEB = "https://clinic.example"


def preflight(settings: Settings, engine: Engine, origin: str) -> str | None:
    with TestClient(create_app(settings, engine=engine)) as client:
        r = client.options(
            "/check/batch",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key",
            },
        )
        allowed: str | None = r.headers.get("access-control-allow-origin")
        return allowed


@pytest.mark.parametrize(
    ("settings", "origin", "allowed"),
    [
        (Settings(), CHROME, None),
        (Settings(), WEB, None),
        (Settings(cors_allow_extensions=True), CHROME, CHROME),
        (Settings(cors_allow_extensions=True), FIREFOX, FIREFOX),
        (Settings(cors_allow_extensions=True), WEB, None),
        (Settings(cors_origins=[WEB]), WEB, WEB),
        (Settings(cors_origins=[WEB]), CHROME, None),
        (Settings(cors_allow_all=True), WEB, "*"),
    ],
)
def test_cors_allow_list(
    rules_engine: Engine, settings: Settings, origin: str, allowed: str | None
) -> None:
    assert preflight(settings, rules_engine, origin) == allowed


def test_extension_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDFLAG_CORS_ALLOW_EXTENSIONS", "true")
    assert Settings().cors_allow_extensions is True
