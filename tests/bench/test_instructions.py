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


def test_simulated_reads_cachegrind_summary() -> None:
    log = (
        "==7== I1  misses:      1,000\n==7== I   refs:      8,687,364,100\n"
        "==7== LL refs:          74,511,214  (   66,982,592 rd   +   7,528,622 wr)\n"
        "==7== LL misses:        19,821,746  (   15,680,420 rd   +   4,141,326 wr)\n"
    )
    assert instructions.simulated(log) == (8687364100, 19821746)
    with pytest.raises(ValueError, match="LL misses"):
        instructions.simulated("==7== I   refs: 12\n")


def test_a_last_level_of_no_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert instructions.main(["--caches", "--ll-kb", "0"]) == 2
    assert "--ll-kb" in capsys.readouterr().err


def test_scenarios_measure_the_pages_they_say() -> None:
    pages = len(instructions.build_corpus().pages)
    assert instructions.pages_measured("warm") == pages
    assert instructions.pages_measured("unseen") == pages // 2


def test_child_runs_the_warm_up() -> None:
    instructions.child("unseen", measured=False)
