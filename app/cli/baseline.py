"""Baselines: record today's findings, and from then on fail only on new ones.

A finding is matched by its rule id, its file and its text (white space
folded), never by its line, so editing around a known finding does not make
it new.  Counts are kept: a page that had one "completely safe" and now has
two has one new finding.  File paths are stored relative to the baseline
file's folder, so the check can be run from anywhere.

The file is JSON, sorted for small diffs::

    {"schema_version": 1, "tool": "redflag",
     "findings": [{"rule": "absolute-safety.risk-free", "file": "docs/knee.md",
                   "text": "completely safe", "count": 1}]}
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from app.cli.results import CheckedFile

BASELINE_SCHEMA_VERSION = 1
Key = tuple[str, str, str]


class BaselineError(ValueError):
    """The baseline file cannot be read or written."""


def _fold(text: str) -> str:
    return " ".join(text.split())


def _file_key(f: CheckedFile, base: Path) -> str:
    path = f.target.path
    if path is None:
        return f.path
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _keys(f: CheckedFile, base: Path) -> list[Key]:
    name = _file_key(f, base)
    keys = [(x.id, name, _fold(x.text)) for x in f.report.findings]
    keys += [(d.id, name, "") for d in f.report.document_findings]
    return keys


def write(path: Path, files: list[CheckedFile]) -> int:
    """Record the findings of ``files`` in ``path``; return how many."""
    counts: Counter[Key] = Counter()
    for f in files:
        counts.update(_keys(f, path.parent))
    entries = [
        {"rule": rule, "file": file, "text": text, "count": n}
        for (rule, file, text), n in sorted(
            counts.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])
        )
    ]
    doc = {"schema_version": BASELINE_SCHEMA_VERSION, "tool": "redflag", "findings": entries}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    return sum(counts.values())


def load(path: Path) -> Counter[Key]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a redflag baseline (not JSON: {exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not a redflag baseline (no 'findings' list)")
    if doc.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise BaselineError(
            f"{path}: baseline schema_version {doc.get('schema_version')!r} is not "
            f"{BASELINE_SCHEMA_VERSION}; record it again with --update-baseline"
        )
    counts: Counter[Key] = Counter()
    for i, e in enumerate(doc["findings"]):
        try:
            key = (str(e["rule"]), str(e["file"]), _fold(str(e["text"])))
            counts[key] += int(e.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(
                f"{path}: findings[{i}]: expected an object with rule, file, text and count"
            ) from None
    return counts


def apply(path: Path, files: list[CheckedFile], known: Counter[Key]) -> list[CheckedFile]:
    """``files`` without the findings the baseline has (each match used up once)."""
    left = Counter(known)
    out = []
    for f in files:
        name = _file_key(f, path.parent)
        findings = []
        dropped = 0
        for x in f.report.findings:
            key = (x.id, name, _fold(x.text))
            if left[key] > 0:
                left[key] -= 1
                dropped += 1
            else:
                findings.append(x)
        docs = []
        for d in f.report.document_findings:
            key = (d.id, name, "")
            if left[key] > 0:
                left[key] -= 1
                dropped += 1
            else:
                docs.append(d)
        if dropped:
            report = replace(f.report, findings=tuple(findings), document_findings=tuple(docs))
            f = replace(f, report=report, baselined=f.baselined + dropped)
        out.append(f)
    return out
