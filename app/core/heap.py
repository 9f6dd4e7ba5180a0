"""The garbage collector's and the allocator's settings for a process that checks
text (the service's workers, the CLI's processes, the scanner's), and tracebacks
that must not keep what a request sent.

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

A long document's check allocates buffers of megabytes (its text in each form,
Bling Fire's arrays, the offset maps).  glibc's allocator gives each of those to
the kernel when it is freed, and maps it afresh for the next check: a 1 MB
document cost ~15,000 page faults a check, ~7% of its time in the kernel
(issue 7).  :func:`keep_freed_memory` has it keep freed blocks for reuse instead
(up to ``TRIM_THRESHOLD`` free at the heap's top, blocks up to
``MMAP_THRESHOLD`` from the heap), at the cost of the process keeping the
memory its largest check used; a page's check never allocates that much.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import traceback

YOUNG_THRESHOLD = 50_000
MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its moving threshold
TRIM_THRESHOLD = 64 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


def settle() -> None:
    """Call once the engine is loaded: its objects (and everything else alive now)
    are left out of later collections, and young collections run less often."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    if young:  # 0: the collector is off, and stays off
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    keep_freed_memory()


def keep_freed_memory(libc: object | None = None) -> bool:
    """Have glibc's allocator keep freed blocks for reuse rather than give them back
    to the kernel at once (see above); whether it took the settings (False on a libc
    without ``mallopt``, such as musl, where nothing changes)."""
    if libc is None:
        if not sys.platform.startswith("linux"):
            return False
        try:
            libc = ctypes.CDLL(None)
        except OSError:
            return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    # mallopt returns 1 when it took a setting; either one stops glibc moving both
    took_mmap = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    took_trim = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return bool(took_mmap == 1 and took_trim == 1)


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
