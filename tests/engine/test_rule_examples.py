"""Every example of every rule, run through the engine (rules and context, no model)."""

from __future__ import annotations

import re

import pytest

from app.engine import Engine
from app.engine.facts import load_facts
from app.engine.rules.loader import load_rules

MARKER = re.compile(r"<marker>(.*?)</marker>", re.DOTALL)
RULESET = load_rules(set(load_facts()))
RULES = [c.rule for c in RULESET.rules.values()]


def _cases(kind: str) -> list[tuple[str, str]]:
    cases = []
    for rule in RULES:
        examples = rule.examples.flag if kind == "flag" else rule.examples.passing
        cases.extend((rule.id, ex) for ex in examples)
    return cases


def test_every_rule_has_examples() -> None:
    for rule in RULES:
        assert len(rule.examples.flag) >= 2, rule.id
        assert len(rule.examples.passing) >= 2, rule.id


def test_rule_ids_unique_and_every_category_has_a_file() -> None:
    from app.engine import CATEGORIES

    assert set(RULESET.categories) == set(CATEGORIES)
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize(("rule_id", "example"), _cases("flag"), ids=lambda v: str(v)[:60])
def test_flag_example(rules_engine: Engine, rule_id: str, example: str) -> None:
    marked = MARKER.search(example)
    assert marked is not None
    text = example[: marked.start()] + marked.group(1) + example[marked.end() :]
    start = marked.start()
    end = start + len(marked.group(1))
    report = rules_engine.check(text)
    hits = [f for f in report.findings if f.id == rule_id]
    assert hits, (
        f"{rule_id} did not flag {text!r}; findings: {[(f.id, f.text) for f in report.findings]}"
    )
    assert any((f.start, f.end) == (start, end) for f in hits), (
        f"{rule_id} flagged {[f.text for f in hits]} instead of {marked.group(1)!r}"
    )


@pytest.mark.parametrize(("rule_id", "example"), _cases("pass"), ids=lambda v: str(v)[:60])
def test_pass_example(rules_engine: Engine, rule_id: str, example: str) -> None:
    report = rules_engine.check(example)
    hits = [f.text for f in report.findings if f.id == rule_id]
    assert not hits, f"{rule_id} flagged {hits} in {example!r}"
