"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` describes each rule that has a result (help
text and ``helpUri``); each result has its rule, a level (``error``,
``warning``, or ``note`` for a suggestion), a message with the suggestion and
the cited fact, and a physical location with a region (lines and columns in
Unicode code points, as ``columnKind`` says).  Findings about a whole page
point at its first line.  Paths are relative to ``%SRCROOT%``, the working
folder, which is the repository's root in CI.  Tests validate the output
against the official 2.1.0 schema.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from app import __version__
from app.cli.catalog import Catalog, RuleInfo
from app.cli.output.json import Streamed, dump
from app.cli.results import CheckedFile, RunResult
from app.engine import DocumentFinding, Finding
from app.engine.rules.loader import DOCS_URL

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/redflag-health/redflag"
LEVELS = {"error": "error", "warning": "warning", "suggestion": "note"}
SRCROOT = "%SRCROOT%"


def _uri(path: str) -> dict[str, str]:
    if path.startswith("/"):
        return {"uri": PurePosixPath(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _describe(rid: str, example: Finding | DocumentFinding, catalog: Catalog) -> RuleInfo:
    if rid in catalog.rules:
        return catalog.rules[rid]
    category = getattr(example, "category", "")
    cat = catalog.categories.get(category)
    if cat is not None:  # a model finding: described by its category
        return RuleInfo(
            rid,
            category,
            f"{cat.name} (model)",
            example.severity,
            cat.description,
            example.message,
            example.suggestion,
            cat.help_url,
        )
    return RuleInfo(  # a document finding
        rid,
        category,
        rid,
        example.severity,
        example.message,
        example.message,
        example.suggestion,
        f"{DOCS_URL}#{rid}",
    )


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    help_text = f"{info.message}\n\nSuggestion: {info.suggestion}"
    help_md = f"**{info.message}**\n\nSuggestion: {info.suggestion}"
    if info.help_url:
        help_text += f"\n\nMore: {info.help_url}"
        help_md += f"\n\n[About this rule]({info.help_url})"
    d: dict[str, Any] = {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.message},
        "fullDescription": {"text": info.description or info.message},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {"tags": ["health-content", *([info.category] if info.category else [])]},
    }
    if info.category:
        d["properties"]["category"] = info.category
    if info.help_url:
        d["helpUri"] = info.help_url
    return d


def _message(x: Finding | DocumentFinding) -> str:
    parts = [x.message]
    if isinstance(x, Finding):
        parts.append(f"Flagged: \u201c{' '.join(x.text.split())}\u201d.")
    if x.suggestion:
        parts.append(f"Suggestion: {x.suggestion}")
    if x.facts:
        fact = x.facts[0]
        parts.append(f"Fact ({fact.authority}): {fact.statement} Source: {fact.source}")
    return " ".join(parts)


def _fingerprint(rid: str, path: str, text: str, occurrence: int) -> str:
    key = "\0".join((rid, path, " ".join(text.split()), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _results(f: CheckedFile, rule_index: dict[str, int], baseline: bool) -> list[dict[str, Any]]:
    out = []
    seen: Counter[tuple[str, str]] = Counter()
    artifact = _uri(f.path)  # the file's, shared by its results (made once: ~40% of the time)
    for x in f.all_findings():
        if isinstance(x, Finding):
            region: dict[str, Any] = {
                "startLine": x.line,
                "startColumn": x.column,
                "endLine": x.end_line,
                "endColumn": x.end_column,
                "charOffset": x.start,
                "charLength": x.end - x.start,
                "snippet": {"text": x.text},
            }
            text = x.text
            props: dict[str, Any] = {
                "category": x.category,
                "source": x.source,
                "confidence": round(x.confidence, 4),
            }
        else:
            region = {"startLine": 1}
            text = ""
            props = {"scope": "document"}
        props["facts"] = [fact.id for fact in x.facts]
        if isinstance(x, Finding) and x.contradicts:
            props["contradicts"] = list(x.contradicts)
        seen[(x.id, text)] += 1
        result: dict[str, Any] = {
            "ruleId": x.id,
            "ruleIndex": rule_index[x.id],
            "level": LEVELS[x.severity],
            "message": {"text": _message(x)},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
            "partialFingerprints": {
                "redflagFinding/v1": _fingerprint(x.id, f.path, text, seen[(x.id, text)])
            },
            "properties": props,
        }
        if baseline:
            result["baselineState"] = "new"
        out.append(result)
    return out


def to_dict(result: RunResult) -> dict[str, Any]:
    examples: dict[str, Finding | DocumentFinding] = {}
    for f in result.files:
        for x in f.all_findings():
            examples.setdefault(x.id, x)
    ids = sorted(examples)
    rule_index = {rid: i for i, rid in enumerate(ids)}
    rules = [_descriptor(_describe(rid, examples[rid], result.catalog)) for rid in ids]
    baseline = result.baseline is not None
    results = Streamed(r for f in result.files for r in _results(f, rule_index, baseline))
    summary = result.summary()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "redflag",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "filesChecked": summary.files,
                    "suppressed": summary.suppressed,
                    "baselined": summary.baselined,
                    "versions": dict(result.versions),
                },
            }
        ],
    }


def write(result: RunResult, out: TextIO, color: bool) -> None:
    dump(to_dict(result), out)
