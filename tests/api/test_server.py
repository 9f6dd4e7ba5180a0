"""The real service, ``redflag serve --workers 2``, under load and faults, over HTTP.

- load: a shortened form of ``bench/load_test.py`` (hundreds of requests at 64
  connections) with zero errors, and ``/metrics`` (prometheus multiprocess
  mode) counting every request whichever worker answers the scrape;
- SIGKILL: a killed worker is replaced and the service keeps answering;
- SIGTERM: requests in flight are finished, then the service exits with 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.bench_service import Server, running, worker_pids
from bench.corpus import build_corpus
from bench.load_test import bodies, counted_requests, drive

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running("redflag", 2, tmp_path_factory.mktemp("server")) as s:
        yield s


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_load_at_64_connections_without_errors(server: Server) -> None:
    payloads = bodies(40, 1_500)
    before = counted_requests(server.base)
    result = asyncio.run(drive(server.base, payloads, requests=640, concurrency=64))
    print(
        f"\n{result.sent} requests, {result.errors} errors, {result.per_second:.0f}/s, {result.latency_ms}"
    )
    assert result.errors == 0, (result.statuses, result.failures)
    # every answer is counted, though each scrape is answered by one worker or the other
    assert counted_requests(server.base) - before == result.sent


def test_a_killed_worker_is_replaced_and_the_service_keeps_answering(server: Server) -> None:
    workers = worker_pids(server)
    assert len(workers) == 2
    counted = counted_requests(server.base)
    os.kill(workers[0], signal.SIGKILL)
    # meanwhile every new connection is answered (by the surviving worker)
    for _ in range(10):
        with httpx.Client(base_url=server.base, timeout=30) as http:
            r = http.post("/check", json={"text": "Completely safe, no side effects."})
            assert r.status_code == 200
    assert _wait_for(
        lambda: len(worker_pids(server)) == 2 and workers[0] not in worker_pids(server), 60
    ), worker_pids(server)
    assert server.proc.poll() is None
    replaced = worker_pids(server)
    assert workers[1] in replaced
    result = asyncio.run(drive(server.base, bodies(10, 1_000), requests=128, concurrency=16))
    assert result.errors == 0, (result.statuses, result.failures)
    # the dead worker's counts are kept (its metric files stay in the shared folder)
    assert counted_requests(server.base) >= counted + 10 + 128


def test_sigterm_finishes_requests_in_flight_and_exits_cleanly(tmp_path: Path) -> None:
    corpus = build_corpus(target_bytes=400_000).text
    large = json.dumps({"text": corpus}).encode()
    small = json.dumps({"text": corpus[:10_000]}).encode()

    async def scenario(srv: Server) -> list[httpx.Response | BaseException]:
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(base_url=srv.base, timeout=120, limits=limits) as http:
            headers = {"content-type": "application/json"}

            def post(body: bytes) -> asyncio.Task[httpx.Response]:
                return asyncio.create_task(http.post("/check", content=body, headers=headers))

            big = [post(large) for _ in range(5)]
            await asyncio.sleep(0.2)
            await post(small)  # answered: the big ones, sent before it, are being checked
            in_flight = sum(not t.done() for t in big)
            assert in_flight >= 3, "the requests finished before SIGTERM; send more text"
            srv.proc.send_signal(signal.SIGTERM)
            return await asyncio.gather(*big, return_exceptions=True)

    with running("redflag", 2, tmp_path) as srv:
        outcomes = asyncio.run(scenario(srv))
        returncode = srv.proc.wait(timeout=60)
        log = srv.log_path.read_text()
    assert all(isinstance(o, httpx.Response) and o.status_code == 200 for o in outcomes), outcomes
    assert all(o.json()["findings"] for o in outcomes if isinstance(o, httpx.Response))
    assert returncode == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(srv.base + "/health", timeout=2)
    assert "Traceback" not in log
    assert not [line for line in log.splitlines() if '"level":"ERROR"' in line]
