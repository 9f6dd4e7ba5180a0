"""The folder the service's workers share their metrics in (prometheus-client's
multiprocess mode), set up by ``redflag serve`` before it starts them: a module of its
own, so that the supervisor names it without importing FastAPI or the engine."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


@contextmanager
def multiprocess_dir(workers: int) -> Iterator[None]:
    """Around a server run: with several workers, one folder for all their metrics.

    A folder named by ``PROMETHEUS_MULTIPROC_DIR`` is used as given (its old
    ``*.db`` files removed first, as prometheus-client asks); otherwise a
    temporary one is made, named in the environment the workers inherit, and
    removed at the end.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    if workers < 2:
        yield
        return
    path = tempfile.mkdtemp(prefix="redflag-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)
