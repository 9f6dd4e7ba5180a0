"""The cues' patterns as tries (``cue_program``): what compiles, in which order, and what
is left to RE2.  ``test_context.py`` compares the C scanner's spans with RE2's."""

from __future__ import annotations

import pytest

from app.engine.context import CUE_KEYS, load_context_cues
from app.engine.cue_program import (
    BOUNDARY,
    WORD_RUN,
    Gap,
    Unsupported,
    compile_cue,
    native_program,
)
from app.engine.native import native_module

B = BOUNDARY


def test_a_word_list_is_one_segment_in_the_patterns_order() -> None:
    # a greedy "s?" tries the longer path first; an empty alternative comes last
    assert compile_cue(r"\b(?:claims?|no (?:good |)proof)\b") == [
        [
            [
                (B, *"claims", B),
                (B, *"claim", B),
                (B, *"no good proof", B),
                (B, *"no proof", B),
            ]
        ]
    ]


def test_letters_are_lower_case_and_classes_become_paths() -> None:
    assert compile_cue(r"\bRed[- ]Flags??") == [
        [[(B, *"red-flag"), (B, *"red-flags"), (B, *"red flag"), (B, *"red flags")]]
    ]


def test_a_word_run_and_a_gap() -> None:
    assert compile_cue(r"\b(?:they|ads?)\b[^.;]{0,60}?\b(?:tout\w*|say)\b") == [
        [
            [(B, *"they", B), (B, *"ads", B), (B, *"ad", B)],
            Gap(".;", 0, 60, lazy=True),
            [(B, *"tout", WORD_RUN, B), (B, *"say", B)],
        ]
    ]


def test_an_alternative_with_a_gap_is_a_branch_of_its_own_in_its_place() -> None:
    branches = compile_cue(r"\b(?:not approved|registered with [^.]{0,30} does not|unproven)\b")
    assert branches == [
        [[(B, *"not approved", B)]],
        [[(B, *"registered with ")], Gap(".", 0, 30, lazy=False), [(*" does not", B)]],
        [[(B, *"unproven", B)]],
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bclaims+\b",  # unbounded
        r"\bcafé\b",  # RE2 folds non-ASCII case by its own tables
        r"[^.]{0,9}\bclaim\b",  # a gap first
        r"\bclaim\w*",  # a run without a boundary after it
        r"\b(?:is it true\?)",  # "?" stands for a lone surrogate in RE2's bytes
        r"^\bclaim\b",  # anchors
        r"\b(?i:claim)\b",  # inline flags
        r"\b\d+ patients\b",  # classes RE2 spells out in its own tables
        r"\bclaim\b[^.]{0,9}\bsay\b[^.]{0,9}(?:x|y[^;]{0,3}z)",  # a gap inside a branch too
        r"(?:a|b)\b(?:c|[^.]{0,3}d)",  # alternatives before an alternation with a gap
        r"[a-",  # not a pattern
    ],
)
def test_what_stays_with_re2(pattern: str) -> None:
    with pytest.raises(Unsupported):
        compile_cue(pattern)


def test_the_scanners_program() -> None:
    program = native_program(compile_cue(r"\bad\b[^.]{1,2}?\bsay\b"))
    assert program == [[[(B, "a", "d", B)], (".", 1, 2, True), [(B, *"say", B)]]]


@pytest.mark.skipif(native_module() is None, reason="app.engine._native was not built")
def test_every_shipped_cue_is_scanned() -> None:
    """A change to ``context.yml`` that leaves a cue to RE2 is seen here (its own scan
    over every page costs ~30 us a page)."""
    assert list(load_context_cues().scanned) == list(CUE_KEYS)


@pytest.mark.skipif(native_module() is None, reason="app.engine._native was not built")
@pytest.mark.parametrize(
    "program",
    [
        [],
        [[[[("a",)], (".", 2, 1, False), [("b",)]]]],  # lo > hi
        [[[[("a",)], (".", 0, 1, False)]]],  # ends with a gap
        [[[[(WORD_RUN, B)]]]],  # starts with no character
        [[[[("A",)]]]],  # upper case
        [[[[("é",)]]]],  # outside ASCII
    ],
)
def test_the_scanner_refuses_what_it_cannot_run(program: list) -> None:  # type: ignore[type-arg]
    native = native_module()
    with pytest.raises(ValueError):
        native.CueScanner(program)
