"""Load (issue 8): many requests at many connections, with no errors and no memory growth.

    .venv/bin/python -m bench.load_test [--requests 10000] [--concurrency 64] [--workers 2]

Starts ``redflag serve --workers N`` on a free loopback port (the helpers of
``bench/bench_service.py``), warms it up (rounds of ``--warmup`` requests
until a round grows the workers' total resident size by less than 2%), reads
the resident size (VmRSS) of each worker, then sends ``--requests`` ``POST /check``
requests from ``--concurrency`` concurrent connections (an asyncio httpx
client), and reads the resident sizes again.  The bodies are the pages of the
benchmark corpus (``bench/corpus.py``, about ``--page-bytes`` each, a
different page each time round).  It prints requests sent, errors (any
transport error or status other than 200), latencies, throughput and memory
before and after; it checks that ``/metrics``, summed over all workers, saw
every request; and it exits 1 when there was an error or the workers' total
resident size grew by more than ``--max-growth`` (10%).

The warm-up is part of the method: a fresh worker grows while its first
requests fill caches, allocator arenas and its thread pool (to 40 threads),
and the kernel spreads connections unevenly, so one worker may get there
later than the other; what must not happen is growth with the number of
requests once both have settled.  ``tests/api/test_server.py`` runs a
shortened form (``drive``, fewer requests) and asserts zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from bench.bench_service import _status_kb, running, worker_pids
from bench.corpus import build_corpus
from bench.report import OUT, machine, write_json


@dataclass
class LoadResult:
    sent: int
    ok: int
    errors: int
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)  # exception type -> count
    latency_ms: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def bodies(count: int, page_bytes: int) -> list[bytes]:
    """``count`` JSON bodies for ``POST /check``, each a different corpus page."""
    pages = build_corpus(target_bytes=count * page_bytes, page_bytes=page_bytes).pages
    return [json.dumps({"text": page}).encode() for page in pages[:count]]


async def drive(
    base: str,
    payloads: Sequence[bytes],
    requests: int,
    concurrency: int,
    timeout: float = 120.0,
    path: str = "/check",
) -> LoadResult:
    """Send ``requests`` POSTs from ``concurrency`` connections; count every outcome."""
    statuses: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    latencies: list[float] = []
    next_index = 0
    # uvicorn closes a connection idle for 5 s; a client that keeps it as long (httpx's
    # default) may send on it as it closes, and lose that request (seen once in 10,000)
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    headers = {"content-type": "application/json"}

    async def client_loop(http: httpx.AsyncClient) -> None:
        nonlocal next_index
        while next_index < requests:
            i = next_index
            next_index += 1
            t0 = time.perf_counter()
            try:
                r = await http.post(path, content=payloads[i % len(payloads)], headers=headers)
                await r.aread()
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[str(r.status_code)] += 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as http:
        await asyncio.gather(*(client_loop(http) for _ in range(concurrency)))
    seconds = time.perf_counter() - t0
    ok = statuses.get("200", 0)
    latency_ms: dict[str, float] = {}
    if latencies:
        cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
        latency_ms = {
            "p50": round(cuts[49] * 1000, 1),
            "p90": round(cuts[89] * 1000, 1),
            "p99": round(cuts[98] * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        }
    return LoadResult(
        sent=requests,
        ok=ok,
        errors=requests - ok,
        seconds=seconds,
        statuses=dict(statuses),
        failures=dict(failures),
        latency_ms=latency_ms,
    )


def rss_mb(pids: Sequence[int]) -> dict[int, float]:
    return {pid: round((_status_kb(pid, "VmRSS") or 0) / 1024, 1) for pid in pids}


def counted_requests(base: str) -> float:
    """``POST /check`` answers with status 200 that ``/metrics`` saw, summed over workers."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(base + "/metrics", timeout=30).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = s.labels
            if (
                s.name == "redflag_http_requests_total"
                and labels.get("route") == "/check"
                and labels.get("method") == "POST"
                and labels.get("status") == "200"
            ):
                total += s.value
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.load_test", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=500, help="requests per warm-up round")
    parser.add_argument("--warmup-rounds", type=int, default=8, help="warm-up rounds at most")
    parser.add_argument(
        "--settled", type=float, default=0.02, help="warm-up ends when a round grows RSS less"
    )
    parser.add_argument("--page-bytes", type=int, default=2_000, help="size of each body's text")
    parser.add_argument("--pages", type=int, default=200, help="distinct bodies sent in turn")
    parser.add_argument("--max-growth", type=float, default=0.10, help="allowed RSS growth")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    payloads = bodies(args.pages, args.page_bytes)
    print(
        f"bodies: {len(payloads)} corpus pages, {statistics.mean(map(len, payloads)):.0f} bytes "
        f"on average; redflag serve --workers {args.workers}"
    )
    with running("redflag", args.workers, args.out) as server:
        pids = worker_pids(server)
        warm_sent = warm_ok = 0
        history = [round(sum(rss_mb(pids).values()), 1)]
        for _ in range(args.warmup_rounds):  # until the workers' size settles
            warm = asyncio.run(drive(server.base, payloads, args.warmup, args.concurrency))
            warm_sent, warm_ok = warm_sent + warm.sent, warm_ok + warm.ok
            history.append(round(sum(rss_mb(pids).values()), 1))
            if history[-1] - history[-2] < args.settled * history[-2]:
                break
        before = rss_mb(pids)
        print(
            f"warm-up: {warm_sent} requests, {warm_sent - warm_ok} errors; workers {pids}; "
            f"their RSS (MB) after each round of {args.warmup}: {history}"
        )
        load = asyncio.run(drive(server.base, payloads, args.requests, args.concurrency))
        after = rss_mb(pids)
        same_workers = worker_pids(server) == pids
        counted = counted_requests(server.base)

    total_before, total_after = sum(before.values()), sum(after.values())
    growth = (total_after - total_before) / total_before if total_before else float("inf")
    print(
        f"requests sent: {load.sent} at {args.concurrency} connections in {load.seconds:.1f} s "
        f"({load.per_second:.0f}/s); errors: {load.errors} "
        f"(statuses {load.statuses}, transport {load.failures or 'none'})"
    )
    print(f"latency ms: {load.latency_ms}")
    for pid in pids:
        print(f"worker {pid}: RSS {before[pid]} MB before, {after[pid]} MB after")
    print(
        f"workers' RSS: {total_before:.1f} MB before, {total_after:.1f} MB after "
        f"({growth:+.1%}; allowed {args.max_growth:.0%}); same worker processes: {same_workers}"
    )
    print(f"/metrics counted {counted:.0f} POST /check answers (warm-up + load)")
    passed = (
        load.errors == 0
        and warm_ok == warm_sent
        and growth <= args.max_growth
        and same_workers
        and counted == warm_ok + load.ok
    )
    print("PASS" if passed else "FAIL")
    write_json(
        args.out,
        "load_test",
        {
            "machine": machine(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "warmup": {"sent": warm_sent, "ok": warm_ok, "rss_mb_history": history},
            "load": asdict(load),
            "rss_mb_before": before,
            "rss_mb_after": after,
            "rss_growth": growth,
            "metrics_counted": counted,
            "passed": passed,
        },
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
