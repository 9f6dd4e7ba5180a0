"""Access control: optional API keys and per-client rate limits, as one ASGI middleware.

Keys come from settings (``REDFLAG_API_KEYS``).  When any is set, every request
outside :data:`OPEN_PATHS` needs one of them in ``X-API-Key``; the SHA-256 of
the header is compared with that of every key by :func:`hmac.compare_digest`,
so the time taken says nothing about which key, how much of one, or how long
a key was nearly right.  A missing or
wrong key gets a 401.

Rate limits (``REDFLAG_RATE_LIMIT_PER_MINUTE``, 0 is off) are token buckets:
one per key when keys are on, otherwise one per client address, each holding
up to a minute's allowance and refilled continuously.  Wrong keys spend their
address's bucket, so guessing is throttled too.  An empty bucket answers 429
with ``Retry-After`` (whole seconds until a request would be allowed).
Buckets live in each worker's memory: with N workers a client can get up to N
times the limit (see docs/operations.md).

Being a middleware, the guard answers before a body is read, and it covers
every router, present and future, unless its path is in :data:`OPEN_PATHS`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI

from app.api.middleware import ASGIApp, Receive, Scope, Send, send_json
from app.core.config import Settings

API_KEY_HEADER = "X-API-Key"
OPEN_PATHS = frozenset(
    {"/health", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
MAX_BUCKETS = 65_536  # least recently used clients are forgotten beyond this


class TokenBucket:
    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate  # tokens a second
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> float:
        """Spend a token: 0.0 if one was there, else the seconds until one will be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets by client, the least recently seen dropped beyond ``max_clients``."""

    def __init__(
        self,
        per_minute: int,
        max_clients: int = MAX_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def wait(self, client: str) -> float:
        """Spend one of ``client``'s tokens: 0.0 when allowed, else seconds to wait."""
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = TokenBucket(self.capacity, self.rate, now)
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
        return bucket.take(now)


def digest(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()


def key_index(given: bytes, digests: Sequence[bytes]) -> int | None:
    """The index of the key whose SHA-256 is ``given``'s, comparing with every one in
    constant time (digests have one length, so not even a key's length shows)."""
    mine = digest(given)
    found = None
    for i, other in enumerate(digests):
        if hmac.compare_digest(mine, other):
            found = i
    return found


class AccessGuard:
    def __init__(self, app: ASGIApp, api_keys: Sequence[str], limiter: RateLimiter | None) -> None:
        self.app = app
        self.keys = [digest(k.encode("utf-8")) for k in api_keys]
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        client = f"addr:{(scope.get('client') or ('unknown', 0))[0]}"
        authorised = not self.keys
        if self.keys:
            given = dict(scope.get("headers") or []).get(b"x-api-key", b"")
            index = key_index(given, self.keys)
            if index is not None:
                authorised = True
                client = f"key:{index}"
        if self.limiter is not None:
            wait = self.limiter.wait(client)
            if wait > 0:
                retry = max(1, math.ceil(wait))
                await send_json(
                    send,
                    429,
                    {"detail": f"rate limit exceeded; retry after {retry} s"},
                    [(b"retry-after", str(retry).encode())],
                )
                return
        if not authorised:
            await send_json(
                send, 401, {"detail": f"missing or invalid API key in the {API_KEY_HEADER} header"}
            )
            return
        await self.app(scope, receive, send)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    if headers:
        out["headers"] = headers
    return out


def _document(schema: dict[str, Any], keys: bool, limits: bool) -> None:
    """Add the key scheme and the 401 and 429 answers to every guarded operation."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault(
        "ErrorResponse",
        {
            "title": "ErrorResponse",
            "type": "object",
            "properties": {"detail": {"title": "Detail", "type": "string"}},
            "required": ["detail"],
        },
    )
    if keys:
        components.setdefault("securitySchemes", {})["APIKeyHeader"] = {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
        }
    for path, operations in schema.get("paths", {}).items():
        if path in OPEN_PATHS:
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if keys:
                operation["security"] = [{"APIKeyHeader": []}]
                responses["401"] = _error("Missing or invalid API key")
            if limits:
                responses["429"] = _error(
                    "Rate limit exceeded",
                    {
                        "Retry-After": {
                            "description": "Seconds to wait before trying again",
                            "schema": {"type": "integer"},
                        }
                    },
                )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guard (when keys or limits are set) and document it in the OpenAPI schema."""
    keys = bool(settings.api_keys)
    limits = settings.rate_limit_per_minute > 0
    if not keys and not limits:
        return
    limiter = RateLimiter(settings.rate_limit_per_minute) if limits else None
    app.add_middleware(AccessGuard, api_keys=list(settings.api_keys), limiter=limiter)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document(build(), keys, limits)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
