"""The C extension (``app/engine/_native.pyx``) gives the numpy code's numbers, bit for bit."""

from __future__ import annotations

import functools
import gc
import pickle
import re
import shutil
import sys
import sysconfig
from dataclasses import dataclass, fields
from pathlib import Path

import ahocorasick
import joblib
import numpy as np
import orjson
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.checker import CheckOptions, Engine
from app.engine.facts import load_facts
from app.engine.features import TfidfFeatures
from app.engine.finding import SEVERITIES, Fact, Finding, make_finding, rounded_confidence
from app.engine.inference import CompiledModel, LinearHead
from app.engine.native import native_module
from app.engine.normalize import is_word_char, normalize
from app.engine.rules.kinds import Lexicon, Match
from app.training.data import load_sentences
from tests.conftest import CORPUS, MODEL_DIR, ROOT, corpus_text
from tests.engine.test_features import EDGE_CASES

native = native_module()
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
    # held in their slots (up to 18 characters, each below 256) and in the pool
    words = ["stem", "cells", "café", "𝄞", "$", "a", "ab", "ba", "x" * 18, "x" * 19, "abĀ"]
    tokens = {t: k for k, t in enumerate(words)}
    table = native.TokenTable(tokens)
    assert all(table.get(t) == k for t, k in tokens.items())
    absent = ["", "ste", "stems", "cafe", "Stem", "aa", "b", "𝄞𝄞", "%", "x" * 17, "x" * 20]
    for token in [*absent, "abā", "ab\u0101", "cafė"]:
        assert table.get(token) == -1
    with pytest.raises(ValueError, match="an id in"):
        native.TokenTable({"stem": -1})
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


def _numpy_proba(head: LinearHead, decision: np.ndarray) -> np.ndarray:
    """``LinearHead.predict_proba``'s numpy steps after the product."""
    proba = 1.0 / (1.0 + np.exp(head.slopes * decision + head.offsets))
    folds = proba.reshape(proba.shape[0], -1, head.n_folds)
    return np.asarray(np.add.reduce(folds, axis=2) / head.n_folds)


@built
def test_probabilities_in_c_are_numpys(model: CompiledModel) -> None:
    """``calibrate`` and ``fold_means`` around numpy's exp give the numpy steps' values on
    scipy's product, bit for bit, for every training sentence, in batches and alone."""
    texts = [i.text for i in load_sentences(ROOT / "training_data")]
    head = model.head
    for batch in (texts, texts[:1], texts[:40], EDGE_CASES):
        f = model.features.transform(batch)
        matrix = sp.csr_matrix((f.values, f.columns, f.indptr()), shape=(f.n_rows, f.n_columns))
        decision = np.asarray(matrix @ head.weights + head.intercepts)  # scipy's sums
        assert np.array_equal(head.predict_proba(f), _numpy_proba(head, decision))


@built
@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(0, 5),
    st.integers(1, 4),
    st.sampled_from([1.0, 1e-6, 30.0, 800.0]),
    st.integers(0, 2**32 - 1),
)
def test_calibrate_and_fold_means_round_as_numpy(
    n_folds: int, n_rows: int, n_cats: int, scale: float, seed: int
) -> None:
    """Any number of folds below eight, any sign and size of decision (exp overflowing
    to infinity, probabilities of zero), with its own calibration."""
    assert native is not None
    rng = np.random.default_rng(seed)
    width = n_cats * n_folds
    head = LinearHead(
        weights=np.zeros((1, width)),
        intercepts=rng.normal(size=width) * scale,
        slopes=rng.normal(size=width) * 3,
        offsets=rng.normal(size=width),
        n_folds=n_folds,
    )
    raw = rng.normal(size=(n_rows, width)) * scale
    z = raw.copy()
    native.calibrate(z, head.intercepts, head.slopes, head.offsets)
    assert np.array_equal(z, head.slopes * (raw + head.intercepts) + head.offsets)
    with np.errstate(over="ignore"):
        exps = np.exp(z)
        expected = _numpy_proba(head, raw + head.intercepts) if n_rows else np.zeros((0, n_cats))
    assert np.array_equal(native.fold_means(exps, n_folds), expected)


