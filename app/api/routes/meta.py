"""``/health``, ``/version``, ``/rules`` and ``/facts``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from app.api.deps import get_engine
from app.api.responses import FastJSONResponse
from app.api.schemas import FactsResponse, Health, RulesResponse, Versions
from app.engine import REPORT_SCHEMA_VERSION, Engine

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=Health)
async def health(engine: Engine = Depends(get_engine)) -> Any:
    """Liveness: the engine is loaded and answering."""
    return {"status": "ok", "model_loaded": engine.model is not None}


@router.get("/version", response_model=Versions)
async def version(engine: Engine = Depends(get_engine)) -> Any:
    """Versions of the app, the rules and the model, and of the JSON report schema."""
    return {**engine.versions, "schema_version": REPORT_SCHEMA_VERSION}


@router.get("/rules", response_model=RulesResponse)
async def rules(engine: Engine = Depends(get_engine)) -> Any:
    """Every rule, by category, with its message, suggestion and cited facts."""
    cats = []
    for cat in engine.rules.categories.values():
        cats.append(
            {
                "id": cat.id,
                "name": cat.name,
                "description": cat.description,
                "default_severity": cat.default_severity,
                "rules": [
                    {
                        "id": r.id,
                        "category": r.category,
                        "kind": r.kind,
                        "severity": r.severity,
                        "message": r.message,
                        "suggestion": r.suggestion,
                        "facts": list(r.facts),
                        "help_url": r.help_url,
                    }
                    for r in cat.rules
                ],
            }
        )
    return FastJSONResponse({"version": engine.rules.version, "categories": cats})


@router.get("/facts", response_model=FactsResponse)
async def facts(engine: Engine = Depends(get_engine)) -> Any:
    """The regulatory fact base: corpus facts with their quotes, external facts with their URLs."""
    return FastJSONResponse({"facts": [f.to_dict() for f in engine.facts.facts.values()]})
