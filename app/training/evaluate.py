"""``redflag eval``: the full engine (rules, model, context) on a labelled JSONL file.

Sentence mode (items with ``labels``): each item's text is checked as one
document; its predicted set is the categories of its findings (document
findings do not count).  Document mode (items with ``label``): ROC AUC of the
risk score, promotional against cautionary, and the mean score per label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from app.engine import Engine
from app.training.data import (
    DataError,
    PageItem,
    SentenceItem,
    parse_page,
    parse_sentence,
    read_jsonl,
)
from app.training.metrics import label_matrix, roc_auc, sentence_metrics

BATCH = 256


def read_eval_file(path: Path) -> tuple[str, list[SentenceItem] | list[PageItem]]:
    """("sentence", items) or ("document", items); DataError names the line on bad input."""
    sentences: list[SentenceItem] = []
    pages: list[PageItem] = []
    for n, obj in read_jsonl(path):
        where = f"{path}:{n}"
        if "labels" in obj:
            if pages:
                raise DataError(f"{where}: sentence item in a document-mode file")
            sentences.append(parse_sentence(obj, where, need_group=False))
        elif "label" in obj:
            if sentences:
                raise DataError(f"{where}: document item in a sentence-mode file")
            pages.append(parse_page(obj, where))
        else:
            raise DataError(
                f"{where}: an item needs 'labels' (sentence mode) or 'label' (document mode)"
            )
    if sentences:
        return "sentence", sentences
    if pages:
        return "document", pages
    raise DataError(f"{path}: no items")


def evaluate_sentences(engine: Engine, items: list[SentenceItem]) -> dict[str, Any]:
    predicted: list[set[str]] = []
    for i in range(0, len(items), BATCH):
        chunk = items[i : i + BATCH]
        reports = engine.check_many([(it.text, "text") for it in chunk])
        predicted.extend({f.category for f in r.findings} for r in reports)
    y_true = label_matrix([it.labels for it in items])
    y_pred = label_matrix(predicted)
    caution = np.array([it.caution for it in items])
    return sentence_metrics(y_true, y_pred, caution)


def evaluate_documents(engine: Engine, items: list[PageItem]) -> dict[str, Any]:
    scores: dict[str, list[float]] = {}
    for i in range(0, len(items), BATCH):
        chunk = items[i : i + BATCH]
        for it, r in zip(
            chunk, engine.check_many([(it.text, "text") for it in chunk]), strict=True
        ):
            scores.setdefault(it.label, []).append(float(r.risk.score))
    auc = roc_auc(scores.get("promotional", []), scores.get("cautionary", []))
    return {
        "auc": None if np.isnan(auc) else round(auc, 4),
        "mean_score": {k: round(float(np.mean(v)), 2) for k, v in sorted(scores.items())},
        "n": {k: len(v) for k, v in sorted(scores.items())},
    }


def format_sentence_report(m: dict[str, Any]) -> str:
    lines = [f"{'category':<28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for c, v in m["per_label"].items():
        lines.append(
            f"{c:<28} {v['precision']:>9.3f} {v['recall']:>7.3f} {v['f1']:>6.3f} {v['support']:>8}"
        )
    lines += [
        "",
        f"macro F1 {m['macro_f1']:.3f}   micro F1 {m['micro_f1']:.3f}   items {m['n_items']}",
        f"false-positive rate on clean items {m['clean_fpr']:.3f} ({m['n_clean']} clean)",
        f"false-positive rate on cautions    {m['caution_fpr']:.3f} ({m['n_caution']} cautions)",
    ]
    return "\n".join(lines)


def format_document_report(m: dict[str, Any]) -> str:
    auc = "n/a (needs promotional and cautionary items)" if m["auc"] is None else f"{m['auc']:.3f}"
    lines = [f"ROC AUC of risk score, promotional vs cautionary: {auc}"]
    for label, score in m["mean_score"].items():
        lines.append(f"mean score {label:<12} {score:6.2f}  (n={m['n'][label]})")
    return "\n".join(lines)
