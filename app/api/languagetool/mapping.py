"""How redflag's categories, severities and citations read in LanguageTool's terms.

==========================  ==========================================================
redflag                     LanguageTool
==========================  ==========================================================
category ``absolute-safety``  ``rule.category.id`` ``ABSOLUTE_SAFETY`` (upper case,
                            ``_`` for ``-``); ``name`` is the category's name
severity ``error``          ``rule.issueType`` ``legal``: a claim of the kind the FDA
                            and FTC act on; ``type.typeName`` ``Other``
severity ``warning``        ``issueType`` ``register``: promotional language out of place
                            in health writing; ``typeName`` ``Other``
severity ``suggestion``     ``issueType`` ``style``; ``typeName`` ``Hint``; reported only
                            with ``level=picky``
rule id                     ``rule.id`` unchanged (``absolute-safety.risk-free``, or
                            ``model.<category>`` for the classifier)
cited facts                 ``rule.urls``: each fact's source (its URL, or the corpus
                            file it quotes), then the rule's documentation
==========================  ==========================================================

docs/languagetool.md documents the same table for users.
"""

from __future__ import annotations

from app.engine import Fact, Finding
from app.engine.rules.loader import DOCS_URL

ISSUE_TYPES: dict[str, str] = {"error": "legal", "warning": "register", "suggestion": "style"}
TYPE_NAMES: dict[str, str] = {"error": "Other", "warning": "Other", "suggestion": "Hint"}
LEVEL_MIN_SEVERITY: dict[str, str] = {"default": "warning", "picky": "suggestion"}

REPO_URL = DOCS_URL.split("/blob/", 1)[0]
CORPUS_URL = f"{REPO_URL}/blob/main/training_data/corpus/"


def category_id(category: str) -> str:
    """``absolute-safety`` -> ``ABSOLUTE_SAFETY``."""
    return category.upper().replace("-", "_")


def fact_url(fact: Fact) -> str:
    """Where a reader can check the fact: its URL, or the corpus file its quote stands in."""
    if fact.url:
        return fact.url
    if fact.source.startswith(("http://", "https://")):
        return fact.source
    return CORPUS_URL + fact.source


def rule_urls(finding: Finding) -> list[str]:
    """The sources of the finding's cited facts, most relevant first, then the rule's docs."""
    urls: list[str] = []
    for fact in finding.facts:
        url = fact_url(fact)
        if url not in urls:
            urls.append(url)
    if finding.rule_url and finding.rule_url not in urls:
        urls.append(finding.rule_url)
    return urls