@built
def test_calibrate_and_fold_means_refuse_shapes_they_do_not_fit() -> None:
    assert native is not None
    with pytest.raises(ValueError, match="one value a column"):
        native.calibrate(np.zeros((2, 3)), np.zeros(3), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="folds"):
        native.fold_means(np.zeros((2, 6)), 4)
    with pytest.raises(ValueError, match="folds"):
        native.fold_means(np.zeros((2, 8)), 8)


@built
def test_product_refuses_a_cell_outside_the_matrices() -> None:
    from app.engine import _native

    weights = np.ones((3, 2))
    cells = np.array([0, 1], dtype=np.int64), np.array([2, 3], dtype=np.int64)
    values = np.ones(2, dtype=np.float32)
    with pytest.raises(IndexError, match="outside"):
        _native.product(*cells, values, weights, 2)
    rows, columns = np.array([0, 2], dtype=np.int64), np.array([0, 1], dtype=np.int64)
    with pytest.raises(IndexError, match="outside"):
        _native.product(rows, columns, values, weights, 2)
    assert _native.product(rows[:1], columns[:1], values[:1], weights, 2).tolist() == [
        [1.0, 1.0],
        [0.0, 0.0],
    ]


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


def _pyahocorasick_hits(keys: list[str], text: str) -> list[tuple[int, int, int]]:
    """Every occurrence pyahocorasick finds, less those that start or end inside a word."""
    auto = ahocorasick.Automaton()
    for k, key in enumerate(keys):
        auto.add_word(key, (len(key), k))
    auto.make_automaton()
    out = []
    for end, (length, k) in auto.iter(text):
        start = end - length + 1
        if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
            continue
        if end + 1 < len(text) and is_word_char(text[end]) and is_word_char(text[end + 1]):
            continue
        out.append((start, end + 1, k))
    return out


def _trie_hits(keys: list[str], text: str) -> list[tuple[int, int, int]]:
    assert native is not None
    return list(zip(*native.WordTrie(keys).find(text), strict=True))


@built
def test_word_trie_finds_nested_keys_at_word_edges_in_pyahocorasicks_order() -> None:
    keys = [
        "he",
        "she",
        "his",
        "hers",
        "é",
        "café",
        "caf",
        "中文",
        "文",
        "-",
        "rheumatoid arthritis",
        "arthritis",
        "'s",
    ]
    text = (
        "ushers he hers his_ café caféé 中文文 she - x-y rheumatoid arthritis osteoarthritis it's"
    )
    found = _trie_hits(keys, text)
    assert found == _pyahocorasick_hits(keys, text)
    # inside words: "he" and "hers" in "ushers", "his" in "his_", "café" in "caféé",
    # both in "中文文", "arthritis" in "osteoarthritis"; a key that starts and ends
    # with a non-word character ("-") stands anywhere, one that starts so ("'s") may
    # follow a word
    assert [text[s:e] for s, e, _ in found] == [
        "he", "hers", "café", "she", "-", "-", "rheumatoid arthritis", "arthritis", "'s",
    ]  # fmt: skip
    assert _trie_hits(["he"], "") == []
    with pytest.raises(ValueError, match="empty"):
        native.WordTrie([""])
    with pytest.raises(ValueError, match="duplicate"):
        native.WordTrie(["ab", "ab"])


@built
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=12, unique=True),
    st.text(_ALPHABET, max_size=200),
)
def test_word_trie_gives_pyahocorasicks_hits_for_any_keys_and_text(
    keys: list[str], text: str
) -> None:
    # the text also holds the keys themselves, so most examples have hits
    text = text + " ".join(keys) + text[::-1]
    assert _trie_hits(keys, text) == _pyahocorasick_hits(keys, text)


