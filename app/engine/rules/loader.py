"""Load, validate and compile the rule files (``data/rules/*.yml``) once."""

from __future__ import annotations

import bisect
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from app.engine.finding import CATEGORIES
from app.engine.normalize import Utf8Index, byte_spans, normalize
from app.engine.re2_direct import DIRECT, SETS
from app.engine.rules.conditions import ConditionMatcher
from app.engine.rules.kinds import (
    Lexicon,
    Match,
    PhraseMatcher,
    compile_pattern,
    compile_re2,
    compile_set,
    set_source,
)
from app.engine.rules.schema import Category, Rule, RuleError, parse_category
from app.engine.rules.starts import FOLDED_TO_ASCII, filter_tables, start_trie
from app.engine.rules.starts_cache import cached, store
from app.engine.sentences import sentences_touched, spans_leaving
from app.engine.yaml_data import YAMLError, load_yaml

# The RE2 set's memory: its automaton grows with the text it reads until it reaches
# its budget, then starts again.  The benchmark's megabyte of pages needs ~66 MB of it
# (less, and it starts again within the megabyte: 2.3 to 0.9 MB/s).  After 32 MB of new
# text, budgets of 128 and 32 MB (for two sets, then) took a service worker to 289 MB,
# 80 and 24 MB to 244, at the same speed on the benchmark; this one set of 80 MB to 238
# (bench/bench_memory.py).
_SET_MEMORY = 80 << 20
_ANCHORED = os.environ.get("REDFLAG_RULES_ANCHORED", "1") != "0"
_ANCHORED_MOST = 0xFFFFFFFF  # bytes of a text the start filter reads (positions are 32-bit)


def _start_filter(patterns: list[Any]) -> Any:
    """The C extension's filter of where each pattern can start, or None when a pattern
    has no prefixes (then the sets pick the patterns to run, as without the filter).
    Its tables are read from the cache when an earlier process built them
    (rules/starts_cache.py)."""
    sources: list[bytes] = [p.pattern for p in patterns]

    def build() -> Any:
        return filter_tables([start_trie(source) for source in sources])

    try:
        return _filter_of(cached(sources, build), len(patterns))
    except Exception:  # a cached file the filter cannot use: built again, written over
        tables = build()
        starts = _filter_of(tables, len(patterns))
        store(sources, tables)
        return starts


def _filter_of(tables: Any, n_patterns: int) -> Any:
    tries, rests, masks, unfiltered, classes = tables
    if unfiltered:
        return None
    return DIRECT.StartFilter(tries, rests, masks, n_patterns, classes)


DOCS_URL = "https://github.com/redflag-health/redflag/blob/main/docs/rules.md"


# a text to find matches in: its index, its blocks and its sentences (character spans)
Text = tuple[Utf8Index, list[tuple[int, int]], list[tuple[int, int]]]


@dataclass
class CompiledRule:
    rule: Rule
    pattern: Any | None  # RE2 for tokens/regex rules
    exceptions: tuple[Any, ...]


