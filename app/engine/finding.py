"""The one finding type that flows from the engine to every output.

Every shell (REST service, CLI, LanguageTool API, scanner, extension) renders
these types; none defines its own.  ``REPORT_SCHEMA_VERSION`` versions the JSON
form produced by :func:`Report.to_dict` (documented in docs/json-format.md).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import orjson

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
    # the same form written as JSON once, which orjson copies into a report's JSON
    _fragment: orjson.Fragment = field(init=False, repr=False, compare=False, hash=False)

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
        object.__setattr__(self, "_fragment", orjson.Fragment(orjson.dumps(json_form)))

    def to_dict(self) -> dict[str, Any]:
        return dict(self._json)

    def __reduce__(self) -> tuple[Callable[..., Fact], tuple[Any, ...]]:
        # pickled as the values it was made of (an orjson Fragment does not pickle)
        return (Fact, _fact_values(self))


_fact_values = operator.attrgetter(*(f.name for f in fields(Fact) if f.init))


def rounded_confidence(confidence: float) -> float:
    """``round(confidence, 4)``, as a report's JSON gives it: remembered for floats,
    which a page's findings repeat (``round`` with digits costs ~0.5 us, through a
    decimal string).  Zero and anything not a float are rounded each time, so that
    ``-0.0`` and ``0`` keep their own forms."""
    if type(confidence) is not float or confidence == 0.0:
        return round(confidence, 4)
    done = _ROUNDED.get(confidence)
    if done is None:
        if len(_ROUNDED) >= _ROUNDED_MAX:
            _ROUNDED.clear()
        done = _ROUNDED[confidence] = round(confidence, 4)
    return done


_ROUNDED: dict[float, float] = {}
_ROUNDED_MAX = 4096


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
        """The finding's JSON form (docs/json-format.md), every value its own copy."""
        form = self.json_form()
        form["facts"] = [f.to_dict() for f in self.facts]
        form["contradicts"] = list(self.contradicts)
        return form

    def json_form(self) -> dict[str, Any]:
        """What orjson writes as :meth:`to_dict`'s JSON, made only to be written: each fact
        is its JSON written once (an orjson ``Fragment``) and nothing is copied."""
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
            "confidence": rounded_confidence(self.confidence),
            "facts": [f._fragment for f in self.facts],
            "contradicts": self.contradicts,
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
    """A pickled :class:`Finding` made again (``Finding.__reduce__``): by the C extension's
    ``SlotMaker`` where it is (the CLI's main process makes every finding its workers
    send back: ~1.2 us each, against ~2.6 us through ``make_finding``)."""
    return (slot_maker() or make_finding)(*values)


@functools.cache
def _native() -> Any:
    """The C extension where it makes findings (``SlotMaker``, ``finding_forms``), else
    ``None``; imported when first asked (it brings numpy), not with this module."""
    from app.engine.native import native_module

    native = native_module()
    return native if native is not None and hasattr(native, "finding_forms") else None


@functools.cache
def slot_maker() -> Callable[..., Finding] | None:
    """``make_finding`` in C, each value stored in its slot (``_native.SlotMaker``), or
    ``None`` without the extension: what the engine builds findings with, pickled
    findings are made again with, and ``finding_forms`` reads them back through."""
    native = _native()
    if native is None:
        return None
    maker: Callable[..., Finding] = native.SlotMaker(Finding, [f.name for f in fields(Finding)])
    return maker


@dataclass(frozen=True, slots=True)
class DocumentFinding:
    """A finding about the whole document, e.g. ``missing-risk-disclosure``."""

    id: str
    severity: Severity
    message: str
    suggestion: str
    facts: tuple[Fact, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        form = self.json_form()
        form["facts"] = [f.to_dict() for f in self.facts]
        return form

    def json_form(self) -> dict[str, Any]:
        """:meth:`to_dict` to be written by orjson (as :meth:`Finding.json_form`)."""
        return {
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
            "facts": [f._fragment for f in self.facts],
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
        """The report's versioned JSON form (docs/json-format.md), every value its own copy."""
        return self._form(
            [f.to_dict() for f in self.findings],
            [d.to_dict() for d in self.document_findings],
            dict(self.stats),
            dict(self.versions),
        )

    def json_form(self) -> dict[str, Any]:
        """What orjson writes as :meth:`to_dict`'s JSON, made only to be written (nothing
        copied, each fact's JSON written once); ``to_json`` writes it."""
        return self._form(
            _finding_forms(self.findings),
            [d.json_form() for d in self.document_findings],
            self.stats,
            self.versions,
        )

    def shared_form(self) -> dict[str, Any]:
        """What orjson writes as :meth:`to_dict`'s JSON with any of its options, indented
        included: :meth:`json_form` with each fact as its one dictionary, shared rather
        than copied (a fact's ``Fragment`` would be written as it is, on one line).  For
        the CLI's indented JSON, where copying every fact of every finding was most of
        the writing."""
        findings = _finding_forms(self.findings)
        for form, finding in zip(findings, self.findings, strict=True):
            form["facts"] = [fact._json for fact in finding.facts]
        document_findings = [d.json_form() for d in self.document_findings]
        for form, document in zip(document_findings, self.document_findings, strict=True):
            form["facts"] = [fact._json for fact in document.facts]
        return self._form(findings, document_findings, self.stats, self.versions)

    def _form(
        self,
        findings: list[dict[str, Any]],
        document_findings: list[dict[str, Any]],
        stats: dict[str, int],
        versions: dict[str, str],
    ) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "risk": self.risk.to_dict(),
            "findings": findings,
            "document_findings": document_findings,
            "suppressed": self.suppressed,
            "stats": stats,
            "versions": versions,
        }

    def to_json(self) -> bytes:
        """The report's versioned JSON form, the bytes of ``orjson.dumps(self.to_dict())``
        in about 40% of the time (58 against 140 us for the service benchmark's page).  The
        service's routes put ``json_form`` in their responses, which orjson writes alike;
        not for indented output, where a fact's JSON would stay on one line."""
        return orjson.dumps(self.json_form())


def _finding_forms(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    """Each finding's :meth:`Finding.json_form`, made in C when the extension is there."""
    maker = slot_maker()
    if maker is None:
        return [f.json_form() for f in findings]
    forms: list[dict[str, Any]] = _native().finding_forms(
        maker, findings, _ROUNDED, rounded_confidence
    )
    return forms
