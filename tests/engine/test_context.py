"""Context cues: the per-document answers agree with the per-sentence ones."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import Engine, context
from tests.conftest import corpus_text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_caution_flags_match_is_caution(rules_engine: Engine, prefix: str) -> None:
    p = rules_engine._prepare(corpus_text(prefix), "text")
    flags = p.ctx.caution_flags(p.sentences)
    assert flags == [p.ctx.is_caution(s, e) for s, e in p.sentences]
    with pytest.MonkeyPatch.context() as mp:  # numpy's way, without the C extension
        mp.setattr(context, "_NATIVE", None)
        assert p.ctx.caution_flags(p.sentences) == flags
    if prefix in ("002", "003"):
        assert any(flags)  # the cautionary documents have cautions to find


ATTRIBUTED = "Clinics tell patients that stem cells cure arthritis."


@pytest.mark.parametrize("before", ["Avoid those clinics! ", "Why trust the clinics? ", ""])
def test_a_cue_across_a_sentence_edge_hides_nothing(rules_engine: Engine, before: str) -> None:
    # over the whole text, attribution's gap ran from the first sentence's "clinics"
    # past its "!" to "tell", and hid "Clinics tell" inside the second sentence
    assert rules_engine.check(before + ATTRIBUTED).findings == ()


def _each_sentence_alone(p: Any, pattern: Any) -> list[tuple[int, int]]:
    return [span for s, e in p.sentences for span in p.index.spans(pattern, s, e)]


def _joined_texts() -> list[str]:
    texts = [corpus_text(prefix) for prefix in ("000", "001", "002", "003", "004")]
    # sentences that end in "!" or "?" before a reporting verb: gaps run on across them
    texts.append(
        "Ask the clinics! They claim a cure. Some websites? Those sites say it is safe; "
        "registered with the FDA! It does not mean approval. Not only that? It works."
    )
    return texts


@pytest.mark.parametrize("key", context.CUE_KEYS)
def test_cue_hits_are_each_sentences_own(rules_engine: Engine, key: str) -> None:
    pattern = rules_engine.cues.patterns[key]
    for text in _joined_texts():
        p = rules_engine._prepare(text, "text")
        assert context.sentence_spans(p.index, pattern, p.sentences) == _each_sentence_alone(
            p, pattern
        )
