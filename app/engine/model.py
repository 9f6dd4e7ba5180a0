"""The shipped classifier, loaded only after its files' hashes are checked.

``model/`` holds ``metadata.json`` (the files' SHA-256, the library versions
the model was trained with, the training-data hash, parameters, per-category
thresholds and cross-validated scores), ``redflag.joblib`` (the scikit-learn
Pipeline, from raw sentence to a probability per category) and
``redflag.npz``, the same model as plain arrays (:mod:`app.engine.inference`).

:func:`load_model` reads the arrays, never unpickling anything, and needs
neither scikit-learn nor joblib.  A model directory without ``redflag.npz``
(made by an older ``redflag train``) loads the Pipeline instead: unpickling
runs code, so that path refuses an artifact whose hash or scikit-learn version
does not match the metadata before it unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata as dist_metadata
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.finding import CATEGORIES
from app.engine.inference import CompiledModel, InferenceError

ARTIFACT_NAME = "redflag.joblib"
INFERENCE_NAME = "redflag.npz"
METADATA_NAME = "metadata.json"


class ModelError(RuntimeError):
    """The model artifact is missing, altered, or was trained with other library versions."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# Sentences on which a compiled model must agree with its Pipeline.
PROBES = [
    "Our stem cell injections are completely safe and FDA approved.",
    "There are no FDA-approved exosome products.",
    "Call now for a FREE consultation!",
    "Thousands of patients have been treated in our clinics.",
    "",
    "Ünïcödé ﬁrst-line thérapie: 100% ΣΟΦΟΣ results!?\nNew line's $5,000 offer",
    "a b c a b c a b c",
]


def agrees(compiled: CompiledModel, pipeline: Any, sentences: list[str]) -> bool:
    """The compiled model gives the Pipeline's probabilities (within 1e-6) on ``sentences``."""
    if not sentences:
        return True
    expected = np.asarray(pipeline.predict_proba(sentences), dtype=float)
    return bool(np.allclose(compiled.predict_proba(sentences), expected, rtol=0, atol=1e-6))


@dataclass
class Model:
    """Thresholds and metadata around a scorer: the compiled arrays, or a Pipeline that
    is compiled when it can be (checked on :data:`PROBES`) and used as it is otherwise."""

    pipeline: Any
    metadata: dict[str, Any]
    thresholds: np.ndarray  # one per category, in CATEGORIES order
    compiled: CompiledModel | None = None

    def __post_init__(self) -> None:
        if self.compiled is None and self.pipeline is not None:
            compiled = CompiledModel.from_pipeline(self.pipeline)
            if compiled is not None and agrees(compiled, self.pipeline, PROBES):
                self.compiled = compiled
        if self.compiled is None and self.pipeline is None:
            raise ValueError("a Model needs a Pipeline or a compiled model")

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", self.metadata.get("sha256", "")[:12]))

    def predict_proba(self, sentences: list[str]) -> np.ndarray:
        """Probabilities, shape (len(sentences), len(CATEGORIES)); one call for all sentences."""
        if not sentences:
            return np.zeros((0, len(CATEGORIES)))
        if self.compiled is not None:
            return self.compiled.predict_proba(sentences)
        return np.asarray(self.pipeline.predict_proba(sentences), dtype=float)


def _check_hash(path: Path, expected: object, meta_path: Path) -> None:
    actual = file_sha256(path)
    if expected != actual:
        raise ModelError(
            f"{path}: SHA-256 {actual} does not match {expected} recorded in {meta_path}; "
            "refusing to load a model file that may have been altered"
        )


def _installed(dist: str) -> str | None:
    try:
        return dist_metadata.version(dist)
    except dist_metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class ModelFiles:
    """A model directory whose files passed their hash and version checks."""

    metadata: dict[str, Any]
    thresholds: np.ndarray
    arrays: Path | None  # redflag.npz, or None: load the Pipeline
    artifact: Path


def verify_model(directory: Path) -> ModelFiles:
    """Check a model directory's hashes and library versions without loading the model
    (what ``redflag serve`` does before it starts workers)."""
    artifact = directory / ARTIFACT_NAME
    arrays = directory / INFERENCE_NAME
    meta_path = directory / METADATA_NAME
    if not meta_path.is_file() or not (artifact.is_file() or arrays.is_file()):
        raise ModelError(
            f"no model in {directory}: expected {METADATA_NAME} with {INFERENCE_NAME} or "
            f"{ARTIFACT_NAME} (run `redflag train` to build one)"
        )
    try:
        metadata = json.loads(meta_path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable model metadata: {exc}") from None
    if list(metadata.get("categories", [])) != list(CATEGORIES):
        raise ModelError(f"{meta_path}: the model's categories do not match the engine's")
    try:
        thresholds = np.array([float(metadata["thresholds"][c]) for c in CATEGORIES])
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"{meta_path}: a threshold per category expected") from None
    versions = metadata.get("versions", {})
    inference = metadata.get("inference")
    if arrays.is_file() and isinstance(inference, dict):
        _check_hash(arrays, inference.get("sha256"), meta_path)
        # the arrays are scored with numpy: it must be the version they were checked with
        if versions.get("numpy") != np.__version__:
            raise ModelError(
                f"{arrays} was exported with numpy {versions.get('numpy')}, but "
                f"{np.__version__} is installed; install the pinned versions "
                "(requirements.lock) or retrain"
            )
        return ModelFiles(metadata, thresholds, arrays, artifact)
    if not artifact.is_file():
        raise ModelError(f"{arrays} is not recorded in {meta_path}; run `redflag train`")
    _check_hash(artifact, metadata.get("sha256"), meta_path)
    trained_with = versions.get("scikit-learn")
    installed = _installed("scikit-learn")
    if trained_with != installed:
        raise ModelError(
            f"{artifact} was trained with scikit-learn {trained_with}, but {installed} "
            "is installed; install the pinned versions (requirements.lock) or retrain"
        )
    return ModelFiles(metadata, thresholds, None, artifact)


def load_model(directory: Path) -> Model:
    files = verify_model(directory)
    if files.arrays is not None:
        try:
            compiled = CompiledModel.load(files.arrays)
        except InferenceError as exc:
            raise ModelError(str(exc)) from None
        return Model(None, files.metadata, files.thresholds, compiled=compiled)
    import joblib

    pipeline = joblib.load(files.artifact)
    return Model(pipeline=pipeline, metadata=files.metadata, thresholds=files.thresholds)