@built
def test_the_rules_lexicon_gives_the_same_hits_either_way() -> None:
    """The shipped rules' lexicon, built with the extension and without, on every
    training sentence and the corpus."""
    from app.engine.rules.loader import load_rules

    rules = load_rules(set(load_facts()))
    lexicon = rules._lexicon
    assert lexicon._native is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDFLAG_NATIVE", "0")
        slow = Lexicon()
    slow._entries = lexicon._entries
    slow.build()
    assert slow._native is None
    texts = [normalize(i.text) for i in load_sentences(ROOT / "training_data")]
    texts += [normalize(p.read_text("utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    texts.append("\n".join(texts))
    found = 0
    for text in texts:
        hits = lexicon.hits(text)
        assert hits == slow.hits(text)
        found += len(hits)
    assert found > 1000


@built
@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_non_ascii_runs(text: str) -> None:
    assert native is not None
    starts, ends = native.non_ascii_runs(text)
    runs = [(m.start(), m.end()) for m in re.finditer(r"[^\x00-\x7f]+", text)]
    assert list(zip(starts, ends, strict=True)) == runs


@built
def test_weighting_beyond_the_counts_it_knows(model: CompiledModel) -> None:
    """A term counted more times in a sentence than the C weighting's table holds is
    weighed by the numpy code, to the same numbers."""
    texts = ["stem " * 1500 + "cells", "cells cells stem", "Stem cell therapy cures all."]
    _equal(*_both(model.features, texts))
    assert native is not None
    assert native.weigh(
        np.zeros(1, np.int64), np.zeros(1, np.int64), np.array([5000]), model.features.idf,
        model.features._tf, True, 1,
    ) is None  # fmt: skip


# -- context verdicts (Engine._rule_findings in C) --------------------------------------


@functools.cache
def _engine() -> Engine:
    return Engine(MODEL_DIR)


verdicts = pytest.mark.skipif(
    _engine()._verdicts is None, reason="the verdicts need the extension and re2_direct"
)


def _both_verdicts(engine: Engine, text: str, fmt: str = "text") -> tuple[object, object]:
    """``_rule_findings`` of ``text`` from the C extension and from the Python loop."""
    p = engine._prepare(text, fmt)
    matches = engine.rules.find(p.index, p.doc.blocks, p.sentences)
    in_c = engine._rule_findings(p, matches)
    kept = engine._verdicts
    engine._verdicts = None
    try:
        in_python = engine._rule_findings(p, matches)
    finally:
        engine._verdicts = kept
    return in_c, in_python


@verdicts
def test_context_verdicts_of_every_training_sentence_page_and_rule_example() -> None:
    engine = _engine()
    sentences = [item.text for item in load_sentences(ROOT / "training_data")]
    # sentences in runs of five, so quoted claims meet their neighbours' cautions
    texts = [" ".join(sentences[k : k + 5]) for k in range(0, len(sentences), 5)]
    texts += [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for c in engine.rules.rules.values():
        texts += [
            t.replace("<marker>", "").replace("</marker>", "")
            for t in (*c.rule.examples.flag, *c.rule.examples.passing)
        ]
    kept = 0
    for text in texts:
        in_c, in_python = _both_verdicts(engine, text)
        assert in_c == in_python, text
        kept += len(in_c)
    assert kept > 1000


_CLAIMS = [
    "stem cells cure arthritis",
    "our exosome therapy is 100% safe",
    "FDA-approved stem cell treatment",
    "book your consultation today",
    "treats over 80 conditions",
]
_AROUND = [
    "not",
    "no",
    "not only",
    "there is no evidence that",
    "has not been shown",
    "may",
    "clinics claim",
    "so-called",
    "beware:",
    "but",
    "; however,",
    '"',
    "(",
    ")",
    "the FDA warns that",
    "one two three four five six seven eight nine ten eleven",
    ".",
    "!",
    "é",
    "\n\n",
]


@verdicts
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CLAIMS + _AROUND), min_size=1, max_size=14))
def test_context_verdicts_of_claims_among_cues(pieces: list[str]) -> None:
    in_c, in_python = _both_verdicts(_engine(), " ".join(pieces))
    assert in_c == in_python


@verdicts
def test_context_verdicts_refuse_inconsistent_input() -> None:
    assert native is not None
    with pytest.raises(TypeError):
        native.ContextPolicies([(1, 0.9, [("negation", "suppress")], "not an RE2 object")])
    with pytest.raises(ValueError):
        native.ContextPolicies([(1, 0.9, [("tone", "suppress")], None)])
    table = native.ContextPolicies([(1, 0.9, [("negation", "suppress")], None)])
    args = ("stem cells cure", [(0, 15)], [(0, 15)], b"stem cells cure", [([], [])] * 7, ([], []))
    numbers = (60, 10, 400, 2, 0.6)
    assert native.context_verdicts(table, *args, *numbers, [0], [15], [0]) == [(0, 0, 1, 0.9)]
    with pytest.raises(ValueError):
        native.context_verdicts(table, *args, *numbers, [0], [15, 3], [0])
    with pytest.raises(IndexError):
        native.context_verdicts(table, *args, *numbers, [0], [15], [1])
    with pytest.raises(ValueError):
        native.context_verdicts(table, *args[:4], [([], [])] * 6, args[5], *numbers, [], [], [])


drafts = pytest.mark.skipif(
    getattr(native, "merged_drafts", None) is None, reason="app.engine._native was not built"
)


@functools.cache
def _rules_engine() -> Engine:
    return Engine(use_model=False)


def _both_reports(engine: Engine, items: list[tuple[str, str]], opts: CheckOptions) -> None:
    """The reports of ``items`` with the drafts merged in C and in Python are equal."""
    kept = engine._native_report
    try:
        in_c = [r.to_dict() for r in engine.check_many(items, opts)]
        engine._native_report = None
        in_python = [r.to_dict() for r in engine.check_many(items, opts)]
    finally:
        engine._native_report = kept
    assert in_c == in_python, items


_OPTIONS = [
    CheckOptions(),
    CheckOptions(min_severity="warning"),
    CheckOptions(categories=frozenset({"absolute-safety", "testimonial", "call-to-action"})),
    CheckOptions(min_severity="error", categories=frozenset({"efficacy-overclaim"})),
]


@drafts
def test_merged_drafts_give_the_reports_of_every_page_and_training_sentence() -> None:
    sentences = [item.text for item in load_sentences(ROOT / "training_data")]
    texts = [" ".join(sentences[k : k + 5]) for k in range(0, len(sentences), 5)]
    texts += [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for engine in (_engine(), _rules_engine()):
        assert engine._native_report is not None
        for k, text in enumerate(texts):
            _both_reports(engine, [(text, "text")], _OPTIONS[k % len(_OPTIONS)])
        _both_reports(engine, [(t, "markdown") for t in texts[:48]], CheckOptions())


@drafts
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_CLAIMS + _AROUND), min_size=1, max_size=14),
    st.sampled_from(_OPTIONS),
)
def test_merged_drafts_of_claims_among_cues(pieces: list[str], opts: CheckOptions) -> None:
    _both_reports(_engine(), [(" ".join(pieces), "text")], opts)


