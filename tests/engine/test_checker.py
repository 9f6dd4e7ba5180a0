"""The engine end to end on the corpus, and the contract of every finding."""

from __future__ import annotations

import pytest

from app.engine import CheckOptions, Engine, Report
from tests.conftest import corpus_text

FORMATS = ("text", "markdown")

CAUTIONS = {
    "002": [
        "Stem cell therapies, including MSCs, are still largely considered experimental by regulatory agencies such as the FDA and EMA.",
        "The FDA recommends further clinical trials to establish the benefits of stem cell treatments versus the risks.",
        "The International Society for Stem Cell Research advises people to avoid unregulated treatments",
        "There is concern about the proliferation of unregulated or off-label stem cell clinics",
        "The FDA and the International Society for Stem Cell Research advise caution when considering such treatments.",
    ],
    "003": [
        "Currently, there are no FDA-approved exosome products for treating any orthopedic conditions, including knee osteoarthritis.",
        "The therapies offered have not undergone the large-scale clinical trials required by the FDA to be proven safe and effective.",
        "The FDA has issued consumer alerts about unapproved regenerative medicine products",
        "In the United States, the Food and Drug Administration (FDA) regulates these products as biological drugs.",
        "Treatments are performed under practice of medicine laws and are considered investigational.",
    ],
    "001": ["the researchers emphasize the need for larger, randomized controlled trials"],
}


def assert_contract(text: str, report: Report) -> None:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    prev = (-1, -1)
    for f in report.findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.text
        assert starts[f.line - 1] + f.column - 1 == f.start
        assert f.facts, f"{f.id} cites no fact"
        assert (f.start, f.end) >= prev
        prev = (f.start, f.end)
        assert 0.0 <= f.confidence <= 1.0


def test_004_lights_up(engine: Engine) -> None:
    text = corpus_text("004")
    report = engine.check(text)
    assert_contract(text, report)
    assert report.risk.level == "high"
    cats = {f.category for f in report.findings}
    for needed in (
        "absolute-safety",
        "availability-normalization",
        "call-to-action",
        "broad-spectrum",
        "efficacy-overclaim",
    ):
        assert needed in cats, f"no {needed} finding on 004"
        assert any(
            any(fa.kind == "corpus" for fa in f.facts)
            for f in report.findings
            if f.category == needed
        )
    lowered = text.lower()
    for phrase in (
        "consistently safe",
        "vanishingly small",
        "widely available in clinics",
        "free information packet",
        "request information packet",
    ):
        at = lowered.index(phrase)
        hit = any(f.start < at + len(phrase) and f.end > at for f in report.findings)
        assert hit, f"{phrase!r} not flagged"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_careful_writing_stays_low(engine: Engine, prefix: str) -> None:
    text = corpus_text(prefix)
    report = engine.check(text)
    assert_contract(text, report)
    assert report.risk.level == "low", [(f.id, f.text) for f in report.findings]
    for caution in CAUTIONS.get(prefix, []):
        start = text.index(caution)
        end = start + len(caution)
        hits = [f for f in report.findings if f.start < end and f.end > start]
        assert not hits, f"caution flagged: {[(f.id, f.text) for f in hits]}"


def test_check_many_equals_check(engine: Engine) -> None:
    # check_many runs each step over every document before the next step: the same
    # reports as one check each, with and without rule matches, in any format
    texts = [(corpus_text(p), fmt) for p in ("000", "001", "002", "003", "004") for fmt in FORMATS]
    texts[3:3] = [("Hello world.", "text"), ("", "text"), ("No stem cell clinic is safe.", "text")]
    many = engine.check_many(texts)
    for (text, fmt), report in zip(texts, many, strict=True):
        assert report.to_dict() == engine.check(text, fmt).to_dict()


def test_options_filter_categories_and_severity(engine: Engine) -> None:
    text = corpus_text("004")
    only = engine.check(text, "text", CheckOptions(categories=frozenset({"call-to-action"})))
    assert only.findings and {f.category for f in only.findings} == {"call-to-action"}
    errors = engine.check(text, "text", CheckOptions(min_severity="error"))
    assert errors.findings and all(f.severity == "error" for f in errors.findings)


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown categories"):
        CheckOptions(categories=frozenset({"miracle"}))
    with pytest.raises(ValueError, match="unknown severity"):
        CheckOptions(min_severity="fatal")  # type: ignore[arg-type]


def test_empty_and_whitespace_give_no_findings(engine: Engine) -> None:
    for text in ("", "   ", "\n\n\t"):
        report = engine.check(text)
        assert report.findings == () and report.risk.level == "low" and report.risk.score == 0


def test_negation_hedge_and_attribution(rules_engine: Engine) -> None:
    flagged = rules_engine.check("Our stem cell injections are completely safe.")
    assert any(f.category == "absolute-safety" for f in flagged.findings)
    for clean in (
        "No stem cell injection is completely safe.",
        "There is no evidence that these injections are completely safe.",
        "Clinics claim the shots are completely safe, but patients have been harmed.",
        "Beware of clinics that call their injections completely safe.",
    ):
        report = rules_engine.check(clean)
        assert not [f for f in report.findings if f.category == "absolute-safety"], clean


def test_markdown_offsets_and_inline_suppression(rules_engine: Engine) -> None:
    md = (
        "# Our clinic\n\nThe injections are **completely safe**.\n\n"
        "<!-- redflag-disable-next-line -->\nThey are also risk-free.\n\n"
        "<!-- redflag-disable absolute-safety -->\nZero risk here.\n<!-- redflag-enable -->\n\nNo side effects at all!\n"
    )
    report = rules_engine.check(md, "markdown")
    assert_contract(md, report)
    texts = [f.text.lower() for f in report.findings]
    assert "completely safe" in texts and "no side effects" in texts
    assert "risk-free" not in texts and "zero risk" not in texts
    assert report.suppressed == 2


def test_html_offsets_point_into_the_markup(rules_engine: Engine) -> None:
    html = "<html><body><h1>Clinic</h1><p>Treatment is <b>completely&nbsp;safe</b> for all.</p></body></html>"
    report = rules_engine.check(html, "html")
    (f,) = [f for f in report.findings if f.category == "absolute-safety"]
    assert html[f.start : f.end] == "completely&nbsp;safe"
    assert f.line == 1 and f.column == html.index("completely") + 1
