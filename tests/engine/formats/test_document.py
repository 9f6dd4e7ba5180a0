"""The document model's helpers: where lines start."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.formats.document import line_starts


def _reference(source: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]


def test_line_starts_of_each_kind_of_line_break() -> None:
    assert line_starts("") == [0]
    assert line_starts("one\ntwo\n") == [0, 4, 8]
    assert line_starts("one\r\ntwo\rthree\n") == [0, 5, 9, 15]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\n\r\u2028"), max_size=40))
def test_line_starts_agree_with_a_regular_expression(source: str) -> None:
    assert line_starts(source) == _reference(source)
