"""The exported arrays: the same probabilities as the Pipeline, saved and loaded safely."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from app.engine.inference import CompiledModel, InferenceError
from app.engine.model import PROBES, Model, ModelError, load_model
from tests.conftest import MODEL_DIR, corpus_text


@pytest.fixture(scope="module")
def pipeline() -> object:
    return joblib.load(MODEL_DIR / "redflag.joblib")


def test_arrays_give_the_pipelines_probabilities(pipeline: object, tmp_path: Path) -> None:
    compiled = CompiledModel.from_pipeline(pipeline)
    assert compiled is not None
    sentences = PROBES + corpus_text("004").split("\n")
    expected = pipeline.predict_proba(sentences)  # type: ignore[attr-defined]
    assert np.allclose(compiled.predict_proba(sentences), expected, rtol=0, atol=1e-6)
    compiled.save(tmp_path / "m.npz")
    again = CompiledModel.load(tmp_path / "m.npz")
    assert np.array_equal(again.predict_proba(sentences), compiled.predict_proba(sentences))


def test_shipped_model_loads_without_scikit_learn() -> None:
    code = (
        "import sys; from pathlib import Path; from app.engine.model import load_model;"
        f"m = load_model(Path({str(MODEL_DIR)!r})); m.predict_proba(['safe']);"
        "print(m.compiled is not None, 'sklearn' in sys.modules, 'joblib' in sys.modules)"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "False", "False"]


def test_shipped_arrays_and_pipeline_agree(pipeline: object) -> None:
    shipped = load_model(MODEL_DIR)
    from_pipeline = Model(pipeline, shipped.metadata, shipped.thresholds)
    assert shipped.compiled is not None and from_pipeline.compiled is not None
    sentences = corpus_text("004").split(". ")
    assert np.allclose(
        shipped.predict_proba(sentences), from_pipeline.predict_proba(sentences), atol=1e-12
    )


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(InferenceError, match="not a redflag inference file"):
        CompiledModel.load(bad)
    bad.write_bytes(b"not a zip file")
    with pytest.raises(InferenceError):
        CompiledModel.load(bad)


def test_model_dir_without_arrays_falls_back_to_the_pipeline(tmp_path: Path) -> None:
    target = tmp_path / "model"
    shutil.copytree(MODEL_DIR, target)
    (target / "redflag.npz").unlink()
    model = load_model(target)
    assert model.pipeline is not None and model.compiled is not None
    (target / "redflag.joblib").unlink()
    with pytest.raises(ModelError, match="no model"):
        load_model(target)


def test_small_and_large_products_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's few cells are multiplied in numpy, a document's with scipy: same result."""
    import app.engine.inference as inference

    model = load_model(MODEL_DIR)
    assert model.compiled is not None
    sentences = corpus_text("004").split(". ")
    features = model.compiled.features.transform(sentences)
    assert len(features.values) > 100
    monkeypatch.setattr(inference, "_SMALL", 10**9)
    small = model.compiled.head.decision(features)
    monkeypatch.setattr(inference, "_SMALL", 0)
    large = model.compiled.head.decision(features)
    assert np.allclose(small, large, rtol=0, atol=1e-12)
