"""What every benchmark shares: timing, the summary table and the JSON in ``bench/out/``."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# the BLAS and OpenMP thread counts a benchmark on one core sets to 1 (before numpy loads)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Timing:
    """Wall-clock and CPU seconds of each repeat of one measurement."""

    wall: list[float]
    cpu: list[float]

    def mb_s(self, nbytes: int, clock: str = "cpu") -> float:
        """MB/s (10^6 bytes a second) of the fastest repeat on that clock."""
        best = min(self.cpu if clock == "cpu" else self.wall)
        return nbytes / best / 1e6 if best > 0 else float("inf")

    def to_dict(self, nbytes: int) -> dict[str, Any]:
        return {
            "bytes": nbytes,
            "wall_s": [round(t, 4) for t in self.wall],
            "cpu_s": [round(t, 4) for t in self.cpu],
            "mb_s_cpu": round(self.mb_s(nbytes, "cpu"), 4),
            "mb_s_wall": round(self.mb_s(nbytes, "wall"), 4),
        }


Measured = tuple[float, float, Any]  # wall seconds, CPU seconds, result


def local(fn: Callable[[], Any]) -> Callable[[], Measured]:
    """``fn`` timed in this process: wall (perf_counter) and CPU (process_time)."""

    def run() -> Measured:
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        return time.perf_counter() - w0, time.process_time() - c0, result

    return run


def alternately(steps: Sequence[Callable[[], Measured]], repeats: int) -> list[tuple[Timing, Any]]:
    """Run each step ``repeats`` times, in turn each round (``a b a b ...``), so a drift
    in the machine's speed falls on all of them alike and their ratios hold.  A step
    times itself (:func:`local`, or another process reporting its own clocks); per
    step, every run's timing and the last run's result."""
    wall: list[list[float]] = [[] for _ in steps]
    cpu: list[list[float]] = [[] for _ in steps]
    results: list[Any] = [None for _ in steps]
    for _ in range(max(repeats, 1)):
        for k, step in enumerate(steps):
            w, c, results[k] = step()
            wall[k].append(w)
            cpu[k].append(c)
    out = []
    for k, result in enumerate(results):
        assert result is not None
        out.append((Timing(wall[k], cpu[k]), result))
    return out


def timed_alternately(fns: Sequence[Callable[[], Any]], repeats: int) -> list[tuple[Timing, Any]]:
    """:func:`alternately` for functions of this process."""
    return alternately([local(fn) for fn in fns], repeats)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def table(title: str, rows: Sequence[tuple[str, str, str, bool | None]]) -> str:
    """A plain-text summary: figure, value, target, PASS/MISS."""
    head = ("figure", "value", "target", "")
    body = [(a, b, c, verdict(d) if c else "") for a, b, c, d in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    out = [title, line]
    for r in [head, *body]:
        out.append("  ".join(str(r[i]).ljust(widths[i]) for i in range(4)).rstrip())
        if r is head:
            out.append(line)
    out.append(line)
    return "\n".join(out)


def machine() -> dict[str, Any]:
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in load],
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write_json(out_dir: Path, name: str, data: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    return path
