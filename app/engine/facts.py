"""The regulatory fact base: facts as data, cited by every finding.

Facts come from two files in ``data/facts``: ``corpus.yml`` (each fact with the
corpus file and the exact sentence it rests on) and ``external.yml`` (public
FDA, ISSCR and FTC positions with their URLs, ``verified: false`` where only
secondary reports back them).  A finding cites the facts its rule names, then
the facts of its category ranked by how many of their topic words its sentence
contains.  A claim contradicts a fact when the fact lists the finding's
category in ``contradicted_by`` and the sentence touches one of its topics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from app.engine.finding import CATEGORIES, Fact
from app.engine.native import native_module
from app.engine.rules.schema import RuleError
from app.engine.yaml_data import YAMLError, load_yaml

FACT_FILES = ("corpus.yml", "external.yml")
MAX_CITED = 3
_WORDS = re.compile(r"[a-z0-9][a-z0-9'./-]*")
_NATIVE = native_module()


def _parse_fact(raw: Any, kind: str, where: str) -> Fact:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: each fact must be a mapping")
    for key in ("id", "authority", "statement"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise RuleError(f"{where}: fact {raw.get('id')!r} needs a string {key!r}")
    fid = raw["id"]
    cats = tuple(raw.get("categories", ()))
    for c in (*cats, *raw.get("contradicted_by", ())):
        if c not in CATEGORIES:
            raise RuleError(f"{where}: fact {fid!r}: unknown category {c!r}")
    if kind == "corpus":
        if not isinstance(raw.get("source"), str) or not isinstance(raw.get("quote"), str):
            raise RuleError(
                f"{where}: corpus fact {fid!r} needs 'source' (a corpus file) and 'quote'"
            )
        source, quote, url = raw["source"], raw["quote"], None
    else:
        if not isinstance(raw.get("url"), str):
            raise RuleError(f"{where}: external fact {fid!r} needs a 'url'")
        source, quote, url = raw["url"], None, raw["url"]
    return Fact(
        id=fid,
        statement=raw["statement"],
        authority=raw["authority"],
        source=source,
        kind="corpus" if kind == "corpus" else "external",
        quote=quote,
        url=url,
        verified=bool(raw.get("verified", True)),
        categories=cats,
        topics=tuple(str(t).lower() for t in raw.get("topics", ())),
        contradicted_by=tuple(raw.get("contradicted_by", ())),
    )


def load_facts() -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    base = resources.files("app.engine").joinpath("data/facts")
    for name in FACT_FILES:
        where = f"app/engine/data/facts/{name}"
        try:
            data = load_yaml(base.joinpath(name).read_text("utf-8"))
        except YAMLError as exc:
            raise RuleError(f"{where}: invalid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            raise RuleError(f"{where}: expected a mapping with a 'facts' list")
        kind = "corpus" if name.startswith("corpus") else "external"
        for raw in data["facts"]:
            fact = _parse_fact(raw, kind, where)
            if fact.id in facts:
                raise RuleError(f"{where}: duplicate fact id {fact.id!r}")
            facts[fact.id] = fact
    return facts


@dataclass(frozen=True, slots=True)
class Citation:
    facts: tuple[Fact, ...]
    contradicts: tuple[str, ...]


class FactBase:
    def __init__(self, facts: dict[str, Fact]) -> None:
        self.facts = facts
        # the choice depends on the sentence only through the topic words in it, so it
        # is cached by those (a few hundred keys at most), not by the sentence
        self._topics = frozenset(t for f in facts.values() for t in f.topics)
        self._native_topics = _NATIVE.TopicWords(self._topics) if _NATIVE is not None else None
        self._cache: dict[tuple[str, tuple[str, ...], frozenset[str]], Citation] = {}
        self._by_category: dict[str, list[Fact]] = {c: [] for c in CATEGORIES}
        for fact in facts.values():
            for c in fact.categories:
                self._by_category[c].append(fact)

    def check_ids(self, ids: Iterable[str], where: str) -> None:
        for fid in ids:
            if fid not in self.facts:
                raise RuleError(f"{where}: cites unknown fact {fid!r}")

    def topic_words(self, text: str, start: int = 0, end: int | None = None) -> frozenset[str]:
        """The words of a (normalised) sentence, ``text[start:end]``, that are some fact's
        topic (with the C extension, found without making a string of each word that is not)."""
        stop = len(text) if end is None else end
        if self._native_topics is not None:
            words: frozenset[str] = self._native_topics.find(text, start, stop)
            return words
        return self._topics.intersection(_WORDS.findall(text, start, stop))

    def cite(self, category: str, rule_facts: tuple[str, ...], sentence_norm: str) -> Citation:
        return self.cite_topics(category, rule_facts, self.topic_words(sentence_norm))

    def cite_topics(
        self, category: str, rule_facts: tuple[str, ...], words: frozenset[str]
    ) -> Citation:
        """:meth:`cite` for a sentence whose :meth:`topic_words` are ``words``."""
        key = (category, rule_facts, words)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) > 4096:
            self._cache.clear()
        chosen: list[Fact] = [self.facts[f] for f in rule_facts]
        chosen_ids = set(rule_facts)
        candidates = [f for f in self._by_category.get(category, []) if f.id not in chosen_ids]
        scored = sorted(
            candidates,
            key=lambda f: (
                -sum(1 for t in f.topics if t in words),
                not f.verified,
                f.kind != "corpus",
            ),
        )
        for f in scored:
            if len(chosen) >= MAX_CITED:
                break
            if f.topics and not any(t in words for t in f.topics) and chosen:
                continue
            chosen.append(f)
        # one corpus fact at least, when the category has one
        if not any(f.kind == "corpus" for f in chosen):
            corpus = [f for f in scored if f.kind == "corpus"]
            if corpus:
                chosen = [*chosen[: MAX_CITED - 1], corpus[0]]
        contradicts = tuple(
            f.id
            for f in chosen
            if category in f.contradicted_by and (not f.topics or any(t in words for t in f.topics))
        )
        citation = Citation(tuple(chosen[:MAX_CITED]), contradicts)
        self._cache[key] = citation
        return citation
