"""Rules are data: one YAML file per category, validated once at load.

A category file holds the category's name, description, default severity and
default facts, and a list of rules.  Each rule is one of a small closed set of
kinds (see :mod:`app.engine.rules.kinds`) and carries its message, severity,
suggested rewrite, cited fact ids, known false-positive patterns
(``exceptions``), how context changes it, and its own examples: sentences it
must flag, with the flagged span marked ``<marker>...</marker>``, and
sentences it must pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine.finding import SEVERITIES

RULE_KINDS = ("phrases", "tokens", "regex", "conditions")
CONTEXT_POLICIES = ("suppress", "downgrade", "ignore")
CONTEXT_KEYS = ("negation", "hedge", "attribution")


class RuleError(ValueError):
    """A rule or fact file is invalid; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Examples:
    flag: tuple[str, ...]
    passing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    kind: str
    severity: str
    message: str
    suggestion: str
    facts: tuple[str, ...]
    spec: dict[str, Any]  # the kind's own fields (phrases, tokens, pattern, ...)
    exceptions: tuple[str, ...]
    context: dict[str, str]
    confidence: float
    examples: Examples
    path: str
    help_url: str


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str
    description: str
    default_severity: str
    facts: tuple[str, ...]
    message: str  # for findings the model raises in this category
    suggestion: str
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    help_url: str = ""


DEFAULT_CONTEXT = {"negation": "suppress", "hedge": "suppress", "attribution": "suppress"}


def _req(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in obj:
        raise RuleError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise RuleError(f"{where}: field {key!r} must be {kind.__name__}")
    return value


def _str_list(
    obj: dict[str, Any], key: str, where: str, *, required: bool = False
) -> tuple[str, ...]:
    if key not in obj:
        if required:
            raise RuleError(f"{where}: missing field {key!r}")
        return ()
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: field {key!r} must be a list of strings")
    return tuple(value)


def parse_category(data: Any, path: str, docs_url: str) -> Category:
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping at the top level")
    cat_id = _req(data, "category", str, path)
    default_sev = _req(data, "default_severity", str, path)
    if default_sev not in SEVERITIES:
        raise RuleError(f"{path}: default_severity {default_sev!r} is not one of {SEVERITIES}")
    cat_facts = _str_list(data, "facts", path)
    help_url = f"{docs_url}#{cat_id}"
    raw_rules = _req(data, "rules", list, path)
    rules = tuple(
        _parse_rule(r, i, cat_id, default_sev, cat_facts, path, help_url)
        for i, r in enumerate(raw_rules)
    )
    return Category(
        id=cat_id,
        name=_req(data, "name", str, path),
        description=_req(data, "description", str, path),
        default_severity=default_sev,
        facts=cat_facts,
        message=_req(data, "message", str, path),
        suggestion=_req(data, "suggestion", str, path),
        rules=rules,
        help_url=help_url,
    )


def _parse_rule(
    raw: Any,
    index: int,
    cat_id: str,
    default_sev: str,
    cat_facts: tuple[str, ...],
    path: str,
    help_url: str,
) -> Rule:
    where = f"{path}: rule #{index + 1}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: expected a mapping")
    rule_id = _req(raw, "id", str, where)
    where = f"{path}: rule {rule_id!r}"
    if not rule_id.startswith(cat_id + "."):
        raise RuleError(f"{where}: id must start with the category, {cat_id + '.'!r}")
    kind = _req(raw, "kind", str, where)
    if kind not in RULE_KINDS:
        raise RuleError(f"{where}: kind {kind!r} is not one of {RULE_KINDS}")
    severity = raw.get("severity", default_sev)
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity {severity!r} is not one of {SEVERITIES}")
    context = dict(DEFAULT_CONTEXT)
    raw_ctx = raw.get("context", {})
    if not isinstance(raw_ctx, dict):
        raise RuleError(f"{where}: context must be a mapping")
    for key, value in raw_ctx.items():
        if key not in CONTEXT_KEYS:
            raise RuleError(f"{where}: context key {key!r} is not one of {CONTEXT_KEYS}")
        if value not in CONTEXT_POLICIES:
            raise RuleError(f"{where}: context {key} {value!r} is not one of {CONTEXT_POLICIES}")
        context[key] = value
    examples = raw.get("examples")
    if not isinstance(examples, dict):
        raise RuleError(f"{where}: missing examples (a mapping with 'flag' and 'pass' lists)")
    flag = _str_list(examples, "flag", where + " examples", required=True)
    passing = _str_list(examples, "pass", where + " examples", required=True)
    if len(flag) < 2 or len(passing) < 2:
        raise RuleError(f"{where}: needs at least two 'flag' and two 'pass' examples")
    for ex in flag:
        if ex.count("<marker>") != 1 or ex.count("</marker>") != 1:
            raise RuleError(
                f"{where}: flag example must mark one span with <marker>...</marker>: {ex!r}"
            )
    confidence = raw.get("confidence", 0.9)
    if not isinstance(confidence, (int, float)) or not 0 < confidence <= 1:
        raise RuleError(f"{where}: confidence must be a number in (0, 1]")
    spec = {k: v for k, v in raw.items() if k not in _COMMON_FIELDS}
    return Rule(
        id=rule_id,
        category=cat_id,
        kind=kind,
        severity=severity,
        message=_req(raw, "message", str, where),
        suggestion=_req(raw, "suggestion", str, where),
        facts=_str_list(raw, "facts", where) or cat_facts,
        spec=spec,
        exceptions=_str_list(raw, "exceptions", where),
        context=context,
        confidence=float(confidence),
        examples=Examples(flag, passing),
        path=path,
        help_url=help_url,
    )


_COMMON_FIELDS = frozenset(
    {
        "id",
        "kind",
        "severity",
        "message",
        "suggestion",
        "facts",
        "exceptions",
        "context",
        "confidence",
        "examples",
    }
)
