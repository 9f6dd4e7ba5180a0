"""Memory of a service worker that reads new text all day (issue 7: at most 250 MB a worker).

``bench_service`` posts one page over and over, so its workers hold only the RE2
states that page needs.  RE2 builds its automata's states lazily, for the text it
reads, and keeps them until an automaton reaches its memory budget, when it starts
again; a worker that reads new pages grows until then.  This benchmark starts
``redflag serve --workers 1``, posts pages it has never seen (made deterministically
from the training sentences, in new orders, with runs of the corpus's words put in),
one request at a time, and reads the worker's VmRSS as it goes: the curve climbs
while the automata grow and levels off at their budgets.  It also prints the MB/s of
new text (the worker's CPU time).

    .venv/bin/python -m bench.bench_memory [--megabytes 64] [--every 8]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.bench_service import _cpu_s, _status_kb, running, worker_pids
from bench.corpus import build_corpus
from bench.report import OUT, ROOT, machine, table, write_json

TARGET_RSS_MB = 250.0


def new_pages(seed: int = 7) -> Iterator[str]:
    """Pages of ~3-6 KB no check has seen: 25-45 training sentences in a random order,
    five of them followed by six random words of the benchmark corpus."""
    sentences: list[str] = []
    for path in sorted((ROOT / "training_data" / "sentences").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            sentences += [json.loads(line)["text"] for line in lines if line.strip()]
    words = " ".join(build_corpus().pages).split()
    rng = random.Random(seed)
    while True:
        parts = rng.sample(sentences, rng.randrange(25, 46))
        for _ in range(5):
            i = rng.randrange(len(parts))
            parts[i] = f"{parts[i]} {' '.join(rng.sample(words, 6))}."
        yield " ".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--megabytes", type=float, default=64.0, help="new text to post (MB)")
    p.add_argument("--every", type=float, default=8.0, help="read the worker's RSS every N MB")
    p.add_argument("--out", type=Path, default=OUT)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.megabytes <= 0 or args.every <= 0:
        print("bench_memory: --megabytes and --every must be positive", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    samples: list[dict[str, float]] = []
    pages = new_pages()
    with running("redflag", 1, args.out) as server:
        # one worker: uvicorn serves in the process it was started in, with no child
        worker = (worker_pids(server) or [server.proc.pid])[0]

        def rss_mb() -> float:
            return (_status_kb(worker, "VmRSS") or 0) / 1024

        samples.append({"mb_posted": 0.0, "rss_mb": round(rss_mb(), 1)})
        posted = 0
        cpu0 = _cpu_s(worker)
        next_sample = args.every
        with httpx.Client(base_url=server.base, timeout=60) as http:
            while posted < args.megabytes * 1e6:
                text = next(pages)
                r = http.post("/check", json={"text": text})
                if r.status_code != 200:
                    print(f"bench_memory: POST /check answered {r.status_code}", file=sys.stderr)
                    return 1
                posted += len(text.encode("utf-8"))
                if posted >= next_sample * 1e6:
                    samples.append(
                        {"mb_posted": round(posted / 1e6, 2), "rss_mb": round(rss_mb(), 1)}
                    )
                    print(
                        f"  {posted / 1e6:5.1f} MB posted: worker RSS {samples[-1]['rss_mb']} MB",
                        flush=True,
                    )
                    next_sample += args.every
        cpu = _cpu_s(worker) - cpu0
        hwm = (_status_kb(worker, "VmHWM") or 0) / 1024
    result: dict[str, Any] = {
        "benchmark": "memory",
        "machine": machine(),
        "mb_posted": round(posted / 1e6, 2),
        "samples": samples,
        "rss_mb_last": samples[-1]["rss_mb"],
        "hwm_mb": round(hwm, 1),
        "mb_s_cpu_new_text": round(posted / 1e6 / cpu, 3) if cpu > 0 else None,
        "target_mb": TARGET_RSS_MB,
        "ok": hwm <= TARGET_RSS_MB,
    }
    path = write_json(args.out, "bench_memory", result)
    print(summary(result))
    print(f"results: {path}")
    return 0


def summary(r: dict[str, Any]) -> str:
    curve = ", ".join(f"{s['rss_mb']:.0f}" for s in r["samples"])
    rows: list[tuple[str, str, str, bool | None]] = [
        ("new text posted, MB (one request at a time)", f"{r['mb_posted']:.1f}", "", None),
        ("worker RSS every few MB, MB", curve, "", None),
        ("worker peak RSS (VmHWM), MB", f"{r['hwm_mb']:.1f}", f"<= {TARGET_RSS_MB:g}", r["ok"]),
        ("worker MB/s of CPU time on new text", f"{r['mb_s_cpu_new_text']}", "", None),
    ]
    return table("bench_memory: a worker reading new text, one run", rows)


if __name__ == "__main__":
    raise SystemExit(main())
