"""The engine's one entry point: text, format and options in; a :class:`Report` out.

One check flows like this:

1. the format's adapter turns the input into a :class:`Document` (visible text
   blocks with a map back to input offsets) and collects inline directives;
2. the text is split into sentences and normalised (lower case, ASCII quotes);
3. the rules find raw matches; each is read in its sentence's context
   (negation, hedge, critical attribution) and kept, downgraded or dropped;
4. the classifier scores every sentence of every document in one call; a
   category above its threshold confirms a rule finding or raises its own;
5. findings are merged, cited with regulatory facts, mapped to input offsets
   with line and column, filtered by the options and inline directives;
6. the document gets its risk score, counts and document findings.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from app import __version__
from app.engine.context import (
    NEGATION_WINDOW,
    QUOTE_REACH,
    QUOTE_WINDOW_BEFORE,
    ContextCues,
    DocumentContext,
    load_context_cues,
)
from app.engine.facts import FactBase, load_facts
from app.engine.finding import (
    CATEGORIES,
    SEVERITIES,
    Fact,
    Finding,
    Report,
    Severity,
    make_finding,
    severity_rank,
    slot_maker,
)
from app.engine.formats import Document, line_starts, parse
from app.engine.model import Model, load_model
from app.engine.native import native_module
from app.engine.normalize import Utf8Index, has_lone_surrogate, normalize
from app.engine.options import CheckOptions
from app.engine.re2_direct import DIRECT
from app.engine.risk import document_findings, risk_of
from app.engine.rules.kinds import Match, compile_re2
from app.engine.rules.loader import RuleSet, load_rules
from app.engine.sentences import split_sentences
from app.engine.suppress import apply_directives

DOWNGRADE_FACTOR = 0.6
_REGULATORS = ("FDA", "EMA", "FTC", "ISSCR")
# code points a Python str may hold but UTF-8 (and so blingfire and RE2) cannot encode
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Runs Bling Fire splits about ten times slower per character than prose (8 against
# 0.8 us), and which hold no sentence anyway: punctuation or symbols (with or without
# spaces between the marks), and "words" of 200 characters or more ("a.a.a."); the
# splitter sees them as spaces.
_PUNCTUATION_RUN = compile_re2(
    r"[\p{P}\p{S}][\p{P}\p{S}\s]{30,}[\p{P}\p{S}]|\S{200,}", "punctuation runs"
)


# the same over the normalised text's UTF-8 (normalising keeps punctuation, symbols and
# spaces what they are): searched without encoding the text again
_PUNCTUATION_RUN_BYTES = compile_re2(_PUNCTUATION_RUN.pattern.encode(), "punctuation runs")


def _calm(doc: Document, index: Utf8Index) -> Document:
    """``doc`` with long runs of punctuation or symbols, and overlong words, blanked out,
    for the sentence splitter (``index``: its normalised text)."""
    if not index.search(_PUNCTUATION_RUN_BYTES, 0, len(index.text)):
        return doc
    parts: list[str] = []
    last = 0
    for m in _PUNCTUATION_RUN.finditer(doc.text):
        start, end = m.span()
        parts += [doc.text[last:start], " " * (end - start)]
        last = end
    parts.append(doc.text[last:])
    return replace(doc, text="".join(parts))


class CheckTimeout(RuntimeError):
    """The check passed its deadline (see ``Engine.check_many``)."""


_FINDING_ORDER = operator.attrgetter("start", "end", "category", "id")
MODEL_STRONG = 0.85  # a model finding at or above this keeps its category's severity
# (facts, contradicted fact ids, message, rule page) of a rule and a sentence's topic words
_Cited = tuple[tuple[Fact, ...], tuple[str, ...], str, str | None]
_CITED_KEPT = 8192  # such entries remembered (a few thousand over a large site)
# what a finding of a kind (a rule, or the model's category) says: id, category,
# message, suggestion, the rule's facts, and its source ("rule" or "model")
_Kind = tuple[str, str, str, str, tuple[str, ...], str]
_SEVERITY_RANK = {s: k for k, s in enumerate(SEVERITIES)}
_NO_THRESHOLDS = np.zeros(len(CATEGORIES))
_NATIVE = native_module()


@dataclass
class _Prepared:
    doc: Document
    norm: str
    sentences: list[tuple[int, int]]
    sentence_starts: list[int]
    index: Utf8Index
    ctx: DocumentContext
    topics: dict[int, frozenset[str]] = field(default_factory=dict)  # sentence -> topic words


def _downgrade(sev: Severity) -> Severity:
    return SEVERITIES[max(severity_rank(sev) - 1, 0)]  # type: ignore[return-value]


class Engine:
    """Rules, facts, context cues and (optionally) the model, loaded once."""

    def __init__(
        self, model_dir: Path | None = None, *, model: Model | None = None, use_model: bool = True
    ) -> None:
        self.facts = FactBase(load_facts())
        self.rules: RuleSet = load_rules(set(self.facts.facts), defer_filter=True)
        self.cues: ContextCues = load_context_cues()
        self.model: Model | None = model
        if self.model is None and use_model and model_dir is not None:
            self.model = load_model(model_dir)
        # the rules' context policies and exceptions for the C extension's verdicts
        # (it searches exceptions with RE2 itself, so only where re2_direct is bound)
        self._rule_index = {rule_id: k for k, rule_id in enumerate(self.rules.rules)}
        self._cited: dict[tuple[str, frozenset[str]], _Cited] = {}
        # the C extension's twins of _drafted and _build (merged_drafts, built_findings),
        # and what they read: each rule's category, each category's place among the
        # sorted ids and its model findings' severity, and what a finding of each kind
        # (a rule, then the model's categories) says
        self._native_report = _NATIVE if hasattr(_NATIVE, "merged_drafts") else None
        # what built_findings makes each finding with: its values stored in the slots
        self._make_finding: object = slot_maker() or make_finding
        column = {c: i for i, c in enumerate(CATEGORIES)}
        self._kind_category = [column[c.rule.category] for c in self.rules.rules.values()]
        self._category_rank = [sorted(CATEGORIES).index(c) for c in CATEGORIES]
        self._category_severity = [
            severity_rank(cat.default_severity) if cat is not None else -1
            for cat in map(self.rules.categories.get, CATEGORIES)
        ]
        self._kinds: list[_Kind | None] = [
            (c.rule.id, c.rule.category, c.rule.message, c.rule.suggestion, c.rule.facts, "rule")
            for c in self.rules.rules.values()
        ]
        for category in CATEGORIES:
            cat = self.rules.categories.get(category)
            self._kinds.append(
                (f"model.{category}", category, cat.message, cat.suggestion, (), "model")
                if cat is not None
                else None
            )
        self._verdicts: object | None = None
        if DIRECT is not None:
            self._verdicts = DIRECT.ContextPolicies(
                [
                    (
                        severity_rank(c.rule.severity),
                        c.rule.confidence,
                        list(c.rule.context.items()),
                        c.exceptions[0]._regexp if c.exceptions else None,
                    )
                    for c in self.rules.rules.values()
                ]
            )
        # last: what its build leaves behind is then not kept in use by the rest
        self.rules.build_filter()

    @property
    def versions(self) -> dict[str, str]:
        return {
            "app": __version__,
            "rules": self.rules.version,
            "model": self.model.version if self.model else "none",
        }

    @property
    def native(self) -> bool:
        """Whether the model runs its inner loops in the C extension (``_native.pyx``)."""
        compiled = self.model.compiled if self.model else None
        return compiled is not None and compiled.features._native is not None

    # -- public API -----------------------------------------------------------------

    def check(self, text: str, fmt: str = "text", options: CheckOptions | None = None) -> Report:
        return self.check_many([(text, fmt)], options)[0]

    def check_many(
        self,
        items: Sequence[tuple[str, str]],
        options: CheckOptions | None = None,
        deadline: float | None = None,
    ) -> list[Report]:
        """Check many documents; the model scores all their sentences in one call.

        ``deadline`` is a ``time.monotonic()`` value; past it, between steps and
        documents, the check stops with :class:`CheckTimeout`.
        """
        opts = options or CheckOptions()

        def on_time() -> None:
            if deadline is not None and time.monotonic() > deadline:
                raise CheckTimeout("the check passed its time limit")

        prepared = []
        for text, fmt in items:
            prepared.append(self._prepare(text, fmt))
            on_time()
        # each step over every document before the next (the rules' automata and the
        # model's tables stay in the CPU's caches from one document to the next)
        found = self.rules.find_many([(p.index, p.doc.blocks, p.sentences) for p in prepared])
        on_time()
        if len(prepared) > 1:
            self.cues.find_in_each(
                [p.ctx for p, matches in zip(prepared, found, strict=True) if matches]
            )
            on_time()
        raws = []
        for p, matches in zip(prepared, found, strict=True):
            raws.append(self._rule_findings(p, matches))
            on_time()
        probas = self._score(prepared) if (opts.use_model and self.model is not None) else None
        reports = []
        row = 0
        for p, raw in zip(prepared, raws, strict=True):
            on_time()
            n = len(p.sentences)
            proba = probas[row : row + n] if probas is not None else None
            row += n
            reports.append(self._report(p, raw, proba, opts))
        return reports

    def signals(self, texts: Sequence[str], fmt: str = "text") -> tuple[list[set[str]], np.ndarray]:
        """For training and evaluation: per text, the categories the rules raise (after
        context) and, per category, the highest model probability over its sentences
        that are not cautions (the sentences the model may raise findings in)."""
        prepared = [self._prepare(t, fmt) for t in texts]
        probas = self._score(prepared) if self.model is not None else None
        rule_sets: list[set[str]] = []
        maxp = np.zeros((len(texts), len(CATEGORIES)))
        row = 0
        found = self.rules.find_many([(p.index, p.doc.blocks, p.sentences) for p in prepared])
        for k, (p, matches) in enumerate(zip(prepared, found, strict=True)):
            rule_sets.append({m.rule.category for _, m, _, _ in self._rule_findings(p, matches)})
            n = len(p.sentences)
            if probas is not None:
                for si, (s, e) in enumerate(p.sentences):
                    if not p.ctx.is_caution(s, e):
                        maxp[k] = np.maximum(maxp[k], probas[row + si])
            row += n
        return rule_sets, maxp

    # -- steps ------------------------------------------------------------------------

    def _prepare(self, text: str, fmt: str) -> _Prepared:
        # Lone surrogates are read as U+FFFD, one for one, so every offset holds and
        # findings still quote the caller's original text.
        safe = (
            text
            if text.isascii() or not has_lone_surrogate(text)
            else _LONE_SURROGATE.sub("\ufffd", text)
        )
        doc = parse(safe, fmt)
        doc.source = text
        norm = normalize(doc.text)
        index = Utf8Index(norm)
        sentences = split_sentences(_calm(doc, index))
        return _Prepared(
            doc,
            norm,
            sentences,
            [s for s, _ in sentences],
            index,
            self.cues.for_document(index, sentences),
        )

    def _score(self, prepared: list[_Prepared]) -> np.ndarray:
        assert self.model is not None
        texts = [p.doc.text[s:e] for p in prepared for s, e in p.sentences]
        return self.model.predict_proba(texts)

    def _sentence_of(self, p: _Prepared, start: int, end: int) -> int | None:
        i = bisect.bisect_right(p.sentence_starts, start) - 1
        if i < 0:
            return None
        return i if end <= p.sentences[i][1] else None

    def _rule_findings(
        self, p: _Prepared, matches: list[Match]
    ) -> list[tuple[int, Match, Severity, float]]:
        """(sentence index, match, severity, confidence) for each of the rules' raw matches
        in the document that survives context."""
        if self._verdicts is not None:
            return self._verdicts_in_c(p, matches) if matches else []
        out = []
        ctx = p.ctx
        excepted: dict[tuple[str, int], bool] = {}
        for m in matches:
            si = self._sentence_of(p, m.start, m.end)
            if si is None:
                continue
            rule = m.rule
            severity: Severity = rule.severity  # type: ignore[assignment]
            confidence = rule.confidence
            dropped = False
            # each cue is read only when the rule's policy for it can matter, in order
            for key, policy in rule.context.items():
                if policy == "ignore" or not ctx.flag(key, p.sentences, si, m.start, m.end):
                    continue
                if policy == "suppress":
                    dropped = True
                    break
                severity = _downgrade(severity)
                confidence *= DOWNGRADE_FACTOR
            if dropped:
                continue
            # a rule's exceptions last: the cues are found once a page, an exception
            # is a search of the sentence for each match the cues keep
            if rule.exceptions:
                seen = (rule.id, si)
                if seen not in excepted:
                    s, e = p.sentences[si]
                    excepted[seen] = self.rules.excepted(rule.id, p.index, s, e)
                if excepted[seen]:
                    continue
            out.append((si, m, severity, confidence))
        return out

    def _verdicts_in_c(
        self, p: _Prepared, matches: list[Match]
    ) -> list[tuple[int, Match, Severity, float]]:
        """What the loop of :meth:`_rule_findings` gives, from the C extension: the same
        questions, in the same order, about the same cue hits (found here first)."""
        ctx = p.ctx
        index = self._rule_index
        found = DIRECT.context_verdicts(
            self._verdicts,
            p.norm,
            p.sentences,
            p.index.spans_to_bytes(p.sentences),
            p.index.data,
            [(h.starts, h.ends) for h in map(ctx.hits.__getitem__, DIRECT.VERDICT_CUES)],
            ctx._clause_breaks(),
            ctx.after_window,
            NEGATION_WINDOW,
            QUOTE_REACH,
            QUOTE_WINDOW_BEFORE,
            DOWNGRADE_FACTOR,
            [m.start for m in matches],
            [m.end for m in matches],
            [index[m.rule.id] for m in matches],
        )
        return [(si, matches[k], SEVERITIES[sev], conf) for si, k, sev, conf in found]

    def _report(
        self,
        p: _Prepared,
        raw: list[tuple[int, Match, Severity, float]],
        proba: np.ndarray | None,
        opts: CheckOptions,
    ) -> Report:
        sources = p.doc.spans_to_source(p.sentences)
        match_sources = p.doc.spans_to_source([(m.start, m.end) for _, m, _, _ in raw])
        caution = p.ctx.caution_flags(p.sentences)
        if self._native_report is not None and _plain(opts):
            findings, suppressed = self._drafted_in_c(
                p, raw, proba, sources, match_sources, caution, opts
            )
        else:
            findings, suppressed = self._drafted(
                p, raw, proba, sources, match_sources, caution, opts
            )
        flagged = {f.sentence_start for f in findings}
        cautions = sum(
            1
            for is_caution, (src, _) in zip(caution, sources, strict=True)
            if is_caution and src not in flagged
        )
        risk = risk_of(findings, cautions)
        doc_findings = document_findings(
            p.sentences, [src for src, _ in sources], findings, p.ctx, self.facts
        )
        return Report(
            findings=tuple(findings),
            document_findings=tuple(doc_findings),
            risk=risk,
            suppressed=suppressed,
            stats={
                "characters": len(p.doc.source),
                "blocks": len(p.doc.blocks),
                "sentences": len(p.sentences),
                "cautions": cautions,
            },
            versions=self.versions,
        )

    def _drafted_in_c(
        self,
        p: _Prepared,
        raw: list[tuple[int, Match, Severity, float]],
        proba: np.ndarray | None,
        sources: list[tuple[int, int]],
        match_sources: list[tuple[int, int]],
        caution: list[bool],
        opts: CheckOptions,
    ) -> tuple[list[Finding], int]:
        """What :meth:`_drafted` gives, for options that only choose categories and a
        minimum severity: the drafts made, merged and kept in the C extension (the same
        steps on the same numbers), then the findings of those kept."""
        native = self._native_report
        assert native is not None
        index = self._rule_index
        model = self.model if proba is not None else None  # the probabilities' model
        merged = native.merged_drafts(
            [si for si, _, _, _ in raw],
            [index[m.rule.id] for _, m, _, _ in raw],
            [_SEVERITY_RANK[sev] for _, _, sev, _ in raw],
            [conf for _, _, _, conf in raw],
            match_sources,
            sources,
            np.ascontiguousarray(proba, dtype=np.float64) if model is not None else None,
            np.ascontiguousarray(model.thresholds, dtype=np.float64)
            if model is not None
            else _NO_THRESHOLDS,
            self._kind_category,
            self._category_rank,
            self._category_severity,
            caution,
            MODEL_STRONG,
            [opts.categories is None or c in opts.categories for c in CATEGORIES],
            severity_rank(opts.min_severity),
        )
        starts = line_starts(p.doc.source)
        built: list[Finding] = native.built_findings(
            merged, self._kinds, sources, starts, p.doc.source, p.norm, p.sentences,
            p.topics, self.facts.topic_words, self._cited, self._cite, self._make_finding,
            SEVERITIES,
        )  # fmt: skip
        return self._finish(p, built, starts, opts)

    def _drafted(
        self,
        p: _Prepared,
        raw: list[tuple[int, Match, Severity, float]],
        proba: np.ndarray | None,
        sources: list[tuple[int, int]],
        match_sources: list[tuple[int, int]],
        caution: list[bool],
        opts: CheckOptions,
    ) -> tuple[list[Finding], int]:
        """The findings of a page's rule findings and the model's probabilities, and how
        many inline directives hid: drafts, merged, kept by the options, cited."""
        # the model's probability for each (sentence, category) pair a rule covers
        covered: dict[tuple[int, str], float] = {}
        half_threshold: dict[str, float] = {}
        if proba is not None and self.model is not None:
            rows = proba.tolist()  # numbers read one at a time: lists, not numpy
            half_threshold = {
                c: 0.5 * t for c, t in zip(CATEGORIES, self.model.thresholds.tolist(), strict=True)
            }
            column = {c: i for i, c in enumerate(CATEGORIES)}
            for si, m, _, _ in raw:
                category = m.rule.category
                covered[(si, category)] = rows[si][column[category]]
        drafts: list[_Draft] = []
        for (si, m, severity, confidence), (start, end) in zip(raw, match_sources, strict=True):
            rule = m.rule
            pm = covered.get((si, rule.category))
            if pm is not None:
                confidence = (
                    max(confidence, pm) if pm >= half_threshold[rule.category] else confidence * 0.9
                )
            drafts.append(
                _Draft(
                    rule.id, rule.category, severity, "rule", confidence, start, end,
                    *sources[si], si, rule.message, rule.suggestion, rule.facts,
                )
            )  # fmt: skip
        if proba is not None and self.model is not None:
            drafts.extend(self._model_findings(p, proba, set(covered), sources, caution))
        return self._filter(p, self._merge(drafts), opts)

    def _model_findings(
        self,
        p: _Prepared,
        proba: np.ndarray,
        covered: set[tuple[int, str]],
        sources: list[tuple[int, int]],
        caution: list[bool],
    ) -> Iterable[_Draft]:
        assert self.model is not None
        thresholds = self.model.thresholds
        rows, columns = np.nonzero(proba >= thresholds)  # row by row, as argwhere
        for si, ci in zip(rows.tolist(), columns.tolist(), strict=True):
            category = CATEGORIES[ci]
            if (si, category) in covered:
                continue
            if caution[si]:
                continue
            cat = self.rules.categories.get(category)
            if cat is None:
                continue
            conf = float(proba[si, ci])
            sev: Severity = cat.default_severity  # type: ignore[assignment]
            if conf < MODEL_STRONG:
                sev = _downgrade(sev) if sev == "error" else sev
            yield _Draft(
                f"model.{category}", category, sev, "model", conf, *sources[si], *sources[si],
                si, cat.message, cat.suggestion, (),
            )  # fmt: skip

    def _build(
        self,
        p: _Prepared,
        ident: str,
        category: str,
        message: str,
        suggestion: str,
        rule_facts: tuple[str, ...],
        source: str,
        severity: Severity,
        confidence: float,
        start: int,
        end: int,
        sentence_start: int,
        sentence_end: int,
        si: int,
        starts: list[int],
    ) -> Finding:
        """A finding, cited, with its text, lines and columns."""
        words = p.topics.get(si)
        if words is None:
            s, e = p.sentences[si]
            words = p.topics[si] = self.facts.topic_words(p.norm, s, e)
        # the citation, message and rule page depend on the rule (or the model's
        # category) and the sentence's topic words only: remembered by those
        cited = self._cited.get((ident, words))
        if cited is None:
            cited = self._cite(ident, category, rule_facts, message, words)
        facts, contradicts, message, help_url = cited
        line = bisect.bisect_right(starts, start)
        end_line = bisect.bisect_right(starts, max(end - 1, start))
        # positional, in Finding's field order (a third faster than keywords, per finding)
        return make_finding(
            ident,
            category,
            severity,
            message,
            start,
            end,
            line,
            start - starts[line - 1] + 1,
            end_line,
            end - starts[end_line - 1] + 1,
            p.doc.source[start:end],
            suggestion,
            "rule" if source == "rule" else "model",
            min(max(confidence, 0.0), 1.0),
            facts,
            contradicts,
            sentence_start,
            sentence_end,
            help_url,
        )

    def _cite(
        self,
        ident: str,
        category: str,
        rule_facts: tuple[str, ...],
        message: str,
        words: frozenset[str],
    ) -> _Cited:
        """What :meth:`_build` remembers for a rule (or the model's category) and topic words."""
        citation = self.facts.cite_topics(category, rule_facts, words)
        if citation.contradicts:
            message = self._contradiction_message(message, citation.contradicts)
        cat = self.rules.categories.get(category)
        cited = (
            citation.facts,
            citation.contradicts,
            message,
            cat.help_url if cat is not None else None,
        )
        if len(self._cited) >= _CITED_KEPT:
            self._cited.clear()
        self._cited[(ident, words)] = cited
        return cited

    @functools.lru_cache(maxsize=1024)  # noqa: B019 (the engine lives as long as the process)
    def _contradiction_message(self, message: str, contradicts: tuple[str, ...]) -> str:
        contradicted = [self.facts.facts[f] for f in contradicts]
        regulator = [f for f in contradicted if any(a in f.authority for a in _REGULATORS)]
        fact = (regulator or contradicted)[0]
        return f"{message} It contradicts this fact ({fact.authority}): {fact.statement}"

    @staticmethod
    def _merge(drafts: list[_Draft]) -> list[_Draft]:
        """One finding per category per overlapping span: the most severe, then the longest."""
        drafts.sort(key=lambda f: (f.category, f.start, -f.end))
        merged: list[_Draft] = []
        for f in drafts:
            last = merged[-1] if merged else None
            if last is not None and last.category == f.category and f.start < last.end:
                better = max(
                    (last, f),
                    key=lambda x: (
                        severity_rank(x.severity),
                        x.source == "rule",
                        x.end - x.start,
                        x.confidence,
                    ),
                )
                better.confidence = max(last.confidence, f.confidence)
                merged[-1] = better
            else:
                merged.append(f)
        return merged

    def _filter(
        self, p: _Prepared, drafts: list[_Draft], opts: CheckOptions
    ) -> tuple[list[Finding], int]:
        starts = line_starts(p.doc.source)
        keep = OptionFilter(opts, p.doc.source)
        out: list[Finding] = []
        for d in drafts:
            sev = keep(d)
            if sev is not None:
                built = self._build(
                    p, d.id, d.category, d.message, d.suggestion, d.rule_facts, d.source,
                    sev, d.confidence, d.start, d.end, d.sentence_start, d.sentence_end,
                    d.si, starts,
                )  # fmt: skip
                out.append(built)
        return self._finish(p, out, starts, opts)

    @staticmethod
    def _finish(
        p: _Prepared, findings: list[Finding], starts: list[int], opts: CheckOptions
    ) -> tuple[list[Finding], int]:
        """The findings the inline directives leave (and how many they hid), in order."""
        suppressed = 0
        if opts.honor_directives and p.doc.directives:
            findings, suppressed = apply_directives(
                findings, p.doc.directives, p.doc.source, starts
            )
        findings.sort(key=_FINDING_ORDER)
        return findings, suppressed


def _plain(opts: CheckOptions) -> bool:
    """The options choose categories and a minimum severity at most (what the C
    extension's merged_drafts applies; :class:`OptionFilter` applies the rest)."""
    return (
        opts.enabled_rules is None
        and not opts.disabled_rules
        and not opts.severity_overrides
        and not any(a.strip() for a in opts.allowed_phrases)
    )


@dataclass(slots=True)
class _Draft:
    """A finding before merging and the options: what they read, in input offsets, and
    what the :class:`Finding` needs, which is only built for drafts that survive."""

    id: str
    category: str
    severity: Severity
    source: str
    confidence: float
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    si: int
    message: str
    suggestion: str
    rule_facts: tuple[str, ...]


class _Filterable(Protocol):
    """What :class:`OptionFilter` reads: a :class:`Finding` or a draft of one."""

    @property
    def id(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def source(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def sentence_start(self) -> int: ...
    @property
    def sentence_end(self) -> int: ...


class OptionFilter:
    """The per-finding part of :class:`CheckOptions`: categories, enabled and disabled
    rules, severity overrides, minimum severity and allowed phrases.  Shells that get
    findings from elsewhere (the CLI's ``--server``) apply options with it too."""

    def __init__(self, opts: CheckOptions, source: str) -> None:
        self.opts = opts
        self.allowed = [normalize(a) for a in opts.allowed_phrases if a.strip()]
        self.src_norm = normalize(source) if self.allowed else ""

    def __call__(self, f: _Filterable) -> Severity | None:
        """The finding's severity after overrides, or None when the options drop it."""
        opts = self.opts
        if opts.categories is not None and f.category not in opts.categories:
            return None
        if f.id in opts.disabled_rules:
            return None
        if opts.enabled_rules is not None and f.id not in opts.enabled_rules and f.source == "rule":
            return None
        sev = (
            opts.severity_overrides.get(f.id)
            or opts.severity_overrides.get(f.category)
            or f.severity
        )
        if severity_rank(sev) < severity_rank(opts.min_severity):
            return None
        if self.allowed and _allowed(self.src_norm, f, self.allowed):
            return None
        return sev


def _allowed(src_norm: str, f: _Filterable, allowed: list[str]) -> bool:
    lo, hi = f.sentence_start, f.sentence_end
    for phrase in allowed:
        pos = src_norm.find(phrase, lo, hi)
        while pos >= 0:
            if pos < f.end and pos + len(phrase) > f.start:
                return True
            pos = src_norm.find(phrase, pos + 1, hi)
    return False
