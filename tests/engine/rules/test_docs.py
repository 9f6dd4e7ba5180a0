"""docs/rules.md is generated from the rule files and must be up to date."""

from __future__ import annotations

from pathlib import Path

from app.engine.rules.docs import render

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    assert DOC.read_text("utf-8") == render(), (
        "regenerate: python -m app.engine.rules.docs > docs/rules.md"
    )
