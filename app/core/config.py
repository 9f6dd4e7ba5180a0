"""All service settings, from environment variables prefixed ``REDFLAG_`` (pydantic-settings).

Lists are JSON (``REDFLAG_CORS_ORIGINS='["https://example.org"]'``) or comma-separated.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_model_dir() -> Path:
    """``model/`` of the checkout, or where a non-editable install put it (pyproject data-files)."""
    checkout = PROJECT_ROOT / "model"
    installed = Path(sys.prefix) / "share" / "redflag" / "model"
    return installed if not checkout.is_dir() and installed.is_dir() else checkout


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDFLAG_", extra="ignore")

    model_dir: Path = Field(
        default_factory=_default_model_dir,
        description="Folder with metadata.json and redflag.npz (or redflag.joblib)",
    )
    use_model: bool = Field(True, description="Load the classifier; false runs rules only")
    max_body_bytes: int = Field(
        5_000_000, ge=1, description="Largest request body accepted (413 above)"
    )
    max_text_chars: int = Field(
        2_000_000, ge=1, description="Longest text accepted in one item (413 above)"
    )
    max_batch_items: int = Field(
        500, ge=1, description="Most items in one /check/batch call (413 above)"
    )
    request_timeout_s: float = Field(30.0, gt=0, description="Time limit for one check (503 above)")
    inline_check_chars: int = Field(
        200_000,
        ge=0,
        description=(
            "Requests with at most this many characters are checked on the event loop, "
            "longer ones in a worker thread (see docs/operations.md)"
        ),
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, e.g. https://example.org"
    )
    cors_allow_extensions: bool = Field(
        False,
        description="Allow chrome-extension:// and moz-extension:// origins (the browser extension)",
    )
    cors_allow_all: bool = Field(
        False, description="Allow every origin ('*'); off unless asked for"
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="If set, checking endpoints need one of these in X-API-Key",
    )
    rate_limit_per_minute: int = Field(
        0, ge=0, description="Requests per minute per key or address; 0 is off"
    )
    metrics_enabled: bool = Field(
        True, description="Serve /metrics (Prometheus) and count requests and findings"
    )
    log_level: str = Field("INFO", description="Log level of the JSON logs")

    @field_validator("api_keys")
    @classmethod
    def _no_blank_keys(cls, value: list[str]) -> list[str]:
        # a blank key would let in every request that sends no key at all
        if any(not key.strip() for key in value):
            raise ValueError("API keys must not be blank")
        return value

    @field_validator("cors_origins", "api_keys", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [v.strip() for v in text.split(",") if v.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
