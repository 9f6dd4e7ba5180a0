"""The shipped classifier: one scikit-learn Pipeline, loaded only after its hash is checked.

``model/`` holds ``redflag.joblib`` (a Pipeline from raw sentence to a
probability for each category) and ``metadata.json`` (its SHA-256, the library
versions it was trained with, the training-data hash, parameters, per-category
thresholds and cross-validated scores).  Unpickling runs code, so
:func:`load_model` refuses an artifact whose hash or scikit-learn version does
not match the metadata, before it unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.finding import CATEGORIES

ARTIFACT_NAME = "redflag.joblib"
METADATA_NAME = "metadata.json"


class ModelError(RuntimeError):
    """The model artifact is missing, altered, or was trained with other library versions."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Linear:
    """The classifier step of the Pipeline as matrices: one sparse product for all
    categories and calibration folds, instead of 24 estimator calls, each with
    scikit-learn's per-call validation overhead (about 45 ms per request)."""

    weights: np.ndarray  # dense (n_features, n_categories * n_folds)
    intercepts: np.ndarray
    slopes: np.ndarray  # sigmoid calibration a_
    offsets: np.ndarray  # sigmoid calibration b_
    n_folds: int

    def predict_proba(self, features: Any) -> np.ndarray:
        decision = np.asarray(features @ self.weights) + self.intercepts
        proba = 1.0 / (1.0 + np.exp(self.slopes * decision + self.offsets))
        return np.asarray(proba.reshape(proba.shape[0], -1, self.n_folds).mean(axis=2))


def _compile_linear(pipeline: Any) -> _Linear | None:
    """Matrices equivalent to a one-vs-rest of sigmoid-calibrated linear models, or None."""
    try:
        clf = pipeline.steps[-1][1]
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
        return _Linear(
            weights=np.ascontiguousarray(np.stack(columns, axis=1)),
            intercepts=np.array(intercepts),
            slopes=np.array(slopes),
            offsets=np.array(offsets),
            n_folds=n_folds,
        )
    except (AttributeError, ValueError, TypeError):
        return None


# Sentences to check, at load, that the compiled path agrees with the Pipeline.
_PROBES = [
    "Our stem cell injections are completely safe and FDA approved.",
    "There are no FDA-approved exosome products.",
    "Call now for a FREE consultation!",
    "Thousands of patients have been treated in our clinics.",
    "",
]


@dataclass
class Model:
    pipeline: Any
    metadata: dict[str, Any]
    thresholds: np.ndarray  # one per category, in CATEGORIES order
    _linear: _Linear | None = None

    def __post_init__(self) -> None:
        linear = _compile_linear(self.pipeline)
        if linear is not None:
            features = self.pipeline[:-1].transform(_PROBES)
            if np.allclose(
                linear.predict_proba(features), self.pipeline.predict_proba(_PROBES), atol=1e-9
            ):
                self._linear = linear

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", self.metadata.get("sha256", "")[:12]))

    def predict_proba(self, sentences: list[str]) -> np.ndarray:
        """Probabilities, shape (len(sentences), len(CATEGORIES)); one call for all sentences."""
        if not sentences:
            return np.zeros((0, len(CATEGORIES)))
        if self._linear is not None:
            return self._linear.predict_proba(self.pipeline[:-1].transform(sentences))
        return np.asarray(self.pipeline.predict_proba(sentences), dtype=float)


def load_model(directory: Path) -> Model:
    artifact = directory / ARTIFACT_NAME
    meta_path = directory / METADATA_NAME
    if not artifact.is_file() or not meta_path.is_file():
        raise ModelError(
            f"no model in {directory}: expected {ARTIFACT_NAME} and {METADATA_NAME} "
            "(run `redflag train` to build one)"
        )
    try:
        metadata = json.loads(meta_path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable model metadata: {exc}") from None
    expected = metadata.get("sha256")
    actual = file_sha256(artifact)
    if expected != actual:
        raise ModelError(
            f"{artifact}: SHA-256 {actual} does not match {expected} recorded in {meta_path}; "
            "refusing to load a model file that may have been altered"
        )
    import sklearn

    trained_with = metadata.get("versions", {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelError(
            f"{artifact} was trained with scikit-learn {trained_with}, but {sklearn.__version__} "
            "is installed; install the pinned versions (requirements.lock) or retrain"
        )
    if list(metadata.get("categories", [])) != list(CATEGORIES):
        raise ModelError(f"{meta_path}: the model's categories do not match the engine's")
    import joblib

    pipeline = joblib.load(artifact)
    thresholds = np.array([float(metadata["thresholds"][c]) for c in CATEGORIES])
    return Model(pipeline=pipeline, metadata=metadata, thresholds=thresholds)
