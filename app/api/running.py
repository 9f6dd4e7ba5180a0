"""Where a request's check runs: on the event loop, or in a worker thread, and with
which other requests.

The RE2 wrapper releases the GIL for every match, a few hundred times for a
5 KB page (the engine now calls RE2 from C, ``re2_direct``, and releases it only
for searches of 32 KB or more; where that is off, the wrapper answers).  In a
worker thread, each release hands the GIL to the event loop thread whenever it
has work (reading other requests), and getting it back waits for that thread:
100,000 RE2 calls took 0.2 s alone and 15 s beside a busy thread, and a worker
spent 10 ms of CPU per 5 KB request against 4 ms for the same check in-process
(issue 7).  So a check of at most
``inline_check_chars`` characters (about 0.1 s of work) runs on the event
loop, where nothing competes for the GIL; a longer one runs in a thread, so
the worker keeps answering ``/health`` meanwhile.

Inline checks that arrive together run together: while the loop is busy with
one check, other requests wait in the socket buffers; once it is free, it reads
them all in one turn, and each one's check joins a batch that runs, once the
turns of the loop that bring them to it bring no more (``Batcher._gather``), as
one ``Engine.check_many`` call (up to ``inline_check_chars`` characters a batch,
requests with the same options together).  That call runs each step
over every document before the next, so each automaton and table reads one
page after another while it is in the CPU's caches: ~15% less CPU a page in
batches of 16 (issue 7).  A request alone is checked at once, as before.
Each request keeps its own reports, its own time limit and its own errors: a
batch that fails or passes the earliest of its time limits is run again one
request at a time.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool

from app.engine import CheckOptions, Engine, Report


async def check_many(
    engine: Engine,
    items: Sequence[tuple[str, str]],
    options: CheckOptions,
    deadline: float,
    inline_chars: int,
) -> list[Report]:
    """``engine.check_many(items, options, deadline)``: inline, with the other inline
    checks that arrive at the same time, or alone in a thread, by size."""
    characters = sum(len(text) for text, _ in items)
    if characters <= inline_chars:
        return await _batcher(engine, inline_chars).check(items, characters, options, deadline)
    reports: list[Report] = await run_in_threadpool(engine.check_many, items, options, deadline)
    return reports


@dataclass
class _Job:
    items: Sequence[tuple[str, str]]
    chars: int
    options: CheckOptions
    deadline: float
    done: asyncio.Future[list[Report]]


@dataclass
class _Batch:
    options: CheckOptions
    jobs: list[_Job]
    chars: int


class Batcher:
    """Inline checks of one engine, gathered for one turn of the event loop and run as
    few ``check_many`` calls (see the module's docstring)."""

    def __init__(self, engine: Engine, max_chars: int) -> None:
        self.engine = engine
        self.max_chars = max_chars
        self._waiting: list[_Job] = []

    async def check(
        self,
        items: Sequence[tuple[str, str]],
        chars: int,
        options: CheckOptions,
        deadline: float,
    ) -> list[Report]:
        """The reports of ``items`` (``chars`` characters in all), checked with the other
        checks asked for in this turn of the event loop."""
        loop = asyncio.get_running_loop()
        job = _Job(items, chars, options, deadline, loop.create_future())
        if not self._waiting:
            # the other requests read with this one join it (see ``_gather``)
            loop.call_soon(self._gather, 0, 0)
        self._waiting.append(job)
        return await job.done

    def _gather(self, seen: int, turns: int) -> None:
        """Run the waiting checks once a turn of the loop has brought no more of them, or
        after ``GATHER_TURNS`` turns.  Requests read in one turn reach ``check`` over the
        next few (each through the middlewares and its body's ``receive``): run at the
        first turn, a worker's 16 requests at ``wrk -c32`` ran as batches of 9, 3 and 4
        in rotation, each group answered and sent again together; waiting for them runs
        them as one batch of 16 (issue 7).  A request alone waits one turn."""
        waiting = len(self._waiting)
        if waiting != seen and turns < GATHER_TURNS:
            asyncio.get_running_loop().call_soon(self._gather, waiting, turns + 1)
            return
        self._run_waiting()

    def _run_waiting(self) -> None:
        jobs, self._waiting = self._waiting, []
        try:
            for batch in self._batches(jobs):
                self._run(batch)
        except Exception as exc:  # a fault here must not leave a request waiting forever
            for job in jobs:
                if not job.done.done():
                    job.done.set_exception(exc)

    def _batches(self, jobs: list[_Job]) -> list[list[_Job]]:
        """Jobs with equal options together, in arrival order, up to ``max_chars`` each."""
        batches: list[_Batch] = []
        for job in jobs:
            for batch in batches:
                if batch.options == job.options and batch.chars + job.chars <= self.max_chars:
                    batch.jobs.append(job)
                    batch.chars += job.chars
                    break
            else:
                batches.append(_Batch(job.options, [job], job.chars))
        return [batch.jobs for batch in batches]

    def _run(self, batch: list[_Job]) -> None:
        pending = [job for job in batch if not job.done.done()]  # a cancelled request
        if not pending:
            return
        try:
            reports = self.engine.check_many(
                [item for job in pending for item in job.items],
                pending[0].options,
                min(job.deadline for job in pending),
            )
        except Exception as exc:  # each request gets its own outcome
            if len(pending) == 1:
                pending[0].done.set_exception(exc)  # CheckTimeout, or the error it met
                return
            for job in pending:  # whose time limit or error it was: one at a time
                self._run([job])
            return
        k = 0
        for job in pending:
            job.done.set_result(reports[k : k + len(job.items)])
            k += len(job.items)


# the turns of the event loop a batch waits for requests read with its first (``_gather``)
GATHER_TURNS = 4


# one batcher an engine (the app's, or a test's), made on first use
_BATCHERS: weakref.WeakKeyDictionary[Engine, Batcher] = weakref.WeakKeyDictionary()


def _batcher(engine: Engine, max_chars: int) -> Batcher:
    batcher = _BATCHERS.get(engine)
    if batcher is None or batcher.max_chars != max_chars:
        batcher = _BATCHERS[engine] = Batcher(engine, max_chars)
    return batcher
