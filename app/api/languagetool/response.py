"""A redflag :class:`~app.engine.Report` written as LanguageTool's v2 ``/check`` answer.

The shape follows LanguageTool's ``RuleMatchesAsJsonSerializer``: ``software``,
``warnings``, ``language`` and ``matches``, each match with ``offset`` and
``length`` in UTF-16 units of the original (annotated) text and a 40-unit
``context``.  Findings are selected here with LanguageTool's semantics
(``level``, ``enabledOnly``, disabled rules and categories).
"""

from __future__ import annotations

from typing import Any

from app import __version__
from app.api.languagetool.mapping import (
    ISSUE_TYPES,
    LEVEL_MIN_SEVERITY,
    TYPE_NAMES,
    category_id,
    rule_urls,
)
from app.api.languagetool.request import CheckParams, Language
from app.api.languagetool.text import Utf16
from app.engine import Engine, Finding, Report, severity_rank

API_VERSION = 1
CONTEXT_SIZE = 40


def selected(finding: Finding, params: CheckParams) -> bool:
    """Whether LanguageTool would report the finding under these parameters.

    ``level=default`` reports warnings and errors, ``level=picky`` suggestions too.
    With ``enabledOnly`` only the enabled rules and categories count; otherwise
    every rule is on (redflag has no rules that are off by default) except the
    disabled ones.  Model findings have the rule id ``model.<category>``.
    """
    if severity_rank(finding.severity) < severity_rank(LEVEL_MIN_SEVERITY[params.level]):
        return False
    if params.enabled_only:
        return finding.id in params.enabled_rules or finding.category in params.enabled_categories
    return (
        finding.id not in params.disabled_rules
        and finding.category not in params.disabled_categories
    )


def software(engine: Engine) -> dict[str, Any]:
    created = str(engine.model.metadata.get("created", "")) if engine.model is not None else ""
    build_date = created.replace("T", " ").replace("Z", " +0000") if created else ""
    return {
        "name": "redflag",
        "version": __version__,
        "buildDate": build_date,
        "apiVersion": API_VERSION,
        "premium": False,
        "status": "",
    }


def language_section(language: Language) -> dict[str, Any]:
    """redflag checks English only and detects nothing: the detected language is the one checked."""
    own = {"name": language.name, "code": language.long_code}
    return {**own, "detectedLanguage": {**own, "confidence": 1.0}}


def _message(finding: Finding) -> str:
    parts = [finding.message, finding.suggestion]
    if finding.facts:
        fact = finding.facts[0]
        authority = fact.authority if fact.verified else f"{fact.authority} (unverified)"
        parts.append(f"{authority}: {fact.statement}")
    return " ".join(p.strip() for p in parts if p.strip())


def _describe(engine: Engine, finding: Finding) -> tuple[str, str]:
    """The rule's description and its category's name."""
    category = engine.rules.categories.get(finding.category)
    name = category.name if category is not None else finding.category
    compiled = engine.rules.rules.get(finding.id)
    if compiled is not None:
        return compiled.rule.message, name
    return (category.message if category is not None else finding.message), name


def check_response(engine: Engine, report: Report, params: CheckParams) -> dict[str, Any]:
    text = params.text
    original = Utf16(text.original)
    matches: list[tuple[int, int, dict[str, Any]]] = []
    for f in report.findings:
        if not selected(f, params) or f.end <= f.start:
            continue
        start, end = text.to_original(f.start, f.end)
        offset, end16 = original.offset(start), original.offset(end)
        context, context_offset = original.context(start, end, CONTEXT_SIZE)
        description, category_name = _describe(engine, f)
        matches.append(
            (
                offset,
                end16,
                {
                    "message": _message(f),
                    "shortMessage": category_name,
                    "replacements": [],
                    "offset": offset,
                    "length": end16 - offset,
                    "context": {
                        "text": context,
                        "offset": context_offset,
                        "length": end16 - offset,
                    },
                    "sentence": text.plain[f.sentence_start : f.sentence_end].strip(),
                    "type": {"typeName": TYPE_NAMES[f.severity]},
                    "rule": {
                        "id": f.id,
                        "description": description,
                        "issueType": ISSUE_TYPES[f.severity],
                        "urls": [{"value": url} for url in rule_urls(f)],
                        "category": {"id": category_id(f.category), "name": category_name},
                    },
                    "ignoreForIncompleteSentence": True,
                    "contextForSureMatch": -1,
                },
            )
        )
    matches.sort(key=lambda m: (m[0], m[1]))
    return {
        "software": software(engine),
        "warnings": {"incompleteResults": False},
        "language": language_section(params.language),
        "matches": [m for _, _, m in matches],
    }
