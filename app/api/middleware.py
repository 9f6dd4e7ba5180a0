"""ASGI middleware: body limits and content types, request ids and privacy-safe logs.

``BodyGuard`` answers 415 when a POST to a JSON endpoint is not JSON and 413
when a body is larger than ``max_body_bytes`` (by Content-Length, or counted
as it streams).  ``RequestLog`` gives every request an id (``X-Request-ID``,
taken from the client when it is sane) and logs one JSON line per request with
method, path, status, sizes and duration, and what the route noted for it with
:func:`note_for_log` (a check's items, characters, findings, text hash and time):
never the body, never the text.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("redflag.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


async def send_json(
    send: Send, status: int, payload: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = orjson.dumps(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


def note_for_log(scope: Scope, **fields: object) -> None:
    """Fields for the request's one log line (``RequestLog``), from the route that answers
    it; the formatter writes only whitelisted ones (app/core/logging.py)."""
    scope.setdefault("state", {}).setdefault("log", {}).update(fields)


class BodyGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, json_paths: tuple[str, ...]) -> None:
        self.app = app
        self.max = max_body_bytes
        self.json_paths = json_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        if path in self.json_paths:
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype != b"application/json":
                await send_json(
                    send,
                    415,
                    {
                        "detail": f"Content-Type must be application/json, not {ctype.decode('latin-1') or 'missing'!r}"
                    },
                )
                return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_json(send, 400, {"detail": "invalid Content-Length header"})
                return
            if declared > self.max:
                await send_json(
                    send,
                    413,
                    {
                        "detail": f"request body of {declared} bytes is over the limit of {self.max} bytes"
                    },
                )
                return
        received = 0
        started = False
        too_large = False

        async def counted_receive() -> Message:
            # Past the limit the app is told the client went away (an exception raised here
            # would be turned into a 400 by the body parser), and its answer is replaced.
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not too_large or started:
                raise
        if too_large and not started:
            await send_json(
                send, 413, {"detail": f"request body is over the limit of {self.max} bytes"}
            )


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        t0 = time.perf_counter()
        status = 500
        bytes_in = 0
        bytes_out = 0

        async def recv() -> Message:
            nonlocal bytes_in
            message = await receive()
            if message["type"] == "http.request":
                bytes_in += len(message.get("body", b""))
            return message

        async def snd(message: Message) -> None:
            nonlocal status, bytes_out
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif message["type"] == "http.response.body":
                bytes_out += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, recv, snd)
        finally:
            extra = {
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
                "duration_ms": round((time.perf_counter() - t0) * 1000, 2),
            }
            noted = scope["state"].get("log")
            if noted:
                extra.update(noted)
            log.info("request", extra=extra)