@drafts
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # sentence
            st.integers(0, 40),  # start
            st.integers(1, 30),  # length
            st.integers(0, 5),  # rule
            st.integers(0, 2),  # severity
            st.sampled_from([0.5, 0.7, 0.9, 0.95]),
        ),
        max_size=12,
    ),
    st.lists(st.sampled_from([0.0, 0.3, 0.5, 0.8, 0.9, 0.99]), min_size=32, max_size=32),
)
def test_merged_drafts_merge_ties_as_python_does(
    raw: list[tuple[int, int, int, int, int, float]], cells: list[float]
) -> None:
    """Overlapping drafts of one category with equal severities, lengths and
    confidences, rules' and the model's: the C merge keeps what Engine._merge keeps."""
    engine = _engine()
    p = engine._prepare("One claim here. Two claims. Three claims now. Four.", "text")
    assert len(p.sentences) == 4
    rules = [c.rule for c in engine.rules.rules.values() if c.rule.category == "absolute-safety"]
    raw_findings = [
        (si, Match(start, start + length, rules[r % len(rules)]), SEVERITIES[sev], conf)
        for si, start, length, r, sev, conf in raw
    ]
    proba = np.array(cells, dtype=np.float64).reshape(4, 8)
    sources = p.doc.spans_to_source(p.sentences)
    match_sources = [(m.start, m.end) for _, m, _, _ in raw_findings]
    caution = [False, True, False, False]
    for opts in _OPTIONS:
        args = (p, raw_findings, proba, sources, match_sources, caution, opts)
        in_c, _ = engine._drafted_in_c(*args)
        in_python, _ = engine._drafted(*args)
        assert [f.to_dict() for f in in_c] == [f.to_dict() for f in in_python]


