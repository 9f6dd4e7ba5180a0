"""The garbage collector's settings for a process that checks text (the service's
workers, the CLI's processes, the scanner's), and tracebacks that must not keep
what a request sent.

A loaded engine is hundreds of thousands of Python objects (rules, facts, the
model's tables) that live as long as the process.  Python's collector walked
every one of them at each full collection, and a service worker under load made
one every ~0.5 s: 33 ms each, ~7% of its CPU (issue 7; ``bench/README.md``).
:func:`settle` moves them out of the collector's sight (``gc.freeze``, meant for
exactly this), and raises the young generation's threshold: a batch of checks
holds thousands of findings at once, so at the default (700 objects) each batch
set off several young collections that freed nothing (~3% of the CPU at the
default, ~2% at 10,000, none at 50,000 in 10 s of load).

Reference cycles are still collected, later: after ``YOUNG_THRESHOLD`` new
container objects.  A check makes none; the service's error paths that made
cycles holding a request's text (a body that does not parse, a check past its
time limit) release them with :func:`release_traceback`.
"""

from __future__ import annotations

import gc
import traceback

YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Call once the engine is loaded: its objects (and everything else alive now)
    are left out of later collections, and young collections run less often."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    if young:  # 0: the collector is off, and stays off
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


def release_traceback(exc: BaseException) -> None:
    """Clear the finished frames in the tracebacks of ``exc`` and of its causes, once it
    has been answered.  An error raised from a frame that keeps it (or keeps what
    awaits it) makes a cycle that holds every local of those frames until a full
    collection: FastAPI's body parse errors hold the whole body (a megabyte of bad
    UTF-8 held ~2 MB a request), and a check past its time limit holds its prepared
    documents (~40,000 objects for 1 MB).  Cleared, they are freed at once."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if e.__traceback__ is not None:
            traceback.clear_frames(e.__traceback__)  # skips the frames still running
            e.__traceback__ = None
        e = e.__cause__ or e.__context__
