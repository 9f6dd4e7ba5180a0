"""Where partitions run: in this process, a local process pool, or a Dask cluster.

All three give the runner the same two calls: ``submit(partition)`` returning
a future, and ``wait_first(futures)`` returning those that are done.  The Dask
one uses the distributed scheduler for real: a cluster at ``--scheduler``, or
a ``LocalCluster`` started for the run, with the engine loaded once on every
worker by a :class:`EnginePlugin`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable
from typing import Any, Protocol

import distributed
from distributed import WorkerPlugin

from app.scan.partition import Partition
from app.scan.store import ScanError
from app.scan.worker import EngineSpec, process_partition, warm


class Executor(Protocol):
    workers: int
    dashboard: str | None

    def submit(self, part: Partition) -> Any: ...

    def wait_first(self, futures: Iterable[Any]) -> set[Any]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs each partition at once in this process (one worker; tests, small inputs)."""

    dashboard = None

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.workers = 1

    def submit(self, part: Partition) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        try:
            fut.set_result(process_partition(part, self.spec))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        return {f for f in futures if f.done()}

    def close(self) -> None:
        pass


def _watch_parent(parent: int) -> None:
    """Pool processes exit when the scan that started them dies (even by SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _init_pool_process(spec: EngineSpec, parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    with contextlib.suppress(Exception):  # raised again, with its message, by the first partition
        warm(spec)


class PoolExecutor:
    """A local pool of worker processes (``--engine local``), each loading the engine once."""

    dashboard = None

    def __init__(self, spec: EngineSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_pool_process,
            initargs=(spec, os.getpid()),
        )

    def submit(self, part: Partition) -> cf.Future[Any]:
        return self.pool.submit(process_partition, part, self.spec)

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return set(done)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class EnginePlugin(WorkerPlugin):
    """Loads the engine when a Dask worker starts (or joins later), once per worker process."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec

    def setup(self, worker: Any) -> None:
        warm(self.spec)


class DaskExecutor:
    """Dask's distributed scheduler: an existing cluster, or a LocalCluster for this run."""

    def __init__(
        self,
        spec: EngineSpec,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        client: Any = None,
    ) -> None:
        self.spec = spec
        dd: Any = distributed  # untyped library
        self._cluster: Any = None
        self._own_client = client is None
        if client is not None:
            self.client: Any = client
        elif scheduler:
            self.client = dd.Client(scheduler)  # timeout: distributed.comm.timeouts.connect
        else:
            self._cluster = dd.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            self.client = dd.Client(self._cluster)
        try:
            self.client.register_plugin(EnginePlugin(spec), name="redflag-engine")
            self.workers = max(len(self.client.scheduler_info()["workers"]), 1)
        except Exception as exc:
            self.close()
            raise ScanError(f"the Dask workers cannot load the engine: {exc}") from None
        except BaseException:
            self.close()
            raise
        self.dashboard = self.client.dashboard_link

    def submit(self, part: Partition) -> Any:
        # the pages go to a worker as data, not inside the task graph (Dask's advice for
        # large arguments); the scheduler keeps them until the task has run
        data = self.client.scatter(part, hash=False)
        return self.client.submit(process_partition, data, self.spec, pure=False)

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        wait: Any = distributed.wait
        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
