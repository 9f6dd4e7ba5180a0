"""The fact base: every corpus quote stands in its file; every cited fact id resolves."""

from __future__ import annotations

from pathlib import Path

from app.engine.facts import FactBase, load_facts
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
