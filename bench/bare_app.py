"""The framework's ceiling for ``bench/bench_service.py``: a bare FastAPI endpoint.

``POST /check`` parses the same JSON body as redflag's (``text`` and ``format``,
validated by pydantic) and returns a constant; ``GET /health`` answers for the
readiness poll. Run by the benchmark as
``uvicorn bench.bare_app:app --workers 2``.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class Body(BaseModel):
    text: str
    format: str = "text"


app = FastAPI(title="bare")


@app.post("/check")
async def check(body: Body) -> dict[str, str]:
    return {"status": "ok"}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
