"""API fuzzing: schemathesis against the app's own OpenAPI schema, in process (ASGI).

Every operation in the schema (the LanguageTool-compatible ones too) gets
generated requests, valid and invalid, from a fixed seed and a bounded number
of examples.  ``call_and_validate`` runs schemathesis' checks on every answer:
no 5xx, only documented status codes and content types, bodies conforming to
the response schema, invalid data rejected and valid data accepted.  A second
run does the same with API keys and rate limits switched on, where the
``ignored_auth`` check also proves that requests without the key are refused.

Run with ``-s`` to see how many examples ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine

SEED = 20_260_801
KEY = "fuzz-key-0123456789"
RAN: Counter[str] = Counter()


def _schema(settings: Settings, max_examples: int) -> Any:
    app = create_app(settings)  # the engine is set by the fixture below, before any call
    config = SchemathesisConfig.from_dict(
        {"seed": SEED, "generation": {"max-examples": max_examples}}
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


open_schema = _schema(Settings(), max_examples=60)
guarded_schema = _schema(Settings(api_keys=[KEY], rate_limit_per_minute=1_000_000), max_examples=10)


@pytest.fixture(scope="module", autouse=True)
def _engine(engine: Engine) -> Iterator[None]:
    for schema in (open_schema, guarded_schema):
        schema.app.state.engine = engine
    yield
    print(f"\nschemathesis examples run: {dict(RAN)} (total {sum(RAN.values())})")
    assert RAN["open"] >= 500, RAN  # the bound is real work, not a handful of requests


def test_schema_lists_every_endpoint() -> None:
    paths = set(open_schema.raw_schema["paths"])
    assert {
        "/check",
        "/check/batch",
        "/health",
        "/version",
        "/rules",
        "/facts",
        "/metrics",
        "/v2/check",
        "/v2/languages",
    } <= paths


@open_schema.parametrize()
def test_open_api(case: Any) -> None:
    RAN["open"] += 1
    case.call_and_validate()


@guarded_schema.parametrize()
def test_api_with_keys(case: Any) -> None:
    RAN["guarded"] += 1
    case.call_and_validate(headers={"X-API-Key": KEY})
