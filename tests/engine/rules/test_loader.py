"""``RuleSet.find``: the RE2 sets pick the patterns to run sentence by sentence, and
what they pick finds every match a search of every pattern in every sentence finds."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from app.engine import Engine
from app.engine.facts import load_facts
from app.engine.normalize import byte_spans
from app.engine.rules.kinds import compile_re2, set_source
from app.engine.rules.loader import load_rules, rules_dir
from app.engine.rules.schema import RuleError
from tests.conftest import ROOT, corpus_text

# Over the whole block, absolute-safety.own-cells-no-rejection's gap of six words
# reaches "zero risk" in the next sentence; that match is never a finding, and it
# used to hide the one inside the first sentence.
HIDDEN = "Your own stem cells can't hurt you. Zero risk of rejection."


def _texts(engine: Engine) -> list[str]:
    texts = [corpus_text(prefix) for prefix in ("000", "001", "002", "003", "004")]
    for compiled in engine.rules.rules.values():
        examples = compiled.rule.examples
        texts += [
            t.replace("<marker>", "").replace("</marker>", "")
            for t in examples.flag + examples.passing
        ]
    rng = random.Random(7)
    sentences = []
    for path in sorted((ROOT / "training_data" / "sentences").glob("*.jsonl")):
        sentences += [json.loads(line)["text"] for line in path.open() if line.strip()]
    texts += rng.sample(sentences, 400)
    # sentences run together in blocks, as on a page
    texts += [" ".join(rng.sample(sentences, 8)) for _ in range(60)]
    # a sentence break inside a flagged example's match, at each word: matches that
    # run on into the next sentence, and what they pass over
    for compiled in engine.rules.rules.values():
        for example in compiled.rule.examples.flag:
            before, rest = example.split("<marker>", 1)
            marked, after = rest.split("</marker>", 1)
            words = marked.split(" ")
            for k in range(1, len(words)):
                head, tail = " ".join(words[:k]), " ".join(words[k:])
                texts.append(f"{before}{head}. {tail[:1].upper()}{tail[1:]}{after}")
    texts.append(HIDDEN)
    # characters of two and three bytes before and inside the sentences
    texts += ["Ärzte – «Zitat» " + " ".join(rng.sample(sentences, 3)) for _ in range(30)]
    return texts


def _pattern_matches(engine: Engine, text: str) -> Counter[tuple[str, str]]:
    p = engine._prepare(text, "text")
    found = engine.rules.find(p.index, p.doc.blocks, p.sentences)
    patterns = {id(c.rule) for c in engine.rules._patterns}
    return Counter((m.rule.id, p.norm[m.start : m.end]) for m in found if id(m.rule) in patterns)


def _every_pattern_everywhere(engine: Engine, text: str) -> Counter[tuple[str, str]]:
    """Every pattern searched in every sentence, no set asked: the reference."""
    p = engine._prepare(text, "text")
    data = p.index.data
    blocks = p.index.spans_to_bytes(p.doc.blocks)
    out: Counter[tuple[str, str]] = Counter()
    for s0, s1 in p.index.spans_to_bytes(p.sentences):
        b0, b1 = next((b0, b1) for b0, b1 in blocks if b0 <= s0 and s1 <= b1)
        block = data[b0:b1]
        for compiled in engine.rules._patterns:
            for s, e in byte_spans(compiled.pattern, block, s0 - b0, s1 - b0):
                out[(compiled.rule.id, block[s:e].decode())] += 1
    return out


def test_the_sets_never_miss_a_match(rules_engine: Engine) -> None:
    texts = _texts(rules_engine)
    total = 0
    for text in texts:
        expected = _every_pattern_everywhere(rules_engine, text)
        assert _pattern_matches(rules_engine, text) == expected, text[:200]
        total += sum(expected.values())
    assert total > 500  # the texts do exercise the patterns


def test_a_match_running_into_the_next_sentence_hides_none_inside_it(
    rules_engine: Engine,
) -> None:
    found = _pattern_matches(rules_engine, HIDDEN)
    assert found[("absolute-safety.own-cells-no-rejection", "your own stem cells can't hurt")] == 1
    report = rules_engine.check(HIDDEN)
    assert any(f.category == "absolute-safety" and f.start == 0 for f in report.findings)


def test_find_on_an_empty_text(rules_engine: Engine) -> None:
    assert _pattern_matches(rules_engine, "") == Counter()
    assert rules_engine.check("   \n\n ").findings == ()


def test_a_set_pattern_matches_wherever_its_pattern_does(rules_engine: Engine) -> None:
    """The set asks a rule's set_pattern in place of its pattern: in every block where the
    pattern matches, the set_pattern must match too (or the set would lose findings)."""
    parted = [c for c in rules_engine.rules._patterns if "set_pattern" in c.rule.spec]
    assert parted  # standard-of-care has one
    parts = {id(c): compile_re2(set_source(c.rule).encode(), c.rule.id) for c in parted}
    matched = 0
    for text in _texts(rules_engine):  # rule examples included
        p = rules_engine._prepare(text, "text")
        for b0, b1 in p.index.spans_to_bytes(p.doc.blocks):
            block = p.index.data[b0:b1]
            for c in parted:
                if byte_spans(c.pattern, block):
                    matched += 1
                    assert byte_spans(parts[id(c)], block), (c.rule.id, block[:200])
    assert matched >= 3


def _rules_dir(tmp_path: Path, old: str, new: str, file: str) -> Path:
    """The shipped rule files in ``tmp_path``, with ``old`` replaced by ``new`` in one."""
    for path in rules_dir().iterdir():
        if path.name.endswith(".yml"):
            text = path.read_text("utf-8")
            if path.name == file:
                assert old in text
                text = text.replace(old, new)
            (tmp_path / path.name).write_text(text, "utf-8")
    return tmp_path


SET_PATTERN = "    set_pattern: '\\b(?:standard of care|standard treatment|"


def test_a_set_pattern_that_misses_an_example_is_refused(tmp_path: Path) -> None:
    directory = _rules_dir(
        tmp_path,
        SET_PATTERN,
        "    set_pattern: '\\bnothing like this|(?:standard of care|standard treatment|",
        "approval-misrepresentation.yml",
    )
    load_rules(set(load_facts()), directory)  # still matches every example
    directory = _rules_dir(
        tmp_path,
        SET_PATTERN,
        "    set_pattern: '\\b(?:standard of care|",
        "approval-misrepresentation.yml",
    )
    with pytest.raises(RuleError, match="set_pattern does not match the example"):
        load_rules(set(load_facts()), directory)


@pytest.mark.parametrize(
    ("old", "new", "file", "message"),
    [
        (SET_PATTERN, "    set_pattern: 3\n    x: '", "approval-misrepresentation.yml",
         "set_pattern must be a non-empty string"),
        (SET_PATTERN, "    set_pattern: '(?:standard\n    x: '", "approval-misrepresentation.yml",
         "set_pattern"),
        ("    kind: phrases\n", "    kind: phrases\n    set_pattern: 'safe'\n",
         "absolute-safety.yml", "only tokens and regex rules take a set_pattern"),
    ],
)  # fmt: skip
def test_a_set_pattern_must_be_a_regex_of_a_pattern_rule(
    tmp_path: Path, old: str, new: str, file: str, message: str
) -> None:
    with pytest.raises(RuleError, match=message):
        load_rules(set(load_facts()), _rules_dir(tmp_path, old, new, file))
