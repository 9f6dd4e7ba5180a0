"""The finding types: the engine's fast maker makes the same frozen findings."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import orjson
import pytest

from app.engine import Engine
from app.engine import finding as finding_module
from app.engine.finding import (
    DocumentFinding,
    Fact,
    Finding,
    Report,
    Risk,
    make_finding,
    rounded_confidence,
)
from app.engine.native import native_module
from tests.conftest import CORPUS

FACT = Fact("fda-x", "A statement.", "FDA", "https://fda.gov", "external", url="https://fda.gov")
VALUES: tuple[Any, ...] = (
    "efficacy-overclaim.cure", "efficacy-overclaim", "error", "It says cure.", 4, 9, 1, 5, 1, 10,
    "cures", "Say what was measured.", "rule", 0.875, (FACT,), ("fda-x",), 0, 20, "https://x",
)  # fmt: skip


def test_make_finding_is_the_constructor() -> None:
    made = make_finding(*VALUES)
    assert type(made) is Finding
    assert made == Finding(*VALUES)
    assert hash(made) == hash(Finding(*VALUES))
    assert [getattr(made, f.name) for f in dataclasses.fields(Finding)] == list(VALUES)
    assert made.to_dict() == Finding(*VALUES).to_dict()


def test_a_made_finding_is_frozen_and_needs_every_field() -> None:
    made = make_finding(*VALUES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.start = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        make_finding(*VALUES[:-1])


def test_a_facts_json_form_is_made_once_and_given_as_a_copy() -> None:
    first = FACT.to_dict()
    assert first == {
        "id": "fda-x", "statement": "A statement.", "authority": "FDA",
        "source": "https://fda.gov", "kind": "external", "quote": None,
        "url": "https://fda.gov", "verified": True,
    }  # fmt: skip
    first["id"] = "changed"
    assert FACT.to_dict()["id"] == "fda-x"
    assert pickle.loads(pickle.dumps(FACT)).to_dict() == FACT.to_dict()
    assert dataclasses.replace(FACT, statement="Another.").to_dict()["statement"] == "Another."
    assert dataclasses.replace(FACT) == FACT and hash(FACT) == hash(dataclasses.replace(FACT))


@pytest.mark.parametrize("in_c", [True, False])
@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_a_finding_pickles_as_its_values(
    protocol: int, in_c: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made again by the C extension's ``SlotMaker`` where it is, else ``make_finding``."""
    if not in_c:
        monkeypatch.setattr(finding_module, "slot_maker", lambda: None)
    elif native_module() is not None:
        assert type(finding_module.slot_maker()).__name__ == "SlotMaker"
    finding = make_finding(*VALUES)
    again = pickle.loads(pickle.dumps(finding, protocol=protocol))
    assert type(again) is Finding and again == finding and hash(again) == hash(finding)
    assert again.facts[0].to_dict() == FACT.to_dict()
    twice = pickle.loads(pickle.dumps([finding, finding], protocol=protocol))
    assert twice[0] is twice[1]  # the pickler's memo still shares what was shared


def _report(confidences: tuple[float, ...]) -> Report:
    findings = tuple(make_finding(*VALUES[:13], c, *VALUES[14:]) for c in confidences)
    document = DocumentFinding(
        "missing-risk-disclosure", "warning", "No risks.", "Say them.", (FACT,)
    )
    risk = Risk(40, "medium", {"efficacy-overclaim": len(findings)})
    return Report(findings, (document,), risk, 1, {"sentences": 3}, {"rules": "1"})


# remembered, rounded up and down, zero of either sign, an int, not a number, a tie
_CONFIDENCES = (0.875, 0.875, 0.12345, 1 / 3, 0.0, -0.0, 1, 1.0, float("nan"), 0.99995, 5e-05)


@pytest.mark.parametrize("in_c", [True, False])
def test_a_reports_json_is_its_dict_written(in_c: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``to_json`` and ``json_form`` give the bytes orjson writes of ``to_dict``, with each
    finding's form made in C (the extension's ``finding_forms``) or in Python."""
    if not in_c:
        monkeypatch.setattr(finding_module, "slot_maker", lambda: None)
    report = _report(_CONFIDENCES)
    written = orjson.dumps(report.to_dict())
    assert report.to_json() == written
    assert orjson.dumps(report.json_form()) == written
    assert orjson.loads(written)["findings"][1]["confidence"] == 0.875
    assert orjson.dumps({"id": "x", **report.json_form()}) == orjson.dumps(
        {"id": "x", **report.to_dict()}
    )
    for option in (None, orjson.OPT_INDENT_2):
        assert orjson.dumps(report.shared_form(), option=option) == orjson.dumps(
            report.to_dict(), option=option
        )
    shared = report.shared_form()
    assert shared["findings"][0]["facts"][0] is FACT._json  # shared, not copied
    assert shared["document_findings"][0]["facts"][0] is FACT._json


def test_rounded_confidence_is_round_to_four_places() -> None:
    for c in _CONFIDENCES:
        assert orjson.dumps(rounded_confidence(c)) == orjson.dumps(round(c, 4))
    assert type(rounded_confidence(1)) is int
    assert str(rounded_confidence(-0.0)) == "-0.0"
    many = [k / 7919 for k in range(1, 9000)]  # more than it keeps: it forgets, still right
    assert [rounded_confidence(c) for c in many] == [round(c, 4) for c in many]
    assert 0 < len(finding_module._ROUNDED) <= finding_module._ROUNDED_MAX


def test_a_facts_json_is_written_once_and_it_still_pickles() -> None:
    assert orjson.dumps([FACT._fragment]) == orjson.dumps([FACT.to_dict()])
    again = pickle.loads(pickle.dumps(FACT))
    assert again == FACT and orjson.dumps(again._fragment) == orjson.dumps(FACT._fragment)


def test_every_corpus_reports_json_is_its_dict_written(engine: Engine) -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        for fmt in ("text", "markdown"):
            report = engine.check(path.read_text("utf-8"), fmt)
            assert report.to_json() == orjson.dumps(report.to_dict()), (path.name, fmt)
            indented = orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2)
            assert orjson.dumps(report.shared_form(), option=orjson.OPT_INDENT_2) == indented
