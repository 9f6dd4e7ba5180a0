"""The ``conditions`` rule kind: one product for diseases of many unrelated systems.

The lexicon (``data/conditions.yml``) groups condition names by body system.
A sentence that names conditions from at least ``min_systems`` systems is a
match, spanning the first to the last condition named.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from app.engine.normalize import is_word_char
from app.engine.rules.kinds import Match
from app.engine.rules.schema import Rule, RuleError


def load_lexicon() -> dict[str, str]:
    """Condition name -> system."""
    text = resources.files("app.engine").joinpath("data/conditions.yml").read_text("utf-8")
    raw = yaml.safe_load(text)
    lexicon: dict[str, str] = {}
    for system, names in raw.items():
        for name in names:
            lexicon[str(name).lower()] = str(system)
    return lexicon


MIN_SENTENCE = 8


def _outermost(found: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop mentions nested in a longer one ("arthritis" in "rheumatoid arthritis");
    ``found`` is sorted by start, longest first."""
    kept: list[tuple[int, int, str]] = []
    for m in found:
        if kept and m[0] < kept[-1][1]:
            continue
        kept.append(m)
    return kept


class ConditionMatcher:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self._auto: Any = ahocorasick.Automaton()
        for name, system in load_lexicon().items():
            self._auto.add_word(name, (len(name), system))
        self._auto.make_automaton()
        for rule in rules:
            n = rule.spec.get("min_systems", 3)
            if not isinstance(n, int) or n < 2:
                raise RuleError(
                    f"{rule.path}: rule {rule.id!r}: min_systems must be an integer >= 2"
                )

    def _all(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
        """Every whole-word mention (start, end, system) in ``text[start:end]``, nested ones
        included, sorted by start, longest first."""
        found: list[tuple[int, int, str]] = []
        n = len(text)
        # iterate over the slice: pyahocorasick's iter(text, start, end) scans from the
        # text's beginning on every call, which made long documents quadratic
        chunk = text if start == 0 and end is None else text[start:end]
        for end_idx, (length, system) in self._auto.iter(chunk):
            s, e = start + end_idx - length + 1, start + end_idx + 1
            if s > 0 and is_word_char(text[s - 1]):
                continue
            if e < n and is_word_char(text[e]):
                continue
            found.append((s, e, system))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        return found

    def mentions(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """Condition mentions (start, end, system) in ``text[start:end]``, longest first at each place."""
        return _outermost(self._all(text, start, end))

    def find(self, text: str, sentences: list[tuple[int, int]]) -> list[Match]:
        """Matches in each sentence; one pass of the automaton over the whole text
        (a mention never crosses a sentence, so each sentence gets the mentions that
        lie inside it, exactly as :meth:`mentions` would find them there)."""
        if not self.rules:
            return []
        raw = self._all(text) if sentences else []
        if len(raw) < 2:
            return []
        starts = [m[0] for m in raw]
        out: list[Match] = []
        for s, e in sentences:
            if e - s < MIN_SENTENCE:  # too short to name conditions of several systems
                continue
            i = bisect.bisect_left(starts, s)
            if i >= len(raw) or raw[i][0] >= e:
                continue
            ms = _outermost(m for m in raw[i : bisect.bisect_left(starts, e)] if m[1] <= e)
            if len(ms) < 2:
                continue
            systems = {m[2] for m in ms}
            for rule in self.rules:
                if len(systems) >= rule.spec.get("min_systems", 3):
                    out.append(Match(ms[0][0], ms[-1][1], rule))
        return out
