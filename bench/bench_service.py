"""The service under load: redflag against a bare FastAPI endpoint, in the same run.

    .venv/bin/python -m bench.bench_service [--duration 15] [--connections 32]

Needs ``wrk`` (Debian: ``apt-get install -y wrk``). The benchmark starts a bare
FastAPI app (``bench/bare_app.py``: one endpoint that parses the same JSON body
and returns a constant, under ``uvicorn --workers 2``) and ``redflag serve
--workers 2``, each on a free loopback port, and for each:

1. startup: the time from starting the process to the first successful
   ``GET /health`` (``--startup-runs`` starts, target at most 3 s for redflag);
2. one ``POST /check`` of the 5 KB page to check the answer (status 200);
3. load: ``wrk`` with ``--connections`` (32) connections posting the page
   (``bench/wrk_post.lua``), a warm-up, then the measured run, taken in
   ``--rounds`` (3) slices in turn with the other app's (both apps stay up; the
   idle one waits on its sockets), so a drift in the machine's speed falls on
   both: requests a second over all slices, latency percentiles (p50, p90, p99,
   the highest of the slices'), errors;
4. memory: VmRSS (and peak, VmHWM) of each worker process from
   ``/proc/PID/status`` after the run (target at most 250 MB per worker).

The page is the page of ``bench/corpus.py``'s corpus whose size is nearest
5,000 bytes. The ratio that counts is redflag's requests a second over the
bare app's (target at least 10%); no absolute figure is asserted. Because the
machine is shared, the workers' CPU time during the measured run (from
``/proc/PID/stat``) is also reported per request, and the ratio of those
costs (bare over redflag) is what the throughput ratio would be on an
otherwise idle machine. Server logs go to ``bench/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.corpus import PAGE_BYTES, build_corpus
from bench.report import OUT, ROOT, machine, table, write_json

LUA = Path(__file__).resolve().parent / "wrk_post.lua"
TARGET_THROUGHPUT_RATIO = 0.10
TARGET_RSS_MB = 250.0
TARGET_STARTUP_S = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    base: str
    ready_s: float
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)


def _command(name: str, port: int, workers: int) -> list[str]:
    if name == "redflag":
        script = Path(sys.executable).with_name("redflag")
        head = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli.main"]
        return [*head, "serve", "--port", str(port), "--workers", str(workers)]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@contextmanager
def running(name: str, workers: int, out_dir: Path, timeout: float = 120.0) -> Iterator[Server]:
    """Start ``name`` ("redflag" or "bare"), wait for /health, yield, stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = out_dir / f"service_{name}.log"
    with log_path.open("ab") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            _command(name, port, workers), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            with httpx.Client(timeout=1.0) as client:
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
                    try:
                        if client.get(base + "/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() - t0 > timeout:
                        raise RuntimeError(f"{name} not ready after {timeout} s; see {log_path}")
                    time.sleep(0.01)
            yield Server(name, proc, base, time.perf_counter() - t0, log_path)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- processes and memory ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(server: Server) -> list[int]:
    """The uvicorn workers: spawned children of the supervisor, not the resource tracker."""
    kids = [p for p in _children(server.proc.pid) if "spawn" in _cmdline(p)]
    return sorted(p for p in kids if "resource_tracker" not in _cmdline(p))


def memory(server: Server) -> dict[str, Any]:
    """VmRSS and VmHWM (MB) of the supervisor and of each worker (spawned children)."""

    def mb(pid: int, key: str) -> float | None:
        kb = _status_kb(pid, key)
        return None if kb is None else round(kb / 1024, 1)

    workers = worker_pids(server)
    return {
        "supervisor": {
            "pid": server.proc.pid,
            "rss_mb": mb(server.proc.pid, "VmRSS"),
            "hwm_mb": mb(server.proc.pid, "VmHWM"),
        },
        "workers": [
            {"pid": p, "rss_mb": mb(p, "VmRSS"), "hwm_mb": mb(p, "VmHWM")} for p in sorted(workers)
        ],
    }


# -- load -------------------------------------------------------------------------------


def wrk(
    url: str, body_path: Path, connections: int, threads: int, seconds: float
) -> dict[str, Any]:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(int(seconds), 1)}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_BODY": str(body_path)},
        check=True,
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    r: dict[str, Any] = json.loads(line)
    secs = r["duration_us"] / 1e6
    errors = sum(r["errors"].values())
    r["rps"] = round(r["requests"] / secs, 1)
    r["ok_rps"] = round((r["requests"] - r["errors"]["status"]) / secs, 1)
    r["error_count"] = errors
    r["p99_ms"] = round(r["latency_us"]["p99"] / 1000, 2)
    r["p50_ms"] = round(r["latency_us"]["p50"] / 1000, 2)
    r["p90_ms"] = round(r["latency_us"]["p90"] / 1000, 2)
    r["command"] = " ".join(cmd)
    return r