@drafts
def test_merged_drafts_refuse_inconsistent_input() -> None:
    assert native is not None
    thresholds = np.full(8, 0.5)
    table = ([0], [0, 1, 2, 3, 4, 5, 6, 7], [2] * 8, [False], 0.85, [True] * 8, 0)
    one = ([0], [0], [2], [0.9], [(0, 5)], [(0, 10)], None, thresholds)
    assert native.merged_drafts(*one, *table) == [(0, 2, 0.9, 0, 5, 0)]
    with pytest.raises(ValueError):  # a field short
        native.merged_drafts([0], [0], [2], [], [(0, 5)], [(0, 10)], None, thresholds, *table)
    with pytest.raises(IndexError):  # no such rule
        native.merged_drafts([0], [3], [2], [0.9], [(0, 5)], [(0, 10)], None, thresholds, *table)
    with pytest.raises(IndexError):  # no such sentence
        native.merged_drafts([1], [0], [2], [0.9], [(0, 5)], [(0, 10)], None, thresholds, *table)
    with pytest.raises(ValueError):  # probabilities of another shape
        native.merged_drafts(*one[:6], np.zeros((2, 8)), thresholds, *table)
    with pytest.raises(ValueError):  # a caution flag a sentence
        native.merged_drafts(*one, [0], table[1], table[2], [], 0.85, table[5], 0)


