"""Where a request's check runs: on the event loop, or in a worker thread.

The RE2 binding releases the GIL for every match, a few hundred times for a
5 KB page.  In a worker thread, each release hands the GIL to the event loop
thread whenever it has work (reading other requests), and getting it back
waits for that thread: 100,000 RE2 calls took 0.2 s alone and 15 s beside a
busy thread, and a worker spent 10 ms of CPU per 5 KB request against 4 ms
for the same check in-process (issue 7).  So a check of at most
``inline_check_chars`` characters (about 0.1 s of work) runs on the event
loop, where nothing competes for the GIL; a longer one runs in a thread, so
the worker keeps answering ``/health`` meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.concurrency import run_in_threadpool

from app.engine import CheckOptions, Engine, Report


async def check_many(
    engine: Engine,
    items: Sequence[tuple[str, str]],
    options: CheckOptions,
    deadline: float,
    inline_chars: int,
) -> list[Report]:
    """``engine.check_many(items, options, deadline)``, inline or in a thread by size."""
    if sum(len(text) for text, _ in items) <= inline_chars:
        return engine.check_many(items, options, deadline)
    reports: list[Report] = await run_in_threadpool(engine.check_many, items, options, deadline)
    return reports
