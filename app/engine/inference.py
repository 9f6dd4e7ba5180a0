"""The shipped classifier as plain arrays: TF-IDF features and calibrated linear models.

``redflag train`` fits a scikit-learn Pipeline (TF-IDF, then one-vs-rest
sigmoid-calibrated logistic regressions), keeps it as ``redflag.joblib`` and
exports what inference needs to ``redflag.npz``: the vocabulary in feature
order, idf weights, and per category and calibration fold a weight column, an
intercept and the sigmoid's two parameters.  The export is checked against the
Pipeline on every training sentence before it is written.

Loading it is ``numpy.load(allow_pickle=False)``: no pickled code runs, and the
service never imports scikit-learn, which cost each worker about 1.2 s and
140 MB.  Scoring is one pass of :class:`~app.engine.features.TfidfFeatures`
and one sparse-times-dense product for all categories and folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.features import Features, TfidfFeatures
from app.engine.native import native_module

_SMALL = 256  # cells up to which the product is done in numpy (measured: 14 against
# 37 us for one sentence, 117 against 63 us for a 5 KB page of 1,300 cells)


@dataclass
class LinearHead:
    """One-vs-rest of sigmoid-calibrated linear models as matrices: one product for all
    categories and calibration folds, then the sigmoid and the mean over folds."""

    weights: np.ndarray  # (n_features, n_categories * n_folds), float64
    intercepts: np.ndarray
    slopes: np.ndarray  # sigmoid calibration a_
    offsets: np.ndarray  # sigmoid calibration b_
    n_folds: int
    native: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.native = native_module()

    @classmethod
    def from_classifier(cls, clf: Any) -> LinearHead | None:
        """The matrices of a fitted ``OneVsRestClassifier(CalibratedClassifierCV(linear,
        method="sigmoid"))``, or ``None`` for any other classifier."""
        try:
            columns, intercepts, slopes, offsets = [], [], [], []
            n_folds = None
            for est in clf.estimators_:
                calibrated = est.calibrated_classifiers_
                if est.method != "sigmoid" or (n_folds is not None and len(calibrated) != n_folds):
                    return None
                n_folds = len(calibrated)
                for cc in calibrated:
                    (cal,) = cc.calibrators
                    columns.append(np.asarray(cc.estimator.coef_, dtype=np.float64).ravel())
                    intercepts.append(float(np.ravel(cc.estimator.intercept_)[0]))
                    slopes.append(float(cal.a_))
                    offsets.append(float(cal.b_))
            if n_folds is None:
                return None
            return cls(
                weights=np.ascontiguousarray(np.stack(columns, axis=1)),
                intercepts=np.array(intercepts),
                slopes=np.array(slopes),
                offsets=np.array(offsets),
                n_folds=n_folds,
            )
        except (AttributeError, ValueError, TypeError):
            return None

    def decision(self, features: Features) -> np.ndarray:
        """``features @ weights + intercepts``, shape (n_rows, n_categories * n_folds)."""
        if self.native is not None:
            # the C loop: no per-call cost, the same sums in the same order as scipy's
            return np.asarray(
                self.native.product(
                    features.rows, features.columns, features.values, self.weights, features.n_rows
                )
                + self.intercepts
            )
        if len(features.values) <= _SMALL:
            # a sentence or two: numpy, without building a scipy matrix
            # (whose checks cost more than the product at this size)
            out = np.zeros((features.n_rows, self.weights.shape[1]))
            if len(features.values):
                rows = features.rows
                part = features.values.astype(np.float64)[:, None] * self.weights[features.columns]
                starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
                out[rows[starts]] = np.add.reduceat(part, starts, axis=0)
            return np.asarray(out + self.intercepts)
        # scipy's sparse product is ~4x faster than numpy's gather-and-sum at this size;
        # imported here, so workers that only ever see pages start without it
        import scipy.sparse as sp

        matrix = sp.csr_matrix(
            (features.values, features.columns, features.indptr()),
            shape=(features.n_rows, features.n_columns),
        )
        return np.asarray(matrix @ self.weights + self.intercepts)

    def predict_proba(self, features: Features) -> np.ndarray:
        if self.native is not None and 0 < self.n_folds < 8:
            # the same steps in C around numpy's exp (whose own loop stays), without
            # seven small numpy calls (~75 us a page)
            z = self.native.product(
                features.rows, features.columns, features.values, self.weights, features.n_rows
            )
            self.native.calibrate(z, self.intercepts, self.slopes, self.offsets)
            return np.asarray(self.native.fold_means(np.exp(z), self.n_folds))
        proba = 1.0 / (1.0 + np.exp(self.slopes * self.decision(features) + self.offsets))
        # the mean over folds as numpy's ``mean`` computes it (the same sum, then one
        # division), without its per-call cost
        folds = proba.reshape(proba.shape[0], -1, self.n_folds)
        return np.asarray(np.add.reduce(folds, axis=2) / self.n_folds)


class InferenceError(ValueError):
    """An inference file that cannot be read or does not hold a model."""


_FORMAT = 1


@dataclass
class CompiledModel:
    """TF-IDF features and a linear head: sentences in, one probability per category out."""

    features: TfidfFeatures
    head: LinearHead

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> CompiledModel | None:
        """The arrays of a fitted ``Pipeline([("tfidf", ...), ("clf", ...)])``, or
        ``None`` if its steps are of another kind."""
        try:
            if len(pipeline.steps) != 2:
                return None
            features = TfidfFeatures.from_vectorizer(pipeline.steps[0][1])
            head = LinearHead.from_classifier(pipeline.steps[1][1])
        except (AttributeError, TypeError):
            return None
        if features is None or head is None:
            return None
        if head.weights.shape[0] != features.n_features:
            return None
        return cls(features, head)

    def predict_proba(self, sentences: list[str]) -> np.ndarray:
        return self.head.predict_proba(self.features.transform(sentences))

    def save(self, path: Path) -> None:
        f, h = self.features, self.head
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                format=np.array(_FORMAT),
                terms=np.array(f.terms, dtype=str),
                idf=f.idf,
                token_pattern=np.array(f.token_pattern),
                options=np.array([f.max_n, f.strip_accents, f.sublinear_tf, f.l2_norm]),
                weights=h.weights,
                intercepts=h.intercepts,
                slopes=h.slopes,
                offsets=h.offsets,
                n_folds=np.array(h.n_folds),
            )

    @classmethod
    def load(cls, path: Path) -> CompiledModel:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["format"]) != _FORMAT:
                    raise InferenceError(f"{path}: inference format {int(z['format'])} unknown")
                max_n, strip, sublinear, l2 = (int(x) for x in z["options"])
                features = TfidfFeatures(
                    z["terms"].tolist(),
                    z["idf"],
                    str(z["token_pattern"]),
                    max_n=max_n,
                    strip_accents=bool(strip),
                    sublinear_tf=bool(sublinear),
                    l2_norm=bool(l2),
                )
                head = LinearHead(
                    weights=np.ascontiguousarray(z["weights"], dtype=np.float64),
                    intercepts=z["intercepts"],
                    slopes=z["slopes"],
                    offsets=z["offsets"],
                    n_folds=int(z["n_folds"]),
                )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            if isinstance(exc, InferenceError):
                raise
            raise InferenceError(f"{path}: not a redflag inference file: {exc}") from None
        if head.weights.shape[0] != features.n_features:
            raise InferenceError(f"{path}: weights do not match the vocabulary")
        return cls(features, head)
