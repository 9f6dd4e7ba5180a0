"""Inline suppression: ``redflag-disable``, ``redflag-enable`` and ``redflag-disable-next-line``."""

from __future__ import annotations

import pytest

from app.engine import Engine, Finding
from app.engine.formats import Directive
from app.engine.suppress import apply_directives, hidden_by

SAFE = "It is completely safe."  # absolute-safety
CALL = "Call now to book your consultation."  # call-to-action


def _check(engine: Engine, text: str, fmt: str = "markdown") -> tuple[list[tuple[int, str]], int]:
    report = engine.check(text, fmt)
    return [(f.line, f.category) for f in report.findings], report.suppressed


def test_without_directives_both_are_found(rules_engine: Engine) -> None:
    found, suppressed = _check(rules_engine, f"{SAFE}\n\n{CALL}\n")
    assert {c for _, c in found} == {"absolute-safety", "call-to-action"}
    assert suppressed == 0


def test_disable_all_then_enable_one_category(rules_engine: Engine) -> None:
    text = f"<!-- redflag-disable -->\n<!-- redflag-enable call-to-action -->\n\n{SAFE}\n\n{CALL}\n"
    found, suppressed = _check(rules_engine, text)
    assert {c for _, c in found} == {"call-to-action"}  # absolute-safety stays off
    assert suppressed >= 1


def test_disable_a_category_then_enable_one_of_its_rules(rules_engine: Engine) -> None:
    plain = rules_engine.check(f"{SAFE}\n", "markdown").findings
    rule = next(f.id for f in plain if f.category == "absolute-safety")
    text = f"<!-- redflag-disable absolute-safety -->\n<!-- redflag-enable {rule} -->\n\n{SAFE}\n"
    report = rules_engine.check(text, "markdown")
    assert rule in {f.id for f in report.findings}


def test_disable_then_enable_all(rules_engine: Engine) -> None:
    text = f"<!-- redflag-disable -->\n\n{SAFE}\n\n<!-- redflag-enable -->\n\n{SAFE}\n"
    found, suppressed = _check(rules_engine, text)
    assert {line for line, _ in found} == {7}
    assert suppressed >= 1


def test_disable_by_category_leaves_others(rules_engine: Engine) -> None:
    text = f"<!-- redflag-disable call-to-action, absolute-safety -->\n\n{SAFE} {CALL}\n"
    found, _ = _check(rules_engine, text)
    assert found == []
    text = f"<!-- redflag-disable call-to-action -->\n\n{SAFE} {CALL}\n"
    found, _ = _check(rules_engine, text)
    assert {c for _, c in found} == {"absolute-safety"}


def test_disable_next_line_hits_only_the_next_non_blank_line(rules_engine: Engine) -> None:
    text = f"<!-- redflag-disable-next-line -->\n\n{SAFE}\n\n{SAFE}\n"
    found, suppressed = _check(rules_engine, text)
    assert {line for line, _ in found} == {5}
    assert suppressed >= 1


def test_disable_next_line_with_targets(rules_engine: Engine) -> None:
    text = f"<!-- redflag-disable-next-line call-to-action -->\n{SAFE} {CALL}\n"
    found, _ = _check(rules_engine, text)
    assert {c for _, c in found} == {"absolute-safety"}


@pytest.mark.parametrize(
    "text",
    [
        f"<p>Intro.</p>\n<!-- redflag-disable-next-line -->\n<p>{SAFE}</p>\n",
        f"<!-- REDFLAG-DISABLE absolute-safety --><p>{SAFE}</p>",
    ],
)
def test_html_directives(rules_engine: Engine, text: str) -> None:
    found, suppressed = _check(rules_engine, text, "html")
    assert found == [] and suppressed >= 1


def test_directives_in_code_blocks_do_nothing(rules_engine: Engine) -> None:
    text = f"```\n<!-- redflag-disable -->\n```\n\n{SAFE}\n"
    found, suppressed = _check(rules_engine, text)
    assert found and suppressed == 0


def test_suppressed_count_is_per_finding(rules_engine: Engine) -> None:
    n = len(rules_engine.check(f"{SAFE} {SAFE}\n", "markdown").findings)
    report = rules_engine.check(f"<!-- redflag-disable -->\n{SAFE} {SAFE}\n", "markdown")
    assert report.findings == () and report.suppressed == n


def _finding(start: int, line: int, rid: str = "absolute-safety.x") -> Finding:
    return Finding(
        id=rid,
        category=rid.split(".")[0],
        severity="error",
        message="m",
        start=start,
        end=start + 1,
        line=line,
        column=1,
        end_line=line,
        end_column=2,
        text="x",
        suggestion="s",
        source="rule",
        confidence=1.0,
    )


def test_last_covering_directive_decides() -> None:
    ds = [
        Directive("disable", ("absolute-safety",), 10, 20),
        Directive("enable", ("call-to-action",), 22, 30),  # does not cover it
        Directive("enable", ("absolute-safety.x",), 40, 50),
    ]
    assert hidden_by(ds, _finding(35, 1))
    assert not hidden_by(ds, _finding(55, 1))
    assert hidden_by(ds, _finding(55, 1, "absolute-safety.y"))
    assert not hidden_by(ds, _finding(5, 1))  # before the comment


def test_apply_directives_counts() -> None:
    source = "<!-- redflag-disable-next-line -->\n\nx\nx\n"
    starts = [0, 35, 36, 38, 40]
    ds = [Directive("disable-next-line", (), 0, 34)]
    kept, n = apply_directives([_finding(36, 3), _finding(38, 4)], ds, source, starts)
    assert [f.line for f in kept] == [4] and n == 1
