"""The checking engine: a pure library (no web, no CLI).

>>> from app.engine import Engine, CheckOptions
>>> engine = Engine(model_dir=Path("model"))
>>> report = engine.check(text, "markdown", CheckOptions(min_severity="warning"))
"""

from app.engine.checker import CheckOptions, Engine
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
from app.engine.formats import FORMATS
from app.engine.model import ModelError
from app.engine.rules.schema import RuleError

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
