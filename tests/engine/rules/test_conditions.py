"""The conditions rule kind: names of conditions from several body systems."""

from __future__ import annotations

import pytest

from app.engine.facts import load_facts
from app.engine.normalize import Utf8Index
from app.engine.rules import conditions
from app.engine.rules.conditions import ConditionMatcher
from app.engine.rules.kinds import Lexicon
from app.engine.rules.loader import load_rules


def _matcher(
    monkeypatch: pytest.MonkeyPatch, names: dict[str, str]
) -> tuple[Lexicon, ConditionMatcher]:
    rules = load_rules(set(load_facts()))._conditions.rules
    assert rules
    monkeypatch.setattr(conditions, "load_lexicon", lambda: names)
    lexicon = Lexicon()
    matcher = ConditionMatcher(rules, lexicon)
    lexicon.build()
    return lexicon, matcher


def test_a_name_is_a_whole_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that begins and ends with a word character is whole wherever the lexicon
    hits it; one that does not (here "+asthma") is also checked against its neighbours."""
    lexicon, matcher = _matcher(monkeypatch, {"arthritis": "joints", "+asthma": "lungs"})
    assert (1, 8) in [(s, e) for s, e, _ in lexicon.hits("x+asthma")]  # the lexicon's hit
    for text, expected in (
        ("a +asthma and arthritis", [(2, 9, "lungs"), (14, 23, "joints")]),
        ("x+asthma and arthritis", [(13, 22, "joints")]),  # "x" before "+asthma"
        ("osteoarthritis", []),
    ):
        assert matcher._all(Utf8Index(text), lexicon.hits(text)) == expected


def test_each_owner_reads_its_own_values_of_a_key() -> None:
    lexicon = Lexicon()
    one, two = object(), object()
    lexicon.add("stem cells", one, "a")
    lexicon.add("stem cells", two, "b")
    lexicon.add("stem cells", one, "c")
    lexicon.add("exosomes", two, "d")
    lexicon.build()
    ((start, end, payloads),) = lexicon.hits("stem cells")
    assert (start, end) == (0, 10)
    assert lexicon.values_of(one)[id(payloads)] == ("a", "c")
    assert lexicon.values_of(two)[id(payloads)] == ("b",)
    assert len(lexicon.values_of(two)) == 2
    assert lexicon.values_of(object()) == {}
    lexicon.add("exosomes", one, "e")
    lexicon.build()  # a new build: the values are read again
    assert sorted(lexicon.values_of(one).values()) == [("a", "c"), ("e",)]
