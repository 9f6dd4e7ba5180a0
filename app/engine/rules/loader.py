"""Load, validate and compile the rule files (``data/rules/*.yml``) once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from app.engine.finding import CATEGORIES
from app.engine.rules.conditions import ConditionMatcher
from app.engine.rules.kinds import Match, PhraseMatcher, compile_pattern, compile_re2
from app.engine.rules.schema import Category, Rule, RuleError, parse_category

DOCS_URL = "https://github.com/redflag-health/redflag/blob/main/docs/rules.md"


@dataclass
class CompiledRule:
    rule: Rule
    pattern: Any | None  # RE2 for tokens/regex rules
    exceptions: tuple[Any, ...]


class RuleSet:
    """Every rule of every category, compiled; ``find`` runs them all over a text."""

    def __init__(self, categories: list[Category], fact_ids: set[str]) -> None:
        self.categories = {c.id: c for c in categories}
        seen: dict[str, str] = {}
        self.rules: dict[str, CompiledRule] = {}
        self._phrases = PhraseMatcher()
        self._patterns: list[CompiledRule] = []
        condition_rules: list[Rule] = []
        for cat in categories:
            for fid in cat.facts:
                if fid not in fact_ids:
                    raise RuleError(
                        f"{cat.rules[0].path if cat.rules else cat.id}: cites unknown fact {fid!r}"
                    )
            for rule in cat.rules:
                if rule.id in seen:
                    raise RuleError(
                        f"{rule.path}: duplicate rule id {rule.id!r} (also in {seen[rule.id]})"
                    )
                seen[rule.id] = rule.path
                for fid in rule.facts:
                    if fid not in fact_ids:
                        raise RuleError(f"{rule.path}: rule {rule.id!r} cites unknown fact {fid!r}")
                where = f"{rule.path}: rule {rule.id!r}"
                exceptions = tuple(compile_re2(p, where + " exception") for p in rule.exceptions)
                compiled = CompiledRule(rule, None, exceptions)
                if rule.kind == "phrases":
                    phrases = rule.spec.get("phrases")
                    if (
                        not isinstance(phrases, list)
                        or not phrases
                        or not all(isinstance(p, str) for p in phrases)
                    ):
                        raise RuleError(
                            f"{where}: a phrases rule needs a non-empty 'phrases' list of strings"
                        )
                    for p in phrases:
                        self._phrases.add(p, rule)
                elif rule.kind in ("tokens", "regex"):
                    compiled.pattern = compile_pattern(rule)
                    self._patterns.append(compiled)
                else:
                    condition_rules.append(rule)
                self.rules[rule.id] = compiled
        self._phrases.build()
        self._conditions = ConditionMatcher(condition_rules)
        self.version = ""

    def find(self, norm: str, sentences: list[tuple[int, int]]) -> list[Match]:
        """All raw matches (before context), in no particular order."""
        matches = self._phrases.find(norm)
        if self._patterns:
            data = norm.encode("utf-8", "replace")  # a lone surrogate becomes one "?"
            char_of_byte: Any = None
            if len(data) != len(norm):
                raw = np.frombuffer(data, dtype=np.uint8)
                char_of_byte = np.append(np.cumsum((raw & 0xC0) != 0x80) - 1, len(norm))
            for compiled in self._patterns:
                pattern: Any = compiled.pattern
                for m in pattern.finditer(data):
                    s, e = m.span()
                    if e > s:
                        if char_of_byte is not None:
                            # the end byte is one past the last matched byte: map the last byte, plus one
                            s, e = int(char_of_byte[s]), int(char_of_byte[e - 1]) + 1
                        matches.append(Match(s, e, compiled.rule))
        matches.extend(self._conditions.find(norm, sentences))
        return matches

    def excepted(self, rule_id: str, sentence_norm: str) -> bool:
        return any(p.search(sentence_norm) for p in self.rules[rule_id].exceptions)


def rules_dir() -> Any:
    return resources.files("app.engine").joinpath("data/rules")


def load_rules(fact_ids: set[str], directory: Path | None = None) -> RuleSet:
    base: Any = directory if directory is not None else rules_dir()
    files = sorted((p for p in base.iterdir() if p.name.endswith(".yml")), key=lambda p: p.name)
    digest = hashlib.sha256()
    categories: list[Category] = []
    for path in files:
        shown = str(path) if directory is not None else f"app/engine/data/rules/{path.name}"
        text = path.read_text("utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode())
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleError(f"{shown}: invalid YAML: {exc}") from None
        cat = parse_category(data, shown, DOCS_URL)
        if cat.id not in CATEGORIES:
            raise RuleError(f"{shown}: unknown category {cat.id!r}; expected one of {CATEGORIES}")
        if path.name != f"{cat.id}.yml":
            raise RuleError(f"{shown}: the file of category {cat.id!r} must be named {cat.id}.yml")
        categories.append(cat)
    ruleset = RuleSet(categories, fact_ids)
    ruleset.version = digest.hexdigest()[:12]
    return ruleset
