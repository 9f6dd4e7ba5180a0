"""The classifier: one scikit-learn Pipeline from a raw sentence to eight probabilities.

TF-IDF over word 1-3 grams (sublinear, accents stripped) feeds one calibrated
logistic regression per category (one-vs-rest; sigmoid calibration with
3-fold internal cross-validation).  Character n-grams were left out: they cost
about 70% of the vectorising time for little gain here (issue 7).
"""

from __future__ import annotations

from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

DEFAULT_PARAMS: dict[str, Any] = {
    "ngram_max": 3,
    "min_df": 2,
    "C": 8.0,
    "class_weight": "balanced",
    "calibration_cv": 3,
    "max_features": 200_000,
}


def build_pipeline(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    p = {**DEFAULT_PARAMS, **(params or {})}
    vectorizer = TfidfVectorizer(
        lowercase=True,
        strip_accents="unicode",
        ngram_range=(1, int(p["ngram_max"])),
        min_df=int(p["min_df"]),
        max_features=int(p["max_features"]),
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w[\w'%-]*\b|[!?$%]",
        dtype=__import__("numpy").float32,
    )
    base = LogisticRegression(
        C=float(p["C"]),
        class_weight=p["class_weight"],
        max_iter=2000,
        solver="liblinear",
        random_state=seed,
    )
    clf = OneVsRestClassifier(
        CalibratedClassifierCV(base, method="sigmoid", cv=int(p["calibration_cv"])),
        n_jobs=None,
    )
    return Pipeline([("tfidf", vectorizer), ("clf", clf)])
