"""The closed set of rule kinds, compiled once into matchers that cannot backtrack.

- ``phrases``: literal phrases, case-insensitive, whole words; all phrase rules
  share one :class:`Lexicon` (which holds the conditions' names too: a trie in
  the C extension, or pyahocorasick's automaton without it), so matching is one
  linear pass whatever the number of phrases.
- ``tokens``: a sequence of token alternatives with optional bounded gaps,
  compiled to an RE2 expression.
- ``regex``: an RE2 expression (RE2 guarantees time linear in the input).
- ``conditions``: names of diseases from several unrelated body systems in one
  sentence (see :mod:`app.engine.rules.conditions`).

Every matcher reads the normalised text (:mod:`app.engine.normalize`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ahocorasick
import re2

from app.engine.native import native_module
from app.engine.normalize import is_word_char
from app.engine.rules.schema import Rule, RuleError

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 64 << 20
_RE2_OPTIONS.case_sensitive = False


def compile_re2(pattern: str | bytes, where: str) -> Any:
    """An RE2 expression; a ``bytes`` pattern matches UTF-8 bytes and gives byte offsets."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except Exception as exc:  # re2 raises its own error type
        raise RuleError(f"{where}: pattern {pattern!r} does not compile: {exc}") from None


def compile_set(sources: list[str], max_mem: int) -> Any:
    """An RE2 set of ``bytes`` patterns (case-insensitive, like :func:`compile_re2`):
    ``Match(data)`` lists the indices of the patterns that match somewhere in ``data``."""
    options = re2._re2.RE2.Options()
    options.case_sensitive = False
    options.max_mem = max_mem
    pattern_set = re2._re2.Set(re2._re2.RE2.Anchor.UNANCHORED, options)
    for source in sources:
        pattern_set.Add(source.encode())
    pattern_set.Compile()
    return pattern_set


def _token_alt(token: str) -> str:
    words = token.strip().lower().split()
    if not words:
        raise ValueError("empty token")
    parts = []
    for w in words:
        if w.endswith("*") and len(w) > 1:
            parts.append(re.escape(w[:-1]) + r"[\w'-]*")
        else:
            parts.append(re.escape(w))
    body = r"\s+".join(parts)
    lead = r"\b" if is_word_char(words[0][0]) else ""
    tail = r"\b" if is_word_char(words[-1].rstrip("*")[-1]) or words[-1].endswith("*") else ""
    return lead + body + tail


def tokens_to_regex(tokens: list[Any], where: str) -> str:
    """``[[a, b], {gap: 2}, [c]]`` -> an RE2 expression."""
    out: list[str] = []
    pending_gap = 0
    for i, tok in enumerate(tokens):
        if isinstance(tok, dict):
            gap = tok.get("gap")
            if not isinstance(gap, int) or not 0 < gap <= 8:
                raise RuleError(f"{where}: token #{i + 1}: gap must be an integer from 1 to 8")
            pending_gap = gap
            continue
        alts = [tok] if isinstance(tok, str) else tok
        if not isinstance(alts, list) or not alts or not all(isinstance(a, str) for a in alts):
            raise RuleError(f"{where}: token #{i + 1} must be a string or a list of strings")
        group = "(?:" + "|".join(_token_alt(a) for a in alts) + ")"
        if out:
            sep = r"[\s,]+"
            if pending_gap:
                sep = r"[\s,]+(?:[\w'%$.-]+[\s,]+){0," + str(pending_gap) + "}"
            out.append(sep)
        out.append(group)
        pending_gap = 0
    if not out:
        raise RuleError(f"{where}: tokens must not be empty")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    rule: Rule


Hit = tuple[int, int, tuple[tuple[object, Any], ...]]  # start, end, (owner, value) payloads


