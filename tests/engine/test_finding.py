"""The finding types: the engine's fast maker makes the same frozen findings."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from app.engine.finding import Fact, Finding, make_finding

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


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_a_finding_pickles_as_its_values(protocol: int) -> None:
    finding = make_finding(*VALUES)
    again = pickle.loads(pickle.dumps(finding, protocol=protocol))
    assert type(again) is Finding and again == finding and hash(again) == hash(finding)
    assert again.facts[0].to_dict() == FACT.to_dict()
    twice = pickle.loads(pickle.dumps([finding, finding], protocol=protocol))
    assert twice[0] is twice[1]  # the pickler's memo still shares what was shared
