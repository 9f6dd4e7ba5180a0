"""Labelled data: reading, validating and hashing ``training_data/``.

Sentence items (``sentences/*.jsonl`` and ``corpus_labels.jsonl``):
``{"id", "text", "labels": [...], "group", "source_kind", "caution"}``.
Page items (``pages/*.jsonl``): ``{"id", "text", "label", "group", "source_kind"}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from app.engine.finding import CATEGORIES

DOC_LABELS = ("promotional", "cautionary", "mixed")


class DataError(ValueError):
    """A labelled-data file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class SentenceItem:
    id: str
    text: str
    labels: tuple[str, ...]
    group: str
    caution: bool
    source_kind: str = ""


@dataclass(frozen=True, slots=True)
class PageItem:
    id: str
    text: str
    label: str
    group: str


def read_jsonl(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(line number, object) for each non-blank line; DataError names the file and line."""
    try:
        with path.open(encoding="utf-8") as fh:
            lines = list(enumerate(fh, 1))
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8: {exc.reason}") from None
    out = []
    for n, line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{n}: not valid JSON: {exc.msg}") from None
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{n}: each line must be a JSON object")
        out.append((n, obj))
    return out


def parse_sentence(obj: dict[str, object], where: str, *, need_group: bool = True) -> SentenceItem:
    text = obj.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: 'text' must be a string")
    labels = obj.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise DataError(f"{where}: 'labels' must be a list of category ids")
    unknown = [x for x in labels if x not in CATEGORIES]
    if unknown:
        raise DataError(f"{where}: unknown labels {unknown}; expected some of {list(CATEGORIES)}")
    item_id = obj.get("id", where)
    group = obj.get("group", item_id)
    if need_group and not isinstance(obj.get("group"), str):
        raise DataError(f"{where}: 'group' must be a string")
    caution = obj.get("caution", False)
    if not isinstance(caution, bool):
        raise DataError(f"{where}: 'caution' must be true or false")
    return SentenceItem(
        str(item_id),
        text,
        tuple(sorted(set(labels))),
        str(group),
        caution,
        str(obj.get("source_kind", "")),
    )


def parse_page(obj: dict[str, object], where: str) -> PageItem:
    text, label = obj.get("text"), obj.get("label")
    if not isinstance(text, str):
        raise DataError(f"{where}: 'text' must be a string")
    if label not in DOC_LABELS:
        raise DataError(f"{where}: 'label' must be one of {list(DOC_LABELS)}")
    item_id = obj.get("id", where)
    return PageItem(str(item_id), text, str(label), str(obj.get("group", item_id)))


def sentence_files(root: Path) -> list[Path]:
    files = sorted((root / "sentences").glob("*.jsonl"))
    corpus = root / "corpus_labels.jsonl"
    if corpus.is_file():
        files.append(corpus)
    return files


def load_sentences(root: Path) -> list[SentenceItem]:
    items: list[SentenceItem] = []
    seen: set[str] = set()
    for path in sentence_files(root):
        for n, obj in read_jsonl(path):
            item = parse_sentence(obj, f"{path}:{n}")
            if item.id in seen:
                raise DataError(f"{path}:{n}: duplicate id {item.id!r}")
            seen.add(item.id)
            items.append(item)
    if not items:
        raise DataError(f"{root}: no labelled sentences found (expected sentences/*.jsonl)")
    return items


def load_pages(root: Path) -> list[PageItem]:
    items: list[PageItem] = []
    for path in sorted((root / "pages").glob("*.jsonl")):
        for n, obj in read_jsonl(path):
            items.append(parse_page(obj, f"{path}:{n}"))
    return items


def data_hash(root: Path) -> str:
    """SHA-256 over every labelled file, by relative path and content."""
    h = hashlib.sha256()
    files = [*sentence_files(root), *sorted((root / "pages").glob("*.jsonl"))]
    for path in files:
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()