@drafts
def test_merged_drafts_read_probabilities_in_any_memory_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model (the scikit-learn pipeline's fallback, say) may answer in Fortran order, or
    in float32: the drafts are read from a C-ordered float64 copy, not refused."""
    engine = _engine()
    text = corpus_text("004")
    assert engine.model is not None
    expected = engine.check(text).to_dict()
    scores = engine.model.predict_proba
    for reorder in (np.asfortranarray, lambda a: a.astype(np.float32)):
        monkeypatch.setattr(
            engine.model, "predict_proba", lambda texts, r=reorder: r(scores(texts))
        )
        got = engine.check(text).to_dict()
        if reorder is np.asfortranarray:
            assert got == expected
        else:  # float32 probabilities are other numbers: the same as the Python path's
            kept = engine._native_report
            engine._native_report = None
            try:
                assert got == engine.check(text).to_dict()
            finally:
                engine._native_report = kept


@drafts
def test_built_findings_refuse_line_starts_that_do_not_begin_at_zero() -> None:
    assert native is not None
    rest = ("", "", [], {}, None, {}, None, None, ("suggestion",))
    assert native.built_findings([], [], [], [0], *rest) == []
    for starts in ([], [5]):
        with pytest.raises(ValueError):
            native.built_findings([], [], [], starts, *rest)


_VALUES = (
    "r.id", "efficacy-overclaim", "warning", "It says so.", 3, 9, 1, 4, 1, 10, "cures",
    "Say less.", "rule", 0.75, (Fact("f", "A fact.", "FDA", "https://x", "external"),), ("f",),
    0, 20,
    None,
)  # fmt: skip


@built
def test_a_slot_maker_makes_what_the_python_maker_makes() -> None:
    """``SlotMaker`` stores each value in its slot: the same finding as ``make_finding``
    (equal, hashed alike, pickled alike), tracked by the collector, each value held once
    and let go with it."""
    assert native is not None
    maker = native.SlotMaker(Finding, [f.name for f in fields(Finding)])
    made = maker(*_VALUES)
    assert type(made) is Finding
    assert made == make_finding(*_VALUES)
    assert hash(made) == hash(make_finding(*_VALUES))
    assert pickle.loads(pickle.dumps(made)) == made
    assert gc.is_tracked(made)
    assert {id(v) for v in gc.get_referents(made)} >= {id(v) for v in _VALUES if v is not None}
    text = "".join(["a finding's text, ", "made here"])
    before = sys.getrefcount(text)
    many = [maker(*_VALUES[:10], text, *_VALUES[11:]) for _ in range(50)]
    assert sys.getrefcount(text) == before + 50
    assert all(f.text is text for f in many)
    del many
    assert sys.getrefcount(text) == before


@built
def test_finding_forms_are_each_findings_json_form() -> None:
    """``finding_forms`` makes ``Finding.json_form`` of each finding from its slots; a
    confidence is read from what was remembered only when it is a float other than zero."""
    assert native is not None
    maker = native.SlotMaker(Finding, [f.name for f in fields(Finding)])
    confidences = (0.75, 0.12345, 1 / 3, 0.0, -0.0, 1, 1.0, float("nan"), 0.99995)
    findings = tuple(make_finding(*_VALUES[:13], c, *_VALUES[14:]) for c in confidences)
    made = native.finding_forms(maker, findings, {}, rounded_confidence)
    assert [type(d) for d in made] == [dict] * len(findings)
    in_python = [f.json_form() for f in findings]
    assert (
        orjson.dumps(made)
        == orjson.dumps(in_python)
        == orjson.dumps([f.to_dict() for f in findings])
    )
    assert [list(d) for d in made] == [list(d) for d in in_python]
    remembered = {0.75: 0.5, 0.0: 9.0, 1.0: 9.0}
    made = native.finding_forms(maker, findings, remembered, rounded_confidence)
    assert [d["confidence"] for d in made][:7] == [0.5, 0.1235, 0.3333, 0.0, -0.0, 1, 9.0]
    assert str(made[4]["confidence"]) == "-0.0" and type(made[5]["confidence"]) is int


@built
def test_finding_forms_refuse_what_is_not_a_finding() -> None:
    assert native is not None
    maker = native.SlotMaker(Finding, [f.name for f in fields(Finding)])
    with pytest.raises(TypeError, match="Finding expected"):
        native.finding_forms(maker, [make_finding(*_VALUES), "finding"], {}, rounded_confidence)
    facts = native.SlotMaker(Fact, [f.name for f in fields(Fact)])
    with pytest.raises(ValueError, match="slots"):
        native.finding_forms(facts, [], {}, rounded_confidence)


@built
def test_a_slot_maker_refuses_what_it_cannot_fill() -> None:
    assert native is not None
    names = [f.name for f in fields(Finding)]
    with pytest.raises(TypeError):  # not every slot
        native.SlotMaker(Finding, names[:-1])
    with pytest.raises(TypeError):  # a name twice
        native.SlotMaker(Finding, [*names[:-1], names[0]])

    @dataclass
    class Plain:  # no slots
        a: int

    with pytest.raises(TypeError):
        native.SlotMaker(Plain, ["a"])
    maker = native.SlotMaker(Finding, names)
    with pytest.raises(TypeError):
        maker(*_VALUES[:-1])
    small = native.SlotMaker(Fact, [f.name for f in fields(Fact)])
    rest = ("", "", [], {}, None, {}, None, small, ("suggestion",))
    with pytest.raises(ValueError):  # built_findings fills a finding's 19 slots
        native.built_findings([], [], [], [0], *rest)
