"""A short check runs on the event loop, a long one in a worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from app.api import running
from app.engine import CheckOptions, Engine, Report
from app.engine.checker import CheckTimeout


@pytest.mark.parametrize(
    ("text", "inline_chars", "in_thread"),
    [("x" * 10, 10, False), ("x" * 11, 10, True), ("safe", 0, True)],
)
def test_check_runs_inline_up_to_the_size(
    rules_engine: Engine, text: str, inline_chars: int, in_thread: bool
) -> None:
    seen: list[bool] = []
    original = rules_engine.check_many

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(threading.current_thread() is not threading.main_thread())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    rules_engine.check_many = spy  # type: ignore[method-assign]
    try:
        reports = asyncio.run(
            running.check_many(rules_engine, [(text, "text")], CheckOptions(), 1e18, inline_chars)
        )
    finally:
        del rules_engine.check_many
    assert len(reports) == 1
    assert seen == [in_thread]


class _Spy:
    """The engine's check_many, recording each call's texts (and failing on a marker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.calls: list[list[str]] = []

    def __call__(
        self, items: list[tuple[str, str]], options: CheckOptions, deadline: float | None = None
    ) -> list[Report]:
        self.calls.append([text for text, _ in items])
        if any("BOOM" in text for text, _ in items):
            raise ValueError("boom")
        return self.engine.__class__.check_many(self.engine, items, options, deadline)


@pytest.fixture
def spy(rules_engine: Engine) -> Iterator[_Spy]:
    recorder = _Spy(rules_engine)
    rules_engine.check_many = recorder  # type: ignore[method-assign]
    yield recorder
    del rules_engine.check_many


async def _together(engine: Engine, jobs: list[tuple[list[str], CheckOptions, float]]) -> list:
    """Start every job in the same turn of the loop, as requests read together are."""
    tasks = [
        asyncio.ensure_future(
            running.check_many(engine, [(t, "text") for t in texts], options, deadline, 1000)
        )
        for texts, options, deadline in jobs
    ]
    return await asyncio.gather(*tasks, return_exceptions=True)


TEXTS = [
    "Our stem cell therapy is 100% safe.",
    "There are no FDA-approved exosome products.",
    "Call now to book your free consultation!",
]


def _dicts(reports: list[Report]) -> list[dict[str, object]]:
    return [r.to_dict() for r in reports]


def test_checks_that_arrive_together_run_as_one_call(rules_engine: Engine, spy: _Spy) -> None:
    out = asyncio.run(
        _together(
            rules_engine,
            [([TEXTS[0]], CheckOptions(), 1e18), (TEXTS[1:], CheckOptions(), 1e18)],
        )
    )
    assert spy.calls == [TEXTS]  # one call for both requests, in arrival order
    assert _dicts(out[0]) == _dicts([rules_engine.check(TEXTS[0])])
    assert _dicts(out[1]) == _dicts([rules_engine.check(t) for t in TEXTS[1:]])


async def _after_turns(engine: Engine, turns: list[int]) -> list:
    """One request a number, each reaching ``check_many`` after that many turns of the
    loop (as a request read with others goes through the middlewares first)."""

    async def request(k: int, wait: int) -> list[Report]:
        for _ in range(wait):
            await asyncio.sleep(0)
        return await running.check_many(
            engine, [(TEXTS[k % 3], "text")], CheckOptions(), 1e18, 1000
        )

    return await asyncio.gather(*(request(k, wait) for k, wait in enumerate(turns)))


def test_checks_that_reach_the_batcher_a_few_turns_apart_still_run_together(
    rules_engine: Engine, spy: _Spy
) -> None:
    asyncio.run(_after_turns(rules_engine, [0, 1, 2, 2, 3]))
    assert spy.calls == [[TEXTS[0], TEXTS[1], TEXTS[2], TEXTS[0], TEXTS[1]]]


def test_a_batch_waits_for_stragglers_a_few_turns_at_most(rules_engine: Engine, spy: _Spy) -> None:
    # a request every turn: the batch stops waiting after GATHER_TURNS turns
    turns = list(range(running.GATHER_TURNS + 3))
    out = asyncio.run(_after_turns(rules_engine, turns))
    assert len(spy.calls[0]) == running.GATHER_TURNS + 1
    assert sum(len(call) for call in spy.calls) == len(turns)
    assert [_dicts(r) for r in out] == [_dicts([rules_engine.check(TEXTS[k % 3])]) for k in turns]


def test_a_batch_keeps_each_requests_options_and_size_limit(
    rules_engine: Engine, spy: _Spy
) -> None:
    only = CheckOptions(categories=frozenset({"call-to-action"}))
    long_text = "x" * 990  # with any other text, over the 1,000 characters of a batch
    out = asyncio.run(
        _together(
            rules_engine,
            [
                ([TEXTS[2]], CheckOptions(), 1e18),
                ([TEXTS[2]], only, 1e18),
                ([TEXTS[0]], CheckOptions(), 1e18),
                ([long_text], CheckOptions(), 1e18),
            ],
        )
    )
    assert spy.calls == [[TEXTS[2], TEXTS[0]], [TEXTS[2]], [long_text]]
    assert _dicts(out[1]) == _dicts([rules_engine.check(TEXTS[2], "text", only)])
    assert _dicts(out[2]) == _dicts([rules_engine.check(TEXTS[0])])


def test_an_error_or_time_limit_stays_with_its_request(rules_engine: Engine, spy: _Spy) -> None:
    out = asyncio.run(
        _together(
            rules_engine,
            [
                ([TEXTS[0]], CheckOptions(), 1e18),
                (["BOOM " + TEXTS[1]], CheckOptions(), 1e18),
                ([TEXTS[2]], CheckOptions(), 0.0),  # its time limit has passed
                ([TEXTS[1]], CheckOptions(), 1e18),
            ],
        )
    )
    # the batch failed, so each request ran again alone
    assert spy.calls[0] == [TEXTS[0], "BOOM " + TEXTS[1], TEXTS[2], TEXTS[1]]
    assert spy.calls[1:] == [[TEXTS[0]], ["BOOM " + TEXTS[1]], [TEXTS[2]], [TEXTS[1]]]
    assert _dicts(out[0]) == _dicts([rules_engine.check(TEXTS[0])])
    assert isinstance(out[1], ValueError)
    assert isinstance(out[2], CheckTimeout)
    assert _dicts(out[3]) == _dicts([rules_engine.check(TEXTS[1])])


def test_a_request_alone_is_checked_at_once(rules_engine: Engine, spy: _Spy) -> None:
    first = asyncio.run(_together(rules_engine, [([TEXTS[0]], CheckOptions(), 1e18)]))
    second = asyncio.run(_together(rules_engine, [([TEXTS[1]], CheckOptions(), 1e18)]))
    assert spy.calls == [[TEXTS[0]], [TEXTS[1]]]
    assert _dicts(first[0]) == _dicts([rules_engine.check(TEXTS[0])])
    assert _dicts(second[0]) == _dicts([rules_engine.check(TEXTS[1])])


def test_a_fault_in_the_batcher_fails_its_requests_rather_than_leaving_them_waiting(
    rules_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: running.Batcher, jobs: list[object]) -> list[list[object]]:
        raise RuntimeError("broken")

    monkeypatch.setattr(running.Batcher, "_batches", broken)
    out = asyncio.run(
        asyncio.wait_for(
            _together(rules_engine, [([TEXTS[0]], CheckOptions(), 1e18)] * 3), timeout=10
        )
    )
    assert [type(x) for x in out] == [RuntimeError] * 3
