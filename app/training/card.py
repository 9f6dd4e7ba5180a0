"""The model card (``model/MODEL_CARD.md``) and its precision-recall plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from app.engine.finding import CATEGORIES

PLOT_NAME = "pr_curves.png"


def _table(metrics: dict[str, Any]) -> list[str]:
    rows = ["| category | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for c in CATEGORIES:
        m = metrics["per_label"][c]
        rows.append(
            f"| `{c}` | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
        )
    rows.append(
        f"| **macro / micro F1** | | | {metrics['macro_f1']:.3f} / {metrics['micro_f1']:.3f} | {metrics['n_items']} |"
    )
    return rows


def _plot(out_dir: Path, y: np.ndarray, oof: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    fig, axes = plt.subplots(2, 4, figsize=(14, 7), sharex=True, sharey=True)
    for i, (c, ax) in enumerate(zip(CATEGORIES, axes.ravel(), strict=True)):
        if y[:, i].any():
            prec, rec, _ = precision_recall_curve(y[:, i], oof[:, i])
            ax.plot(rec, prec)
        ax.set_title(c, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("recall")
    for ax in axes[:, 0]:
        ax.set_ylabel("precision")
    fig.suptitle("Model alone: out-of-fold precision-recall by category (group 5-fold CV)")
    fig.tight_layout()
    fig.savefig(out_dir / PLOT_NAME, dpi=80, metadata={"Software": None, "CreationDate": None})
    plt.close(fig)


def write_card(
    out_dir: Path, meta: dict[str, Any], y: np.ndarray, oof: np.ndarray, rules: np.ndarray
) -> None:
    _plot(out_dir, y, oof)
    cv = meta["cv"]
    td = meta["training_data"]
    lines = [
        "# Model card: redflag sentence classifier",
        "",
        f"Version `{meta['version']}` (SHA-256 `{meta['sha256']}`), built by `redflag train` "
        f"with seed {meta['seed']}. Training data SHA-256: `{td['sha256']}`.",
        "",
        "## Intended use",
        "Scores each sentence of health writing about regenerative medicine (stem cells, MSCs, exosomes, PRP,",
        "cell and gene therapies) for eight promotional red-flag categories. It runs inside the redflag engine,",
        "next to rules and context cues; a category above its threshold confirms a rule's finding or raises",
        'its own (`source: "model"`). It is a screening aid for editors, readers and regulators, not a',
        "judgement on any treatment, clinic or person, and not medical advice.",
        "",
        "## Limits",
        "- Trained on about four thousand hand-written sentences paraphrasing the styles of real pages; real",
        "  pages in other registers, languages or topics outside regenerative medicine are out of scope.",
        "- A bag of word n-grams: it sees no context beyond its sentence; negation, hedging and critical",
        "  quotation are handled by the engine's context cues and by hard negatives in the data.",
        "- Findings in cautionary sentences are suppressed by the engine, so recall on claims wrapped in",
        "  warning vocabulary is lower by design.",
        "",
        "## Model",
        f"TF-IDF word 1-{meta['params']['ngram_max']} grams, one sigmoid-calibrated logistic regression per",
        f"category (C={meta['params']['C']}, balanced class weights). Thresholds, tuned out of fold for F1 with",
        "at most 0.4% new false positives among cautions per category:",
        "",
        "| category | threshold |",
        "|---|---:|",
        *[f"| `{c}` | {meta['thresholds'][c]:.2f} |" for c in CATEGORIES],
        "",
        "## Training data",
        f"{td['items']} items in {td['groups']} groups (pages or sources); {td['clean']} clean, of which "
        f"{td['cautions']} cautions. Positives per category: "
        + ", ".join(f"`{c}` {n}" for c, n in td["positives"].items())
        + ".",
        "",
        "## Cross-validated scores",
        f"Scheme: {cv['scheme']}; no group is in two folds. **Engine** = rules with context plus the model,",
        "as `redflag eval` runs it; predicted set = categories of the item's findings.",
        "",
        "### Engine (rules + model)",
        *_table(cv["engine"]),
        "",
        f"False-positive rate on clean items {cv['engine']['clean_fpr']:.3f}; on cautions "
        f"{cv['engine']['caution_fpr']:.3f}.",
        "",
        "### Model alone",
        *_table(cv["model_only"]),
        "",
        "### Rules alone",
        *_table(cv["rules_only"]),
        "",
    ]
    if "documents" in meta:
        d = meta["documents"]
        lines += [
            "## Documents",
            f"Risk score ROC AUC, promotional against cautionary pages: {d['auc']:.3f} "
            f"(pages: {d['n']}; mean score by label: {d['mean_score']}). These pages are not used for fitting.",
            "",
        ]
    lines += [
        "## Precision-recall",
        f"![precision-recall curves]({PLOT_NAME})",
        "",
        "## Library versions",
        *[f"- {k} {v}" for k, v in meta["versions"].items()],
        "",
        "The engine scores with `redflag.npz`, the same model as plain arrays (checked against the",
        "Pipeline on every training sentence when exported; loaded without unpickling). The service",
        "refuses to load it when its SHA-256 differs from `metadata.json` or the installed numpy differs",
        "from the version above, and refuses `redflag.joblib` (used only when the arrays are absent) when",
        "its SHA-256 or the installed scikit-learn differs.",
        "",
    ]
    (out_dir / "MODEL_CARD.md").write_text("\n".join(lines), "utf-8")
