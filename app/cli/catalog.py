"""What the rules are: ids (to validate configuration) and descriptions (for SARIF).

Built from the local rule set, or from a service's ``GET /rules`` with
``--server``, so both describe the rules that actually ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine import CATEGORIES

# findings about a whole document; the engine raises them, they have no rule file
DOCUMENT_FINDING_IDS = frozenset({"missing-risk-disclosure"})


@dataclass(frozen=True)
class RuleInfo:
    id: str
    category: str
    name: str
    severity: str
    description: str  # what the rule finds (its category's description)
    message: str
    suggestion: str
    help_url: str


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    name: str
    description: str
    default_severity: str
    help_url: str


@dataclass(frozen=True)
class Catalog:
    rules: Mapping[str, RuleInfo]
    categories: Mapping[str, CategoryInfo]
    version: str = ""

    @property
    def ids(self) -> frozenset[str]:
        """Every id a configuration may name: categories, rules, model and document findings."""
        return (
            frozenset(CATEGORIES)
            | frozenset(self.rules)
            | frozenset(f"model.{c}" for c in CATEGORIES)
            | DOCUMENT_FINDING_IDS
        )

    def category_of(self, rule_id: str) -> str | None:
        if rule_id in self.rules:
            return self.rules[rule_id].category
        if rule_id.startswith("model."):
            cat = rule_id.removeprefix("model.")
            return cat if cat in CATEGORIES else None
        return None

    def rules_of(self, category: str) -> list[str]:
        return [r.id for r in self.rules.values() if r.category == category]

    @classmethod
    def from_ruleset(cls, categories: Mapping[str, Any], version: str) -> Catalog:
        """From the engine's ``RuleSet.categories`` (``app.engine.rules.schema.Category``)."""
        rules: dict[str, RuleInfo] = {}
        cats: dict[str, CategoryInfo] = {}
        for cat in categories.values():
            cats[cat.id] = CategoryInfo(
                cat.id, cat.name, cat.description, cat.default_severity, cat.help_url
            )
            for r in cat.rules:
                rules[r.id] = RuleInfo(
                    r.id,
                    r.category,
                    cat.name,
                    r.severity,
                    cat.description,
                    r.message,
                    r.suggestion,
                    r.help_url,
                )
        return cls(rules, cats, version)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Catalog:
        """From the JSON of a service's ``GET /rules``."""
        rules: dict[str, RuleInfo] = {}
        cats: dict[str, CategoryInfo] = {}
        for cat in data.get("categories", []):
            help_url = next((r.get("help_url", "") for r in cat.get("rules", [])), "")
            cats[cat["id"]] = CategoryInfo(
                cat["id"],
                cat.get("name", cat["id"]),
                cat.get("description", ""),
                cat.get("default_severity", "warning"),
                help_url,
            )
            for r in cat.get("rules", []):
                rules[r["id"]] = RuleInfo(
                    r["id"],
                    r.get("category", cat["id"]),
                    cat.get("name", cat["id"]),
                    r.get("severity", "warning"),
                    cat.get("description", ""),
                    r.get("message", ""),
                    r.get("suggestion", ""),
                    r.get("help_url", ""),
                )
        return cls(rules, cats, str(data.get("version", "")))
