"""The document model's helpers: where lines start."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.formats import document
from app.engine.formats.document import _line_starts_py, line_starts


def _reference(source: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]


@pytest.mark.parametrize("find", [line_starts, _line_starts_py])
def test_line_starts_of_each_kind_of_line_break(find: Callable[[str], list[int]]) -> None:
    assert find("") == [0]
    assert find("one\ntwo\n") == [0, 4, 8]
    assert find("one\r\ntwo\rthree\n") == [0, 5, 9, 15]
    assert find("\r") == [0, 1]
    assert find("a\r\r\n\n") == [0, 2, 4, 5]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\n\r\u2028\u0100\U0001d11e"), max_size=40))
def test_line_starts_agree_with_a_regular_expression(source: str) -> None:
    """In the C extension (each string kind: Latin-1, two and four bytes a character)
    and in its Python twin."""
    assert line_starts(source) == _reference(source)
    assert _line_starts_py(source) == _reference(source)


def test_line_starts_are_the_twins_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "_NATIVE", None)
    assert line_starts("a\r\nb\rc\nd") == [0, 3, 5, 7]
