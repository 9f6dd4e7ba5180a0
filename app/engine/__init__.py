"""The checking engine: a pure library (no web, no CLI).

>>> from app.engine import Engine, CheckOptions
>>> engine = Engine(model_dir=Path("model"))
>>> report = engine.check(text, "markdown", CheckOptions(min_severity="warning"))

The finding types, the options and the rules' error are imported with the package;
``Engine``, ``FORMATS`` and ``ModelError`` when first asked for (PEP 562), because
they bring numpy, RE2, Bling Fire and the text adapters: ``redflag serve``'s
supervisor and the CLI's argument parser name the engine's types without loading it
(its import is ~0.35 s, a tenth of the service's start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from app.engine.finding import (
    CATEGORIES,
    REPORT_SCHEMA_VERSION,
    SEVERITIES,
    DocumentFinding,
    Fact,
    Finding,
    Report,
    Risk,
    severity_rank,
)
from app.engine.options import CheckOptions
from app.engine.rules.schema import RuleError

if TYPE_CHECKING:
    from app.engine.checker import Engine
    from app.engine.formats import FORMATS
    from app.engine.model import ModelError

# name -> the module that defines it, imported on first use
_LAZY = {
    "Engine": "app.engine.checker",
    "FORMATS": "app.engine.formats",
    "ModelError": "app.engine.model",
}

__all__ = [
    "CATEGORIES",
    "FORMATS",
    "REPORT_SCHEMA_VERSION",
    "SEVERITIES",
    "CheckOptions",
    "DocumentFinding",
    "Engine",
    "Fact",
    "Finding",
    "ModelError",
    "Report",
    "Risk",
    "RuleError",
    "severity_rank",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
