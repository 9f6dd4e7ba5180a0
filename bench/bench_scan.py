"""``redflag scan`` on Dask: 20,000 generated pages with 1 and with 2 workers (issue 9).

    .venv/bin/python -m bench.bench_scan [--pages N] [--partition-size N] [--workers 1,2]

The pages come from ``bench/corpus.py`` (the engine benchmark's deterministic
builder over ``training_data/``), cut at about 2 KB, written as JSONL with urls
on 200 domains; every fourth page is HTML.  For each worker count the benchmark
starts a ``LocalCluster`` (processes, one thread each), loads the engine with
the shipped model on every worker (timed apart: start-up), then times one full
scan through ``app.scan.scan`` with ``--engine dask``: streaming the JSONL,
partitions in flight, Parquet written per partition.  It prints pages per
second for each run and the speed-up, checks that the runs' results agree, and
writes ``bench/out/scan.json``.  Pages per second are wall-clock (the scan is a
pipeline of processes); beside them it prints the CPU time the workers and the
client spent, the share of the time each worker was on a CPU, and the load
average, because on a shared machine other people's work takes cores from the
run; the speed-up is also given from CPU time per page, as it would be if each
worker had a core of its own.  On a 2-core machine the client (reading,
pickling, writing Parquet) shares the cores with the two workers, which caps
the speed-up below 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from bench.corpus import OUT, build_corpus

DOMAINS = 200


def write_pages(path: Path, n: int, page_bytes: int) -> tuple[int, int]:
    """``n`` pages as JSONL; returns (pages, bytes of page text)."""
    corpus = build_corpus(target_bytes=n * page_bytes, page_bytes=page_bytes, seed=9)
    pages = list(corpus.pages)
    while len(pages) < n:  # short pages: go round again
        pages += pages[: n - len(pages)]
    total = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(pages[:n]):
            url = f"https://clinic{i % DOMAINS:03d}.example/page/{i}"
            if i % 4 == 3:
                body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
                record = {"url": url, "html": f"<html><body>{body}</body></html>"}
                total += len(record["html"].encode())
            else:
                record = {"url": url, "text": text}
                total += len(text.encode())
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n, total


def _rss() -> int:
    """This process's resident size in bytes (run on each worker)."""
    import psutil

    return int(psutil.Process().memory_info().rss)


def run_once(src: Path, out: Path, workers: int, partition_size: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from app.core.config import get_settings
    from app.scan import ResultStore, ScanConfig, scan
    from app.scan.executors import EnginePlugin
    from app.scan.worker import EngineSpec

    model_dir = get_settings().model_dir
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(
            EnginePlugin(EngineSpec(use_model=True, model_dir=str(model_dir))),
            name="redflag-engine",
        )
        startup = time.perf_counter() - t0
        config = ScanConfig(
            inputs=(src,),
            out=out,
            engine="dask",
            partition_size=partition_size,
            model_dir=model_dir,
            overwrite=True,
            report=False,
            progress=False,
        )
        load0 = os.getloadavg()[0]
        cpu0 = client.run(time.process_time)
        own0 = time.process_time()
        t1 = time.perf_counter()
        summary = scan(config, client=client)
        seconds = time.perf_counter() - t1
        own_cpu = time.process_time() - own0
        cpu1 = client.run(time.process_time)
        worker_cpu = sum(cpu1[w] - cpu0[w] for w in cpu1 if w in cpu0)
        load1 = os.getloadavg()[0]
        rss = sorted(round(v / 1e6) for v in client.run(_rss).values())
    assert summary.complete, "the scan did not finish"
    t2 = time.perf_counter()
    from app.scan.report import write_report

    store = ResultStore.load(out)
    write_report(store)
    versions = store.versions() or {}
    report_seconds = time.perf_counter() - t2
    return {
        "workers": workers,
        "pages": summary.pages,
        "failed": summary.failed,
        "findings": summary.findings,
        "startup_s": round(startup, 2),
        "scan_s": round(seconds, 2),
        "pages_per_s": round(summary.pages / seconds, 1),
        "worker_cpu_s": round(worker_cpu, 1),
        "client_cpu_s": round(own_cpu, 1),
        "worker_cpu_ms_per_page": round(1000 * worker_cpu / max(summary.pages, 1), 2),
        # the share of the run's wall time its workers were on a CPU: 1.0 when nothing else
        # competes for the cores, less when other processes (or the client) take them
        "worker_cpu_utilisation": round(worker_cpu / (seconds * workers), 2),
        "load_before_after": [round(load0, 2), round(load1, 2)],
        "report_s": round(report_seconds, 2),
        "worker_rss_mb": rss,
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--page-bytes", type=int, default=2_000, help="largest page (bytes)")
    parser.add_argument("--partition-size", type=int, default=500)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]

    work = OUT / "scan"
    src = work / "pages.jsonl"
    n, nbytes = write_pages(src, args.pages, args.page_bytes)
    print(
        f"bench_scan: {n:,} pages, {nbytes / 1e6:.1f} MB of page text, "
        f"partitions of {args.partition_size}; {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    runs = []
    for workers in counts:
        out = work / f"results-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        run = run_once(src, out, workers, args.partition_size)
        runs.append(run)
        print(
            f"  {workers} worker(s): start-up {run['startup_s']:.1f} s (engine and model on "
            f"each worker), scan {run['scan_s']:.1f} s, {run['pages_per_s']:,.1f} pages/s, "
            f"{run['findings']:,} findings, {run['failed']} failed; report {run['report_s']:.1f} s"
        )
        print(
            f"      CPU: workers {run['worker_cpu_s']:.1f} s "
            f"({run['worker_cpu_ms_per_page']:.2f} ms a page, each worker on a CPU "
            f"{run['worker_cpu_utilisation']:.0%} of the time), client {run['client_cpu_s']:.1f} s; "
            f"load average {run['load_before_after'][0]:.2f} -> {run['load_before_after'][1]:.2f}; "
            f"worker RSS {run['worker_rss_mb']} MB"
        )
    same = len({(r["pages"], r["findings"], r["failed"]) for r in runs}) == 1
    result: dict[str, Any] = {"pages": n, "mb": round(nbytes / 1e6, 2), "runs": runs}
    if len({json.dumps(r["versions"], sort_keys=True) for r in runs}) > 1:
        same = True  # nothing to compare: the rules or model changed on disk between runs
        print(f"  the engine changed between runs ({[r['versions'] for r in runs]}): not compared")
    else:
        print(f"  results of all runs agree: {same}")
    if len(runs) >= 2:
        speedup = runs[-1]["pages_per_s"] / runs[0]["pages_per_s"]
        result["speedup"] = round(speedup, 2)
        print(f"  speed-up {runs[-1]['workers']} vs {runs[0]['workers']} worker(s): {speedup:.2f}x")
        # what the speed-up would be if every worker had a core to itself: the ratio of
        # pages per second of worker CPU time, times the ratio of workers
        cpu_bound = (
            runs[0]["worker_cpu_ms_per_page"]
            / runs[-1]["worker_cpu_ms_per_page"]
            * runs[-1]["workers"]
            / runs[0]["workers"]
        )
        result["speedup_if_uncontended"] = round(cpu_bound, 2)
        print(
            f"  speed-up from CPU time per page (if each worker had a core of its own): "
            f"{cpu_bound:.2f}x"
        )
    (OUT / "scan.json").write_text(json.dumps(result, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
