"""Context cues: the per-document answers agree with the per-sentence ones."""

from __future__ import annotations

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