def combined(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """The measured slices of one app as one run: requests, errors and seconds summed
    (so requests a second over all of them); a latency percentile, which slices cannot
    be merged into, the highest of the slices' (an upper bound)."""
    secs = sum(r["duration_us"] for r in slices) / 1e6
    requests = sum(r["requests"] for r in slices)
    status = sum(r["errors"]["status"] for r in slices)
    out: dict[str, Any] = {
        "slices": len(slices),
        "duration_s": round(secs, 3),
        "requests": requests,
        "rps": round(requests / secs, 1),
        "ok_rps": round((requests - status) / secs, 1),
        "error_count": sum(r["error_count"] for r in slices),
        "errors": {k: sum(r["errors"][k] for r in slices) for k in slices[0]["errors"]},
        "latency": "the highest of the slices' percentiles",
        "command": slices[0]["command"],
        "per_slice_rps": [r["ok_rps"] for r in slices],
    }
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        out[key] = max(r[key] for r in slices)
    return out


def startup_times(name: str, args: argparse.Namespace) -> list[float]:
    """Seconds from start to the first ``/health`` of ``--startup-runs`` - 1 starts."""
    times = []
    for _ in range(max(args.startup_runs - 1, 0)):
        with running(name, args.workers, args.out) as server:
            times.append(round(server.ready_s, 3))
    return times


def first_answer(server: Server, body: bytes) -> httpx.Response:
    answer = httpx.post(
        server.base + "/check",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    if answer.status_code != 200:
        raise RuntimeError(
            f"{server.name}: POST /check answered {answer.status_code}: {answer.text}"
        )
    return answer


def measure(args: argparse.Namespace, body_path: Path, body: bytes) -> dict[str, dict[str, Any]]:
    """Both apps running at once, each warmed up, then measured in turn in
    ``--rounds`` slices (bare, redflag, bare, ...), so a drift in the machine's speed
    falls on both; the idle app waits on its sockets, taking no CPU."""
    names = ("bare", "redflag")
    startups = {name: startup_times(name, args) for name in names}
    slice_s = max(round(args.duration / max(args.rounds, 1)), 1)
    with (
        running("bare", args.workers, args.out) as bare,
        running("redflag", args.workers, args.out) as redflag,
    ):
        servers = {"bare": bare, "redflag": redflag}
        state: dict[str, dict[str, Any]] = {}
        for name, server in servers.items():
            startups[name].append(round(server.ready_s, 3))
            first = first_answer(server, body)
            answer = first.json()
            state[name] = {
                "url": server.base + "/check",
                "pids": worker_pids(server),
                "first": first,
                "findings": len(answer.get("findings", [])) if isinstance(answer, dict) else None,
                "memory_before": memory(server),
                "slices": [],
                "cpu_s": 0.0,
            }
            print(
                f"  {name}: ready in {startups[name][-1]:.2f} s; warm-up {args.warmup} s ...",
                flush=True,
            )
            wrk(state[name]["url"], body_path, args.connections, args.threads, args.warmup)
        print(
            f"  measuring {args.rounds} x {slice_s} s per app, in turn, at {args.connections} "
            "connections",
            flush=True,
        )
        for _ in range(max(args.rounds, 1)):
            for name in names:
                st = state[name]
                cpu0 = sum(_cpu_s(p) for p in st["pids"])
                st["slices"].append(
                    wrk(st["url"], body_path, args.connections, args.threads, slice_s)
                )
                st["cpu_s"] += sum(_cpu_s(p) for p in st["pids"]) - cpu0
        results = {}
        for name in names:
            st = state[name]
            load = combined(st["slices"])
            load["worker_cpu_s"] = round(st["cpu_s"], 2)
            load["cpu_ms_per_request"] = round(1000 * st["cpu_s"] / max(load["requests"], 1), 3)
            results[name] = {
                "startup_s": startups[name],
                "startup_s_median": sorted(startups[name])[len(startups[name]) // 2],
                "response_bytes": len(st["first"].content),
                "findings": st["findings"],
                "load": load,
                "memory_before": st["memory_before"],
                "memory_after": memory(servers[name]),
                "log": str(servers[name].log_path),
            }
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_service", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--duration", type=float, default=15.0, help="measured seconds per app")
    p.add_argument(
        "--rounds", type=int, default=3, help="slices the measured seconds are taken in, in turn"
    )
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per app")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers per app")
    p.add_argument("--startup-runs", type=int, default=3, help="starts timed per app")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "bench_service: wrk is not installed; install it with `apt-get install -y wrk`",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    page = min(build_corpus().pages, key=lambda p: abs(len(p.encode("utf-8")) - PAGE_BYTES))
    body = json.dumps({"text": page, "format": "text"}).encode("utf-8")
    body_path = args.out / "service_body.json"
    body_path.write_bytes(body)
    print(f"body: {len(body)} bytes ({len(page.encode('utf-8'))} bytes of text)", flush=True)

    results: dict[str, Any] = measure(args, body_path, body)

    rf, bare = results["redflag"], results["bare"]
    ratio = rf["load"]["ok_rps"] / bare["load"]["ok_rps"] if bare["load"]["ok_rps"] else 0.0
    cpu_ratio = bare["load"]["cpu_ms_per_request"] / max(rf["load"]["cpu_ms_per_request"], 1e-9)
    workers_rss = [w["rss_mb"] for w in rf["memory_after"]["workers"] if w["rss_mb"] is not None]
    result: dict[str, Any] = {
        "benchmark": "service",
        "machine": machine(),
        "body_bytes": len(body),
        "connections": args.connections,
        "wrk_threads": args.threads,
        "workers": args.workers,
        "duration_s": args.duration,
        "rounds": args.rounds,
        **results,
        "throughput_ratio": {
            "value": round(ratio, 4),
            "target": TARGET_THROUGHPUT_RATIO,
            "ok": ratio >= TARGET_THROUGHPUT_RATIO,
        },
        "cpu_cost_ratio": {
            "value": round(cpu_ratio, 4),
            "label": "worker CPU ms per request, bare / redflag (robust to other load)",
        },
        "worker_rss_mb": {
            "value": max(workers_rss) if workers_rss else None,
            "target": TARGET_RSS_MB,
            "ok": bool(workers_rss) and max(workers_rss) <= TARGET_RSS_MB,
        },
        "startup": {
            "value": rf["startup_s_median"],
            "max": max(rf["startup_s"]),
            "target": TARGET_STARTUP_S,
            "ok": rf["startup_s_median"] <= TARGET_STARTUP_S,
        },
    }
    path = write_json(args.out, "bench_service", result)
    print(summary(result))
    print(f"results: {path}")
    missed = not all(result[k]["ok"] for k in ("throughput_ratio", "worker_rss_mb", "startup"))
    return 1 if (args.strict and missed) else 0


def summary(r: dict[str, Any]) -> str:
    rf, bare = r["redflag"], r["bare"]
    rows: list[tuple[str, str, str, bool | None]] = []
    for name, x in (("bare FastAPI", bare), ("redflag", rf)):
        load = x["load"]
        rows.append(
            (
                f"{name}: requests/s (2xx) at {r['connections']} connections",
                f"{load['ok_rps']:.0f} (errors {load['error_count']})",
                "",
                None,
            )
        )
        rows.append(
            (
                f"{name}: latency p50 / p90 / p99, ms",
                f"{load['p50_ms']:.1f} / {load['p90_ms']:.1f} / {load['p99_ms']:.1f}",
                "",
                None,
            )
        )
    rows.append(
        (
            "throughput redflag / bare",
            f"{r['throughput_ratio']['value']:.1%}",
            f">= {TARGET_THROUGHPUT_RATIO:.0%}",
            r["throughput_ratio"]["ok"],
        )
    )
    rows.append(
        (
            "worker CPU ms/request: bare / redflag",
            f"{bare['load']['cpu_ms_per_request']:.2f} / {rf['load']['cpu_ms_per_request']:.2f}"
            f" (ratio {r['cpu_cost_ratio']['value']:.1%})",
            "",
            None,
        )
    )
    rss = ", ".join(f"{w['rss_mb']}" for w in rf["memory_after"]["workers"])
    hwm = ", ".join(f"{w['hwm_mb']}" for w in rf["memory_after"]["workers"])
    rows.append(
        (
            "redflag worker VmRSS after the run, MB",
            f"{rss} (peak {hwm})",
            f"<= {TARGET_RSS_MB:g}",
            r["worker_rss_mb"]["ok"],
        )
    )
    rows.append(
        (
            "redflag supervisor VmRSS, MB",
            f"{rf['memory_after']['supervisor']['rss_mb']}",
            "",
            None,
        )
    )
    rows.append(
        (
            "redflag start to first /health, s (median)",
            f"{r['startup']['value']:.2f} (runs {', '.join(f'{s:.2f}' for s in rf['startup_s'])})",
            f"<= {TARGET_STARTUP_S:g}",
            r["startup"]["ok"],
        )
    )
    rows.append(
        (
            "bare start to first /health, s (median)",
            f"{bare['startup_s_median']:.2f}",
            "",
            None,
        )
    )
    rows.append(("redflag response size, bytes", f"{rf['response_bytes']}", "", None))
    return table("bench_service: one run, same machine, same body", rows)


if __name__ == "__main__":
    raise SystemExit(main())
