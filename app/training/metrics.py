"""Multi-label metrics shared by ``redflag train`` and ``redflag eval``."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine.finding import CATEGORIES


def label_matrix(label_sets: list[tuple[str, ...]] | list[set[str]]) -> np.ndarray:
    y = np.zeros((len(label_sets), len(CATEGORIES)), dtype=bool)
    index = {c: i for i, c in enumerate(CATEGORIES)}
    for r, labels in enumerate(label_sets):
        for c in labels:
            y[r, index[c]] = True
    return y


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def sentence_metrics(y_true: np.ndarray, y_pred: np.ndarray, caution: np.ndarray) -> dict[str, Any]:
    per_label: dict[str, dict[str, float]] = {}
    tps = fps = fns = 0
    f1s = []
    for i, c in enumerate(CATEGORIES):
        t, p = y_true[:, i], y_pred[:, i]
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        tps, fps, fns = tps + tp, fps + fp, fns + fn
        prec, rec, f1 = _prf(tp, fp, fn)
        per_label[c] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": int(t.sum()),
        }
        f1s.append(f1)
    clean: np.ndarray = np.asarray(~y_true.any(axis=1))
    flagged: np.ndarray = np.asarray(y_pred.any(axis=1))
    caution_clean: np.ndarray = np.asarray(caution & clean)
    return {
        "macro_f1": round(float(np.mean(f1s)), 4),
        "micro_f1": round(_prf(tps, fps, fns)[2], 4),
        "per_label": per_label,
        "clean_fpr": round(float(flagged[clean].mean()) if clean.any() else 0.0, 4),
        "caution_fpr": round(
            float(flagged[caution_clean].mean()) if caution_clean.any() else 0.0, 4
        ),
        "n_items": len(y_true),
        "n_clean": int(clean.sum()),
        "n_caution": int(caution_clean.sum()),
    }


def roc_auc(scores_pos: list[float], scores_neg: list[float]) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    if not scores_pos or not scores_neg:
        return float("nan")
    wins = 0.0
    for a in scores_pos:
        for b in scores_neg:
            wins += 1.0 if a > b else 0.5 if a == b else 0.0
    return wins / (len(scores_pos) * len(scores_neg))
