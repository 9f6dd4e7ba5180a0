"""The C extension (``app/engine/_native.pyx``) gives the numpy code's numbers, bit for bit."""

from __future__ import annotations

import functools
import shutil
import sysconfig
from pathlib import Path

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.features import TfidfFeatures, _native_module
from app.engine.inference import CompiledModel
from app.training.data import load_sentences
from tests.conftest import MODEL_DIR, ROOT
from tests.engine.test_features import EDGE_CASES

native = _native_module()
built = pytest.mark.skipif(native is None, reason="app.engine._native was not built")


def test_built_wherever_a_c_compiler_is() -> None:
    """The test suite never runs on the numpy code alone by accident: where a compiler
    and Python's headers are, bootstrap builds the extension and the engine uses it."""
    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    if (shutil.which("cc") or shutil.which("gcc")) and headers:
        assert native is not None, "run scripts/bootstrap.sh (pip install -e .) to build it"


@built
def test_token_table_finds_every_token_and_only_those() -> None:
    assert native is not None
    tokens = {t: k for k, t in enumerate(["stem", "cells", "café", "𝄞", "$", "a", "ab", "ba"])}
    table = native.TokenTable(tokens)
    assert all(table.get(t) == k for t, k in tokens.items())
    for absent in ["", "ste", "stems", "cafe", "Stem", "aa", "b", "𝄞𝄞", "%"]:
        assert table.get(absent) == -1
    vocabulary = _shipped().features._token_get.__self__
    big = native.TokenTable(vocabulary)
    assert all(big.get(t) == k for t, k in vocabulary.items())


@functools.cache
def _shipped() -> CompiledModel:
    return CompiledModel.load(MODEL_DIR / "redflag.npz")


@pytest.fixture(scope="module")
def model() -> CompiledModel:
    compiled = _shipped()
    assert compiled.features._native is native
    return compiled


def _both(features: TfidfFeatures, texts: list[str]) -> tuple[object, object]:
    fast = features.transform(texts)
    saved, features._native = features._native, None
    try:
        slow = features.transform(texts)
    finally:
        features._native = saved
    return fast, slow


def _equal(a: object, b: object) -> None:
    for name in ("n_rows", "n_columns"):
        assert getattr(a, name) == getattr(b, name)
    for name in ("rows", "columns", "values"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@built
def test_cells_of_every_training_sentence(model: CompiledModel) -> None:
    texts = [i.text for i in load_sentences(ROOT / "training_data")] + EDGE_CASES
    _equal(*_both(model.features, texts))
    for text in texts[:300]:  # one sentence a call, as for a short page
        _equal(*_both(model.features, [text]))


_ALPHABET = st.sampled_from(
    [
        *"ab Zz09_'%-!?$.,\n\t",
        *["é", "\u0301", "İ", "ß", "ﬁ", "½", "²", "٣", "Ⅻ", "ſ", "K", "\u00a0", "𝟙", "😀", "中"],
    ]
)


@built
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_ALPHABET, max_size=40), max_size=6))
def test_cells_of_any_text(texts: list[str]) -> None:
    _equal(*_both(_shipped().features, texts))


@built
@pytest.mark.parametrize(
    "pattern", [r"(?u)\b\w\w+\b", r"(?u)\b\w[\w'%-]*\b|[!?$%]", r"(?u)\b[a-z]+\b"]
)
def test_each_token_pattern_fitted_here(pattern: str) -> None:
    """The two patterns the C tokeniser knows, and one it leaves to the numpy code."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [i.text for i in load_sentences(ROOT / "training_data")][:2000]
    vectorizer = TfidfVectorizer(token_pattern=pattern, ngram_range=(1, 3), sublinear_tf=True)
    vectorizer.fit(texts)
    features = TfidfFeatures.from_vectorizer(vectorizer)
    assert features is not None
    assert (features._native is not None) == (pattern != r"(?u)\b[a-z]+\b")
    _equal(*_both(features, [*texts, *EDGE_CASES]))


@built
def test_product_sums_as_scipy_does(model: CompiledModel) -> None:
    texts = [i.text for i in load_sentences(ROOT / "training_data")][:3000]
    for batch in (texts, texts[:1], texts[:40]):
        f = model.features.transform(batch)
        matrix = sp.csr_matrix((f.values, f.columns, f.indptr()), shape=(f.n_rows, f.n_columns))
        expected = np.asarray(matrix @ model.head.weights + model.head.intercepts)
        assert np.array_equal(model.head.decision(f), expected)


@built
def test_the_shipped_pipeline_agrees() -> None:
    pipeline = joblib.load(MODEL_DIR / "redflag.joblib")
    compiled = CompiledModel.load(MODEL_DIR / "redflag.npz")
    texts = [i.text for i in load_sentences(ROOT / "training_data")]
    np.testing.assert_allclose(
        compiled.predict_proba(texts), pipeline.predict_proba(texts), rtol=0, atol=1e-9
    )


def test_switched_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDFLAG_NATIVE", "0")
    compiled = CompiledModel.load(MODEL_DIR / "redflag.npz")
    assert compiled.features._native is None
    assert compiled.head.native is None
    assert compiled.predict_proba(["Our stem cells cure everything."]).shape == (1, 8)