class Lexicon:
    """Every list of words the rules look for (the phrase rules' phrases, the
    conditions' names) in one structure: one pass over a text finds them all, and each
    owner reads its own hits (two passes were ~0.1 ms a page).

    A hit is an occurrence of a key that neither starts nor ends inside a word (a word
    character on both sides of its edge): the phrase rules and the conditions drop
    those, and each applies its own edge rule to the rest.  With the C extension, a
    trie is walked only from such starts (most positions are inside words); without
    it, pyahocorasick finds every occurrence and those inside words are dropped here.
    Both give the same hits in the same order (``tests/engine/test_native.py``)."""

    def __init__(self) -> None:
        self._entries: dict[str, list[tuple[object, Any]]] = {}
        self._module = native_module()
        self._native: Any = None
        self._auto: Any = None
        self._payloads: list[tuple[tuple[object, Any], ...]] = []
        self._values: dict[object, dict[int, tuple[Any, ...]]] = {}  # values_of, by owner

    @property
    def walks_word_edges(self) -> bool:
        """Whether occurrences inside words cost nothing (the C extension's trie never
        visits them; pyahocorasick finds each, and each is then dropped in Python)."""
        return self._module is not None

    def add(self, key: str, owner: object, value: Any) -> None:
        self._entries.setdefault(key, []).append((owner, value))

    def build(self) -> None:
        self._payloads = [tuple(payloads) for payloads in self._entries.values()]
        self._values = {}
        if self._module is not None:
            self._native = self._module.WordTrie(list(self._entries))
            return
        self._auto = ahocorasick.Automaton()
        for key, payloads in zip(self._entries, self._payloads, strict=True):
            self._auto.add_word(key, (len(key), payloads))
        if self._entries:
            self._auto.make_automaton()

    def values_of(self, owner: object) -> dict[int, tuple[Any, ...]]:
        """For each key ``owner`` added, the ``id`` of its payloads (the object a hit
        carries) to ``owner``'s values there, made once a build: what an owner looks up
        for a hit, rather than filtering the payloads at every hit."""
        made = self._values.get(owner)
        if made is None:
            made = {}
            for payloads in self._payloads:
                values = tuple(value for who, value in payloads if who is owner)
                if values:
                    made[id(payloads)] = values
            self._values[owner] = made
        return made

    def hits(self, text: str) -> list[Hit]:
        """Every hit, by end, then longest first (an Aho-Corasick automaton's order)."""
        if not self._entries:
            return []
        if self._native is not None:
            payloads = self._payloads
            starts, ends, keys = self._native.find(text)
            return [(s, e, payloads[k]) for s, e, k in zip(starts, ends, keys, strict=True)]
        n = len(text)
        out: list[Hit] = []
        for end, (length, found) in self._auto.iter(text):
            start = end - length + 1
            if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
                continue
            if end + 1 < n and is_word_char(text[end + 1]) and is_word_char(text[end]):
                continue
            out.append((start, end + 1, found))
        return out


class PhraseMatcher:
    """All phrase rules, found in the shared :class:`Lexicon`'s pass."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    def add(self, phrase: str, rule: Rule) -> None:
        key = " ".join(phrase.lower().split())
        if not key:
            raise RuleError(f"{rule.path}: rule {rule.id!r}: empty phrase")
        self._lexicon.add(key, self, rule)

    def find(self, hits: list[Hit]) -> list[Match]:
        """The phrase rules' matches: every hit of their phrases (the lexicon's hits
        already neither start nor end inside a word, the phrases' own edge rule)."""
        rules_of = self._lexicon.values_of(self)
        out: list[Match] = []
        for start, end, payloads in hits:
            for rule in rules_of.get(id(payloads), ()):
                out.append(Match(start, end, rule))
        return out


def pattern_source(rule: Rule) -> str:
    """The RE2 source of a ``tokens`` or ``regex`` rule."""
    where = f"{rule.path}: rule {rule.id!r}"
    if rule.kind == "tokens":
        tokens = rule.spec.get("tokens")
        if not isinstance(tokens, list):
            raise RuleError(f"{where}: a tokens rule needs a 'tokens' list")
        return tokens_to_regex(tokens, where)
    pattern = rule.spec.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: a regex rule needs a 'pattern' string")
    return pattern


def set_source(rule: Rule) -> str:
    """What the RE2 set asks in place of a ``tokens`` or ``regex`` rule's pattern: its
    ``set_pattern`` when it has one, else the pattern itself.

    A set only picks the patterns to run in a block, so its member may match too
    often, never too seldom: a ``set_pattern`` is a part that every match of the
    pattern contains (the loader checks this on the rule's examples, a test on the
    corpus).  Asking the part keeps the set's automaton small where the whole pattern
    would multiply it (a common word before a long gap: "it ... is the standard of
    care" made the shared automaton 1.5 times larger)."""
    part = rule.spec.get("set_pattern")
    if part is None:
        return pattern_source(rule)
    if not isinstance(part, str) or not part:
        raise RuleError(f"{rule.path}: rule {rule.id!r}: set_pattern must be a non-empty string")
    return part


def compile_pattern(rule: Rule) -> Any:
    """The RE2 expression of a ``tokens`` or ``regex`` rule, over UTF-8 bytes.

    Matching bytes and mapping offsets once per document is about twice as fast
    as letting the wrapper convert offsets for every match."""
    return compile_re2(pattern_source(rule).encode(), f"{rule.path}: rule {rule.id!r}")
