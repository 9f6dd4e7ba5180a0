"""What the words around a match do to it: negation, hedging, critical attribution.

The cue lists are data (``data/context.yml``).  For a match inside a sentence
the engine asks :meth:`ContextCues.read`, which answers with the cues that
apply; each rule's ``context`` policy (suppress, downgrade or ignore) then says
what they do to that rule's finding.

- negation: a negation cue shortly before the match in the same clause, a
  negation whose scope is the rest of the clause ("there is no evidence
  that"), a negation just after the match ("... has not been shown"), or a
  regulatory caution anywhere in the sentence ("does not mean FDA-approved").
- hedge: a hedge from the start of the sentence to the end of the match's clause.
- attribution: the claim is reported from a third party ("clinics claim",
  "ads promised") or framed critically ("so-called", "beware", "misleading"),
  or it stands in quotation marks next to sentences that criticise it
  ("Language to look out for: "Clinically proven." Ask: which trial?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from app.engine.rules.kinds import compile_re2

_CLAUSE_BREAK = re.compile(
    r"[;:()\[\]]|\s-\s|--|\b(?:but|however|although|though|whereas|yet|while|unlike|except)\b"
)
_WORD = re.compile(r"[\w'-]+")
NEGATION_WINDOW = 10  # words before the match a negation cue may stand in
QUOTE_WINDOW_BEFORE = 2  # sentences before a quoted claim that may frame it critically


@dataclass(frozen=True, slots=True)
class ContextFlags:
    negation: bool
    hedge: bool
    attribution: bool

    def get(self, key: str) -> bool:
        return bool(getattr(self, key))


class ContextCues:
    def __init__(self, patterns: dict[str, str], where: str) -> None:
        def c(key: str) -> Any:
            if key not in patterns:
                raise ValueError(f"{where}: missing context pattern {key!r}")
            raw = "".join(line.strip() for line in patterns[key].splitlines())
            return compile_re2(raw, f"{where}: {key}")

        self.negation_before = c("negation_before")
        self.negation_scope = c("negation_scope")
        self.negation_after = c("negation_after")
        self.hedge = c("hedge")
        self.attribution = c("attribution")
        self.critical = c("critical")
        self.caution = c("caution")
        self.disclosure = c("disclosure")
        self.quote_chars = frozenset(patterns.get("quote_chars", "\"'"))

    def _clause(
        self, norm: str, s_start: int, s_end: int, m_start: int, m_end: int
    ) -> tuple[int, int]:
        c_start, c_end = s_start, s_end
        for br in _CLAUSE_BREAK.finditer(norm, s_start, s_end):
            if br.end() <= m_start:
                c_start = br.end()
            elif br.start() >= m_end:
                c_end = br.start()
                break
        return c_start, c_end

    def negated(self, norm: str, s_start: int, s_end: int, m_start: int, m_end: int) -> bool:
        c_start, c_end = self._clause(norm, s_start, s_end, m_start, m_end)
        prefix = norm[c_start:m_start]
        if self.negation_scope.search(prefix):
            return True
        words = list(_WORD.finditer(prefix))
        window_start = words[-NEGATION_WINDOW].start() if len(words) >= NEGATION_WINDOW else 0
        tail = prefix[window_start:].replace("not only", "        ")
        if self.negation_before.search(tail):
            return True
        if self.negation_after.search(norm[m_end:c_end]):
            return True
        return bool(self.caution.search(norm[s_start:s_end]))

    def hedged(self, norm: str, s_start: int, s_end: int, m_start: int, m_end: int) -> bool:
        _, c_end = self._clause(norm, s_start, s_end, m_start, m_end)
        return bool(self.hedge.search(norm[s_start:c_end]))

    def attributed(self, norm: str, s_start: int, s_end: int, m_start: int) -> bool:
        sentence = norm[s_start:s_end]
        if self.critical.search(sentence):
            return True
        return bool(self.attribution.search(norm[s_start:m_start]))

    def read(self, norm: str, s_start: int, s_end: int, m_start: int, m_end: int) -> ContextFlags:
        return ContextFlags(
            negation=self.negated(norm, s_start, s_end, m_start, m_end),
            hedge=self.hedged(norm, s_start, s_end, m_start, m_end),
            attribution=self.attributed(norm, s_start, s_end, m_start),
        )

    @staticmethod
    def quoted(norm: str, s_start: int, m_start: int, m_end: int) -> bool:
        """The match stands inside double quotation marks (normalised to ``"``) in its sentence."""
        return norm.count('"', s_start, m_start) % 2 == 1 and '"' in norm[m_end : m_end + 400]

    def critical_near(self, norm: str, sentences: list[tuple[int, int]], index: int) -> bool:
        """A critical or cautionary cue within the two sentences before or the one after."""
        for j in range(max(index - QUOTE_WINDOW_BEFORE, 0), min(index + 2, len(sentences))):
            if j == index:
                continue
            s, e = sentences[j]
            if self.critical.search(norm[s:e]) or self.caution.search(norm[s:e]):
                return True
        return False

    def sentence_is_caution(self, norm: str, s_start: int, s_end: int) -> bool:
        """A whole sentence that warns, criticises or states a regulatory limit."""
        sentence = norm[s_start:s_end]
        return bool(self.caution.search(sentence) or self.critical.search(sentence))


@lru_cache(maxsize=1)
def load_context_cues() -> ContextCues:
    path = "data/context.yml"
    text = resources.files("app.engine").joinpath(path).read_text("utf-8")
    return ContextCues(yaml.safe_load(text), f"app/engine/{path}")