class RuleSet:
    """Every rule of every category, compiled; ``find`` runs them all over a text."""

    def __init__(
        self, categories: list[Category], fact_ids: set[str], *, defer_filter: bool = False
    ) -> None:
        """``defer_filter``: the start filter is built by :meth:`build_filter` (the engine
        calls it once everything else is loaded), not here."""
        self.categories = {c.id: c for c in categories}
        seen: dict[str, str] = {}
        self.rules: dict[str, CompiledRule] = {}
        self._lexicon = Lexicon()
        self._phrases = PhraseMatcher(self._lexicon)
        self._patterns: list[CompiledRule] = []
        self._regexps: list[Any] = []  # the patterns' RE2 objects, for the C extension
        condition_rules: list[Rule] = []
        gates: list[Any | None] = []  # each pattern's compiled set_pattern, if any
        for cat in categories:
            for fid in cat.facts:
                if fid not in fact_ids:
                    raise RuleError(
                        f"{cat.rules[0].path if cat.rules else cat.id}: cites unknown fact {fid!r}"
                    )
            for rule in cat.rules:
                if rule.id in seen:
                    raise RuleError(
                        f"{rule.path}: duplicate rule id {rule.id!r} (also in {seen[rule.id]})"
                    )
                seen[rule.id] = rule.path
                for fid in rule.facts:
                    if fid not in fact_ids:
                        raise RuleError(f"{rule.path}: rule {rule.id!r} cites unknown fact {fid!r}")
                where = f"{rule.path}: rule {rule.id!r}"
                for p in rule.exceptions:  # each must compile on its own, for a clear error
                    compile_re2(p.encode(), where + " exception")
                exceptions = (
                    (compile_re2("|".join(f"(?:{p})" for p in rule.exceptions).encode(), where),)
                    if rule.exceptions
                    else ()
                )
                compiled = CompiledRule(rule, None, exceptions)
                if "set_pattern" in rule.spec and rule.kind not in ("tokens", "regex"):
                    raise RuleError(f"{where}: only tokens and regex rules take a set_pattern")
                if rule.kind == "phrases":
                    phrases = rule.spec.get("phrases")
                    if (
                        not isinstance(phrases, list)
                        or not phrases
                        or not all(isinstance(p, str) for p in phrases)
                    ):
                        raise RuleError(
                            f"{where}: a phrases rule needs a non-empty 'phrases' list of strings"
                        )
                    for p in phrases:
                        self._phrases.add(p, rule)
                elif rule.kind in ("tokens", "regex"):
                    compiled.pattern = compile_pattern(rule)
                    gates.append(_checked_set_part(rule, compiled.pattern, where))
                    self._patterns.append(compiled)
                    self._regexps.append(compiled.pattern._regexp)
                else:
                    condition_rules.append(rule)
                self.rules[rule.id] = compiled
        # An RE2 set says, block by block, which patterns can match there.  Its automaton
        # grows with the text it sees; a rule whose pattern would multiply it asks the
        # set a part of itself instead (``set_pattern``, see kinds.set_source; found
        # with bench/README.md's recipe).  (set, its patterns): one set today; the
        # benchmarks try other groupings through this list.
        self._sets: list[tuple[Any, list[int]]] = []
        if self._patterns:
            sources = [set_source(c.rule) for c in self._patterns]
            members = list(range(len(self._patterns)))
            self._sets.append((compile_set(sources, _SET_MEMORY), members))
        # RE2 called from C for the sets and the patterns they flag (re2_direct)
        self._in_c = SETS
        # a rule's set_pattern, which every match holds, gates its pattern in a block
        self._gates = [None if g is None else g._regexp for g in gates]
        self._categories = [CATEGORIES.index(c.rule.category) for c in self._patterns]
        self._conditions = ConditionMatcher(condition_rules, self._lexicon)
        self._lexicon.build()
        self.version = ""
        # or each pattern asked, anchored, where it can start (rules/starts.py)
        self._starts: Any = None
        if not defer_filter:
            self.build_filter()

    def build_filter(self) -> None:
        """The start filter (with the C extension's RE2 calls, unless
        ``REDFLAG_RULES_ANCHORED=0``).  Its build makes ~30 MB of short-lived Python
        objects: built after what stays loaded, they leave the heap as it was (built
        before the model was loaded, ~8 MB more stayed resident)."""
        if self._starts is None and SETS and self._patterns and _ANCHORED:
            starts = _start_filter([c.pattern for c in self._patterns])
            if starts is not None:
                starts.bind(self._regexps, self._gates, self._categories)
            self._starts = starts

    def find(
        self, index: Utf8Index, blocks: list[tuple[int, int]], sentences: list[tuple[int, int]]
    ) -> list[Match]:
        """All raw matches (before context) of one text, in no particular order
        (:meth:`find_many` of one text)."""
        return self.find_many([(index, blocks, sentences)])[0]

    def find_many(self, texts: list[Text]) -> list[list[Match]]:
        """All raw matches (before context) of each text, in no particular order.

        Phrases and condition names: one pass of the lexicon.  Patterns: the RE2 set says,
        block by block, which patterns can match there; only those run, over that block.
        A finding lies in one sentence, so a pattern's matches are those it has in each
        sentence on its own: a match over the block that runs on from one sentence into
        the next is never a finding, and the sentences it touches are searched again one
        by one (what it passed over may hold a match that ends inside a sentence).

        Each step runs over every text before the next step starts: a set's automaton is
        tens of megabytes, and interleaving other matching evicts it from the CPU's
        caches (between blocks, the sets took ~4x their time in a tight loop; between
        texts, asking the sets about a batch of pages in a row saves ~10% of a check)."""
        lexicon_hits = [self._lexicon.hits(index.text) for index, _, _ in texts]
        found = [self._phrases.find(hits) for hits in lexicon_hits]
        if self._sets:
            byte_blocks = [index.spans_to_bytes(blocks) for index, blocks, _ in texts]
            if self._in_c:
                runs = self._runs_in_c(texts, byte_blocks)
            else:
                chunked = [
                    [(b0, index.data[b0:b1]) for b0, b1 in b]
                    for (index, _, _), b in zip(texts, byte_blocks, strict=True)
                ]
                flagged = self._flag(chunked)
                spans = self._search(chunked, flagged)
                runs = [
                    self._spans_of(chunks, picked, spans, t)
                    for t, (chunks, picked) in enumerate(zip(chunked, flagged, strict=True))
                ]
            for (index, _, sentences), blocks_of, run, matches in zip(
                texts, byte_blocks, runs, found, strict=True
            ):
                matches.extend(self._matches(index, sentences, blocks_of, *run))
        for (index, _, sentences), hits, matches in zip(texts, lexicon_hits, found, strict=True):
            matches.extend(self._conditions.find(index, sentences, hits))
        return found

    def _runs_in_c(
        self, texts: list[Text], byte_blocks: list[list[tuple[int, int]]]
    ) -> list[tuple[list[int], list[int], list[int], list[tuple[int, int, int]]]]:
        """The patterns' runs over each text's blocks, from C: where each pattern can start
        (the start filter, then RE2 anchored there), or, for a text holding a character
        RE2 folds to an ASCII letter (which the filter's bytes do not say), a text of 4 GB
        or more (the filter's positions are 32-bit) or without a filter, the sets and the
        patterns they flag, in one call."""
        pairs = [(index.data, b) for (index, _, _), b in zip(texts, byte_blocks, strict=True)]
        if self._starts is None:
            return DIRECT.block_pattern_spans(self._sets, self._regexps, pairs)  # type: ignore[no-any-return]
        # asked of the str: a page of Latin-1 cannot hold either (answered at once)
        long_s, kelvin = FOLDED_TO_ASCII
        folded = [
            long_s in index.text or kelvin in index.text or len(index.data) > _ANCHORED_MOST
            for index, _, _ in texts
        ]
        anchored = DIRECT.anchored_pattern_spans(
            self._starts,
            self._sets,
            [pair for pair, f in zip(pairs, folded, strict=True) if not f],
        )
        if not any(folded):
            return anchored  # type: ignore[no-any-return]
        by_sets = iter(
            DIRECT.block_pattern_spans(
                self._sets, self._regexps, [p for p, f in zip(pairs, folded, strict=True) if f]
            )
        )
        each = iter(anchored)
        return [next(by_sets) if f else next(each) for f in folded]

    def _flag(self, chunked: list[list[tuple[int, bytes]]]) -> list[list[list[int]]]:
        """For each text and block, the patterns the sets say can match in it, in the
        order the sets list them (one set today; ``bench.re2_sets`` tries others): each
        set over every block of every text, then the next set."""
        flagged: list[list[list[int]]] = [[[] for _ in chunks] for chunks in chunked]
        for pattern_set, members in self._sets:
            match = pattern_set.Match
            for chunks, picks in zip(chunked, flagged, strict=True):
                for (_, chunk), pick in zip(chunks, picks, strict=True):
                    picked = match(chunk)
                    if picked:
                        pick.extend(members[i] for i in picked)
        return flagged

    def _search(
        self, chunked: list[list[tuple[int, bytes]]], flagged: list[list[list[int]]]
    ) -> dict[tuple[int, int, int], list[tuple[int, int]]]:
        """Each flagged pattern's byte spans in each block it is flagged in, by (text,
        block, pattern): pattern by pattern, over every text, so that each pattern's
        automaton reads one block after another while it is in the CPU's caches."""
        where: dict[int, list[tuple[int, int]]] = {}
        for t, picks in enumerate(flagged):
            for j, ks in enumerate(picks):
                for k in ks:
                    where.setdefault(k, []).append((t, j))
        spans: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        for k, blocks in where.items():
            pattern = self._patterns[k].pattern
            for t, j in blocks:
                spans[(t, j, k)] = byte_spans(pattern, chunked[t][j][1])
        return spans

    def _spans_of(
        self,
        chunks: list[tuple[int, bytes]],
        flagged: list[list[int]],
        found: dict[tuple[int, int, int], list[tuple[int, int]]],
        t: int,
    ) -> tuple[list[int], list[int], list[int], list[tuple[int, int, int]]]:
        """The byte spans of the patterns flagged in each block of text ``t`` (found by
        ``_search``), block by block and pattern by pattern in the order the sets flagged
        them, with each one's pattern, and ``(block, pattern, index of its first span)``
        for each run that found any (the twin of the C extension's
        ``block_pattern_spans``).  That order decides which of two rules of a category
        wins when both match the same span with the same severity and confidence
        (``Engine._merge`` keeps the first)."""
        starts: list[int] = []
        ends: list[int] = []
        ks: list[int] = []
        runs: list[tuple[int, int, int]] = []
        for j, ((b0, _), picked) in enumerate(zip(chunks, flagged, strict=True)):
            for k in picked:
                spans = found[(t, j, k)]
                if spans:
                    runs.append((j, k, len(starts)))
                for s, e in spans:
                    starts.append(b0 + s)
                    ends.append(b0 + e)
                    ks.append(k)
        return starts, ends, ks, runs

    def _matches(
        self,
        index: Utf8Index,
        sentences: list[tuple[int, int]],
        blocks: list[tuple[int, int]],
        starts: list[int],
        ends: list[int],
        ks: list[int],
        runs: list[tuple[int, int, int]],
    ) -> list[Match]:
        """The patterns' matches from their byte spans (``_spans_of``), each inside one
        sentence (``blocks``: the text's blocks as byte spans)."""
        patterns = self._patterns
        rules = [patterns[k].rule for k in ks]
        char_starts, char_ends = index.chars_of(starts, ends)
        leaving = spans_leaving(char_starts, char_ends, sentences)
        if leaving:
            char_starts, char_ends, rules = self._again(
                index, blocks, sentences, runs, leaving, char_starts, char_ends, rules
            )
        return list(map(Match, char_starts, char_ends, rules))

    def _again(
        self,
        index: Utf8Index,
        blocks: list[tuple[int, int]],
        sentences: list[tuple[int, int]],
        runs: list[tuple[int, int, int]],
        leaving: list[int],
        starts: list[int],
        ends: list[int],
        rules: list[Rule],
    ) -> tuple[list[int], list[int], list[Rule]]:
        """The matches with those that leave their sentence (``leaving``) dropped, and each
        sentence such a match touches searched again alone by its pattern, the block
        around it as context.  Up to a match that leaves its sentence, a pattern's matches
        over a block are the sentences' own (the same leftmost match, the same end)."""
        sentence_starts = [s for s, _ in sentences]
        run_starts = [first for _, _, first in runs]
        touched: dict[int, set[int]] = {}  # run -> sentences to search again
        for n in leaving:
            r = bisect.bisect_right(run_starts, n) - 1
            touched.setdefault(r, set()).update(
                sentences_touched([(starts[n], ends[n])], sentence_starts, sentences)
            )
        drop = set(leaving)
        for r, again in touched.items():
            end = run_starts[r + 1] if r + 1 < len(runs) else len(starts)
            for n in range(run_starts[r], end):
                if bisect.bisect_right(sentence_starts, starts[n]) - 1 in again:
                    drop.add(n)
        keep = [n for n in range(len(starts)) if n not in drop]
        out_starts = [starts[n] for n in keep]
        out_ends = [ends[n] for n in keep]
        out_rules = [rules[n] for n in keep]
        for r, again in touched.items():
            j, k, _ = runs[r]
            b0, b1 = blocks[j]
            chunk = index.data[b0:b1]
            compiled = self._patterns[k]
            for i in sorted(again):
                s0, s1 = index.to_bytes(*sentences[i])
                for s, e in byte_spans(compiled.pattern, chunk, s0 - b0, s1 - b0):
                    cs, ce = index.to_chars(b0 + s, b0 + e)
                    out_starts.append(cs)
                    out_ends.append(ce)
                    out_rules.append(compiled.rule)
        return out_starts, out_ends, out_rules

    def excepted(self, rule_id: str, index: Utf8Index, start: int, end: int) -> bool:
        """Whether one of the rule's known false-positive patterns matches in text[start:end]."""
        return any(index.search(p, start, end) for p in self.rules[rule_id].exceptions)


