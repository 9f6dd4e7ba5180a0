"""The numpy TF-IDF equals scikit-learn's TfidfVectorizer.transform, cell for cell."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode

from app.engine import features
from app.engine.features import Features, TfidfFeatures, _strip_accents
from app.training.data import load_sentences
from tests.conftest import MODEL_DIR, ROOT

EDGE_CASES = [
    "",
    "\n\n",
    "İstanbul ΣΑΣ. x\u0301y ΟΔΟΣ",
    "e\u0301tude caf\u00e9 na\u00efve \ufb01ne \u2460 \u00bd",
    "a\nb\r\nc",
    "don't 50% -- $100 ?! it's -x- 'quoted' _under_score_",
    "x" * 5000,
    "Stem cells stem cells STEM CELLS stem-cells",
]


def _as_dense(f: Features) -> np.ndarray:
    out = np.zeros((f.n_rows, f.n_columns), dtype=np.float32)
    out[f.rows, f.columns] = f.values
    return out


def _same(fast: Features, expected: object) -> None:
    x = expected.tocsr()  # type: ignore[attr-defined]
    x.sort_indices()
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    assert (fast.n_rows, fast.n_columns) == x.shape
    assert np.array_equal(fast.rows, rows)
    assert np.array_equal(fast.columns, x.indices)
    np.testing.assert_allclose(fast.values, x.data, rtol=2e-7, atol=0)


@pytest.fixture(scope="module")
def vectorizer() -> TfidfVectorizer:
    return joblib.load(MODEL_DIR / "redflag.joblib").steps[0][1]


def test_shipped_vectorizer_on_every_training_sentence(vectorizer: TfidfVectorizer) -> None:
    fast = TfidfFeatures.from_vectorizer(vectorizer)
    assert fast is not None
    texts = [i.text for i in load_sentences(ROOT / "training_data")] + EDGE_CASES
    _same(fast.transform(texts), vectorizer.transform(texts))


@pytest.mark.parametrize(
    "options",
    [
        {"ngram_range": (1, 1)},
        {"ngram_range": (1, 2), "sublinear_tf": False, "strip_accents": None},
        {"ngram_range": (1, 3), "norm": None},
        {"ngram_range": (1, 2), "token_pattern": r"(?u)\b[a-z]+\b"},  # no word shortcut
    ],
)
def test_other_options_fitted_here(options: dict[str, object]) -> None:
    corpus = [i.text for i in load_sentences(ROOT / "training_data")][:400] + EDGE_CASES
    vec = TfidfVectorizer(dtype=np.float32, **options).fit(corpus)  # type: ignore[arg-type]
    fast = TfidfFeatures.from_vectorizer(vec)
    assert fast is not None
    _same(fast.transform(corpus[::-1]), vec.transform(corpus[::-1]))
    assert np.allclose(_as_dense(fast.transform(EDGE_CASES)), vec.transform(EDGE_CASES).toarray())


@pytest.mark.parametrize(
    "options",
    [{"analyzer": "char_wb"}, {"stop_words": "english"}, {"binary": True}, {"max_df": 0.5}],
)
def test_options_it_cannot_reproduce_are_refused(options: dict[str, object]) -> None:
    vec = TfidfVectorizer(**options).fit(["stem cells heal", "cells heal knees", "a b"])  # type: ignore[arg-type]
    if options == {"max_df": 0.5}:
        # max_df only prunes the vocabulary at fit time: transform is unaffected
        assert TfidfFeatures.from_vectorizer(vec) is not None
    else:
        assert TfidfFeatures.from_vectorizer(vec) is None


def test_key_table_finds_every_key_and_only_those() -> None:
    from app.engine.features import _KeyTable

    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 2**40, 5000))
    # keys that share a home slot: the table probes past each other
    keys = np.unique(np.concatenate([keys, np.arange(64, dtype=np.int64) << 50]))
    values = rng.integers(0, 10**6, len(keys))
    table = _KeyTable(keys, values)
    assert np.array_equal(table.get(keys), values)  # numpy probing (many keys)
    assert np.array_equal(table.get(keys[:100]), values[:100])  # a dict (few keys)
    absent = np.setdiff1d(rng.integers(0, 2**40, 5000), keys)
    assert (table.get(absent) == -1).all()
    assert (table.get(absent[:100]) == -1).all()
    assert (
        _KeyTable(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).get(keys) == -1
    ).all()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ae \n.\u0301\u0327éÉçﬁ½²Ω𝄞ǅ\u200b"), max_size=40))
def test_accents_stripped_as_scikit_learn_does(text: str) -> None:
    assert _strip_accents(text) == strip_accents_unicode(text)
    with pytest.MonkeyPatch.context() as mp:  # the runs found with numpy, not in C
        mp.setattr(features, "_NATIVE", None)
        assert _strip_accents(text) == strip_accents_unicode(text)
