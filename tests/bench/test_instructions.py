"""bench/instructions.py: its parsing of callgrind's log and its child's scenarios (the
valgrind runs themselves take minutes and are not run here)."""

from __future__ import annotations

import pytest

from bench import instructions


def test_collected_reads_callgrind_count() -> None:
    log = "==1== Events    : Ir\n==1== Collected : 123456789\n==1==\n==1== I   refs: 123,456,789\n"
    assert instructions.collected(log) == 123456789
    with pytest.raises(ValueError, match="Collected"):
        instructions.collected("valgrind: failed to start tool 'callgrind'\n")


def test_scenarios_measure_the_pages_they_say() -> None:
    pages = len(instructions.build_corpus().pages)
    assert instructions.pages_measured("warm") == pages
    assert instructions.pages_measured("unseen") == pages // 2


def test_child_runs_the_warm_up() -> None:
    instructions.child("unseen", measured=False)
