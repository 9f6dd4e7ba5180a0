"""The ``conditions`` rule kind: one product for diseases of many unrelated systems.

The lexicon (``data/conditions.yml``) groups condition names by body system.
A sentence that names conditions from at least ``min_systems`` systems is a
match, spanning the first to the last condition named.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from importlib import resources

from app.engine.normalize import Utf8Index, is_word_char
from app.engine.rules.kinds import Hit, Lexicon, Match, compile_re2
from app.engine.rules.schema import Rule, RuleError
from app.engine.yaml_data import load_yaml


def load_lexicon() -> dict[str, str]:
    """Condition name -> system."""
    text = resources.files("app.engine").joinpath("data/conditions.yml").read_text("utf-8")
    raw = load_yaml(text)
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


# Names this short ("ed", "ms", "als") occur inside many words ("treated"):
# pyahocorasick reports every such hit (two thirds of all hits), so without the C
# extension (whose trie never looks inside words) one RE2 pass finds them instead.
SHORT_NAME = 3


class ConditionMatcher:
    """The conditions rules; the names are found in the shared :class:`Lexicon`'s pass
    (the short ones with RE2)."""

    def __init__(self, rules: list[Rule], lexicon: Lexicon) -> None:
        self.rules = rules
        self._lexicon = lexicon
        self._short: dict[str, str] = {}
        for name, system in load_lexicon().items() if rules else ():
            short = len(name) <= SHORT_NAME and name.isascii() and name.isalnum()
            if short and not lexicon.walks_word_edges:
                self._short[name] = system
            else:
                # with whether the name begins and ends with a word character: then the
                # lexicon's own edge rule makes its hits whole words
                lexicon.add(name, self, (system, is_word_char(name[0]) and is_word_char(name[-1])))
        alternatives = "|".join(sorted(map(re.escape, self._short), key=len, reverse=True))
        self._short_re = (
            compile_re2(rf"\b(?:{alternatives})\b".encode(), "short condition names")
            if self._short
            else None
        )
        for rule in rules:
            n = rule.spec.get("min_systems", 3)
            if not isinstance(n, int) or n < 2:
                raise RuleError(
                    f"{rule.path}: rule {rule.id!r}: min_systems must be an integer >= 2"
                )

    def _all(self, index: Utf8Index, hits: list[Hit]) -> list[tuple[int, int, str]]:
        """Every whole-word mention (start, end, system) in the text, nested ones included,
        sorted by start, longest first."""
        text = index.text
        n = len(text)
        found: list[tuple[int, int, str]] = []
        names_of = self._lexicon.values_of(self)
        for s, e, payloads in hits:
            for system, bounded in names_of.get(id(payloads), ()):
                # the lexicon's hits neither start nor end inside a word, so a name that
                # begins and ends with a word character is a whole word wherever it hits
                if not bounded and (
                    (s > 0 and is_word_char(text[s - 1])) or (e < n and is_word_char(text[e]))
                ):
                    continue
                found.append((s, e, system))
        if self._short_re is not None:
            # RE2's \b knows only ASCII letters: a name next to another letter ("éms") is
            # found too, and dropped here, so exactly the automaton's whole words remain
            for s, e in index.spans(self._short_re):
                if (s > 0 and is_word_char(text[s - 1])) or (e < n and is_word_char(text[e])):
                    continue
                found.append((s, e, self._short[text[s:e]]))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        return found

    def find(
        self, index: Utf8Index, sentences: list[tuple[int, int]], hits: list[Hit]
    ) -> list[Match]:
        """Matches in each sentence; one pass over the whole text (a mention never crosses
        a sentence, so each sentence gets the mentions that lie inside it)."""
        if not self.rules:
            return []
        raw = self._all(index, hits) if sentences else []
        if len(raw) < 2:
            return []
        # each mention to the sentence that holds it; only sentences with two or more
        # mentions are looked at (most have none)
        sentence_starts = [s for s, _ in sentences]
        by_sentence: dict[int, list[tuple[int, int, str]]] = {}
        for m in raw:
            i = bisect.bisect_right(sentence_starts, m[0]) - 1
            if i >= 0 and m[1] <= sentences[i][1]:
                by_sentence.setdefault(i, []).append(m)
        out: list[Match] = []
        for i in sorted(by_sentence):
            s, e = sentences[i]
            if e - s < MIN_SENTENCE or len(by_sentence[i]) < 2:
                continue
            ms = _outermost(by_sentence[i])
            if len(ms) < 2:
                continue
            systems = {m[2] for m in ms}
            for rule in self.rules:
                if len(systems) >= rule.spec.get("min_systems", 3):
                    out.append(Match(ms[0][0], ms[-1][1], rule))
        return out