def _checked_set_part(rule: Rule, pattern: Any, where: str) -> Any | None:
    """A rule's ``set_pattern``, compiled (None without one). It must match wherever
    the pattern matches in the rule's own examples (tests check the corpus too): a set
    or a gate that says no where the pattern matches would lose findings."""
    if "set_pattern" not in rule.spec:
        return None
    part = compile_re2(set_source(rule).encode(), where + " set_pattern")
    for example in (*rule.examples.flag, *rule.examples.passing):
        data = normalize(example.replace("<marker>", "").replace("</marker>", "")).encode()
        if byte_spans(pattern, data) and not byte_spans(part, data):
            raise RuleError(
                f"{where}: set_pattern does not match the example {example!r}, where the "
                "pattern does; it must match wherever the pattern matches"
            )
    return part


def rules_dir() -> Any:
    return resources.files("app.engine").joinpath("data/rules")


def load_rules(
    fact_ids: set[str], directory: Path | None = None, *, defer_filter: bool = False
) -> RuleSet:
    categories, version = read_categories(directory)
    ruleset = RuleSet(categories, fact_ids, defer_filter=defer_filter)
    ruleset.version = version
    return ruleset


def read_categories(directory: Path | None = None) -> tuple[list[Category], str]:
    """The rule files' categories, parsed and checked as data but not compiled, and the
    rules' version (a digest of the files): what a description of the rules needs (the
    CLI's catalog, while its workers load their engines)."""
    base: Any = directory if directory is not None else rules_dir()
    files = sorted((p for p in base.iterdir() if p.name.endswith(".yml")), key=lambda p: p.name)
    digest = hashlib.sha256()
    categories: list[Category] = []
    for path in files:
        shown = str(path) if directory is not None else f"app/engine/data/rules/{path.name}"
        text = path.read_text("utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode())
        try:
            data = load_yaml(text)
        except YAMLError as exc:
            raise RuleError(f"{shown}: invalid YAML: {exc}") from None
        cat = parse_category(data, shown, DOCS_URL)
        if cat.id not in CATEGORIES:
            raise RuleError(f"{shown}: unknown category {cat.id!r}; expected one of {CATEGORIES}")
        if path.name != f"{cat.id}.yml":
            raise RuleError(f"{shown}: the file of category {cat.id!r} must be named {cat.id}.yml")
        categories.append(cat)
    return categories, digest.hexdigest()[:12]
