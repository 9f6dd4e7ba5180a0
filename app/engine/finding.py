"""The one finding type that flows from the engine to every output.

Every shell (REST service, CLI, LanguageTool API, scanner, extension) renders
these types; none defines its own.  ``REPORT_SCHEMA_VERSION`` versions the JSON
form produced by :func:`Report.to_dict` (documented in docs/json-format.md).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

REPORT_SCHEMA_VERSION = "1.0"

CATEGORIES: tuple[str, ...] = (
    "absolute-safety",
    "efficacy-overclaim",
    "approval-misrepresentation",
    "broad-spectrum",
    "call-to-action",
    "availability-normalization",
    "testimonial",
    "evidence-inflation",
)

SEVERITIES: tuple[str, ...] = ("suggestion", "warning", "error")
Severity = Literal["suggestion", "warning", "error"]
FindingSource = Literal["rule", "model"]


def severity_rank(severity: str) -> int:
    """0 for suggestion, 1 for warning, 2 for error."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Fact:
    """A regulatory fact, from the corpus (with its exact quote) or an external URL."""

    id: str
    statement: str
    authority: str
    source: str  # a corpus file name, or a URL
    kind: Literal["corpus", "external"]
    quote: str | None = None
    url: str | None = None
    verified: bool = True
    categories: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    contradicted_by: tuple[str, ...] = ()  # categories whose claims contradict this fact

    # its JSON form, made once (a report cites each fact many times); to_dict copies it
    _json: dict[str, Any] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        json_form = {
            "id": self.id,
            "statement": self.statement,
            "authority": self.authority,
            "source": self.source,
            "kind": self.kind,
            "quote": self.quote,
            "url": self.url,
            "verified": self.verified,
        }
        object.__setattr__(self, "_json", json_form)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._json)


@dataclass(frozen=True, slots=True)
class Finding:
    """One red flag at one span of the caller's original input."""

    id: str  # the rule id, or ``model.<category>``
    category: str
    severity: Severity
    message: str
    start: int  # character offset into the caller's input
    end: int
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int  # 1-based, exclusive
    text: str  # exactly input[start:end]
    suggestion: str
    source: FindingSource
    confidence: float
    facts: tuple[Fact, ...] = ()
    contradicts: tuple[str, ...] = ()  # ids of facts the claim contradicts
    sentence_start: int = 0
    sentence_end: int = 0
    rule_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.text,
            "suggestion": self.suggestion,
            "source": self.source,
            "confidence": round(self.confidence, 4),
            "facts": [f.to_dict() for f in self.facts],
            "contradicts": list(self.contradicts),
            "sentence": {"start": self.sentence_start, "end": self.sentence_end},
        }

    def __reduce__(self) -> tuple[Callable[..., Finding], tuple[Any, ...]]:
        # pickled as its values, made again by ``make_finding`` (the CLI's workers send
        # reports back): half the time of the default, which sets each field by name
        return (_finding_from, _finding_values(self))


def _positional_maker(cls: type) -> Callable[..., Any]:
    """A function that makes ``cls(*values)`` of a frozen slots dataclass, every field
    given, at half the cost: the generated ``__init__`` sets each field with
    ``object.__setattr__`` (looked up by name each time); this sets each slot through
    its descriptor, bound once.  Generated as dataclasses generates ``__init__``."""
    names = [f.name for f in fields(cls)]
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def make({', '.join(names)}):", "    made = new(cls)"]
    for k, name in enumerate(names):
        env[f"set_{k}"] = cls.__dict__[name].__set__
        lines.append(f"    set_{k}(made, {name})")
    lines.append("    return made")
    exec("\n".join(lines), env)  # the code made above, from the class's own field names
    maker: Callable[..., Any] = env["make"]
    return maker


# ``Finding(*values)`` for the engine, which makes one per surviving finding
make_finding: Callable[..., Finding] = _positional_maker(Finding)
_finding_values = operator.attrgetter(*(f.name for f in fields(Finding)))


def _finding_from(*values: Any) -> Finding:
    """A pickled :class:`Finding` made again (``Finding.__reduce__``)."""
    return make_finding(*values)


@dataclass(frozen=True, slots=True)
class DocumentFinding:
    """A finding about the whole document, e.g. ``missing-risk-disclosure``."""

    id: str
    severity: Severity
    message: str
    suggestion: str
    facts: tuple[Fact, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
            "facts": [f.to_dict() for f in self.facts],
        }


@dataclass(frozen=True, slots=True)
class Risk:
    score: int  # 0..100
    level: Literal["low", "medium", "high"]
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "level": self.level, "counts": dict(self.counts)}


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    document_findings: tuple[DocumentFinding, ...]
    risk: Risk
    suppressed: int = 0  # findings dropped by inline suppression comments
    stats: dict[str, int] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "risk": self.risk.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "document_findings": [d.to_dict() for d in self.document_findings],
            "suppressed": self.suppressed,
            "stats": dict(self.stats),
            "versions": dict(self.versions),
        }
