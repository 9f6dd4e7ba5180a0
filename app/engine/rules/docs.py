"""Render ``docs/rules.md`` from the rule and fact files (the data is the documentation).

``python -m app.engine.rules.docs > docs/rules.md``; a test fails when the
committed file is out of date.
"""

from __future__ import annotations

import re

from app.engine.facts import load_facts
from app.engine.rules.loader import load_rules

_MARK = re.compile(r"<marker>(.*?)</marker>")


def render() -> str:
    facts = load_facts()
    rules = load_rules(set(facts))
    out = [
        "# Rules",
        "",
        "Generated from `app/engine/data/rules/*.yml` by `python -m app.engine.rules.docs > docs/rules.md`;",
        "do not edit by hand. Each rule's examples are run by `tests/engine/test_rule_examples.py`.",
        f"Rules version `{rules.version}`.",
        "",
        'Context: unless a rule says otherwise, a match that is negated ("not FDA-approved"), hedged',
        '("may help") or attributed in order to criticise it ("clinics claim ... but") is dropped;',
        "a rule may instead `downgrade` (one severity lower) or `ignore` each of the three.",
        "",
    ]
    for cat in sorted(rules.categories.values(), key=lambda c: c.id):
        out += [f"## {cat.id}", "", f"**{cat.name}.** {cat.description}", ""]
        out += [
            f"Default severity `{cat.default_severity}`. Facts: "
            + ", ".join(f"`{f}`" for f in cat.facts)
            + ".",
            "",
        ]
        for rule in cat.rules:
            out += [f"### `{rule.id}`", ""]
            out += [
                f"- kind `{rule.kind}`, severity `{rule.severity}`, context "
                + ", ".join(f"{k} {v}" for k, v in rule.context.items())
            ]
            out += [f"- message: {rule.message}", f"- suggestion: {rule.suggestion}"]
            cited = [facts[f] for f in rule.facts]
            out += ["- facts: " + "; ".join(f"`{f.id}` ({f.authority}: {f.source})" for f in cited)]
            out += ["- flags: " + " / ".join(_MARK.sub(r"**\1**", ex) for ex in rule.examples.flag)]
            out += ["- passes: " + " / ".join(rule.examples.passing), ""]
    out += [
        "## Facts",
        "",
        "| id | authority | statement | source | verified |",
        "|---|---|---|---|---|",
    ]
    for f in facts.values():
        out.append(
            f"| `{f.id}` | {f.authority} | {f.statement} | {f.source} | {'yes' if f.verified else 'no'} |"
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(), end="")
