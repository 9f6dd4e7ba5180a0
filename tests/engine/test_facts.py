"""The fact base: every corpus quote stands in its file; every cited fact id resolves."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import facts as facts_module
from app.engine.facts import FactBase, load_facts
from app.engine.finding import Fact
from app.engine.rules.loader import load_rules

CORPUS = Path(__file__).resolve().parents[2] / "training_data" / "corpus"


def test_corpus_quotes_stand_in_their_files() -> None:
    facts = load_facts()
    corpus = [f for f in facts.values() if f.kind == "corpus"]
    assert len(corpus) >= 10
    for f in corpus:
        path = CORPUS / f.source
        assert path.is_file(), f"{f.id}: no corpus file {f.source}"
        assert f.quote and f.quote in path.read_text("utf-8"), (
            f"{f.id}: quote not found in {f.source}"
        )


def test_external_facts_have_urls_and_unverified_ones_are_marked() -> None:
    facts = load_facts()
    external = [f for f in facts.values() if f.kind == "external"]
    assert len(external) >= 15
    assert all(f.url for f in external)
    assert {"fda-licensure-and-harms", "fda-ryoncil-only-msc-approval"} <= {
        f.id for f in external if not f.verified
    }


def test_every_cited_fact_resolves_and_every_category_has_a_corpus_fact() -> None:
    facts = load_facts()
    rules = load_rules(set(facts))
    for compiled in rules.rules.values():
        assert all(fid in facts for fid in compiled.rule.facts), compiled.rule.id
    base = FactBase(facts)
    for category in rules.categories:
        cited = base.cite(category, (), "stem cell injection for knee pain")
        assert cited.facts, category
        assert any(f.kind == "corpus" for f in cited.facts), category


def test_approval_claim_about_exosomes_for_knees_contradicts_a_fact() -> None:
    base = FactBase(load_facts())
    cited = base.cite(
        "approval-misrepresentation", (), "our fda-approved exosome injections for knee pain"
    )
    assert "corpus-no-fda-approved-exosome-ortho" in cited.contradicts


def test_c_and_python_yaml_loaders_read_the_data_files_alike() -> None:
    """The engine reads its YAML with libyaml's loader when it can; the data must not depend on it."""
    from pathlib import Path

    import yaml

    from app.engine.yaml_data import load_yaml

    files = sorted((Path(__file__).parents[2] / "app" / "engine" / "data").rglob("*.yml"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text("utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path


@functools.cache
def _facts() -> dict[str, Fact]:
    return load_facts()


def _words_both_ways(text: str, start: int, end: int) -> None:
    native = FactBase(_facts()).topic_words(text, start, end)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(facts_module, "_NATIVE", None)
        base = FactBase(_facts())
        assert base._native_topics is None
        assert base.topic_words(text, start, end) == native
        assert base.topic_words(text[start:end]) == native


@pytest.mark.skipif(facts_module._NATIVE is None, reason="app.engine._native was not built")
def test_topic_words_in_c_are_the_regular_expressions() -> None:
    text = "the fda-approved msc's are safe, clinicaltrials.gov lists 361 hct/p; knee. é-knee"
    _words_both_ways(text, 0, len(text))
    _words_both_ways(text, 4, 40)
    # "knee." is not the word "knee" (a full stop continues a word); the one after "é-" is
    assert FactBase(load_facts()).topic_words(text) == {
        "safe",
        "clinicaltrials.gov",
        "361",
        "hct/p",
        "knee",
    }


@pytest.mark.skipif(facts_module._NATIVE is None, reason="app.engine._native was not built")
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["knee", "safe", "msc", "hct/p", "fda", "a", "0", " ", ".", "-", "'", "/"])
        | st.characters(),
        max_size=40,
    ).map("".join),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_topic_words_in_c_for_any_text(text: str, start: int, end: int) -> None:
    start, end = min(start, len(text)), min(max(start, end), len(text))
    _words_both_ways(text, start, end)
