"""The benchmarks run: the corpus builder is deterministic, and ``bench_engine --smoke``
produces its summary and JSON.  No timing is asserted (see bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.bench_memory import new_pages
from bench.corpus import SEPARATOR, build_corpus

ROOT = Path(__file__).resolve().parents[2]


def test_corpus_is_deterministic_and_paged() -> None:
    a = build_corpus(target_bytes=50_000, page_bytes=5_000)
    b = build_corpus(target_bytes=50_000, page_bytes=5_000)
    assert a.sha256 == b.sha256
    assert a.text == SEPARATOR.join(a.pages)
    assert 50_000 <= a.nbytes < 50_000 + 5_000 + len(SEPARATOR)
    for page in a.pages:
        size = len(page.encode("utf-8"))
        # a page only passes the limit when it is one paragraph on its own
        assert size <= 5_000 or SEPARATOR not in page
    assert build_corpus(target_bytes=50_000, seed=1).sha256 != a.sha256


def test_corpus_repeats_no_page_verbatim() -> None:
    corpus = build_corpus()
    assert corpus.nbytes >= 1_000_000
    assert len(set(corpus.pages)) == len(corpus.pages)


def test_corpus_rejects_a_nonpositive_size() -> None:
    with pytest.raises(ValueError, match="positive"):
        build_corpus(target_bytes=0)


def _bench(module: str, out: Path, *args: str) -> tuple[str, dict[str, Any]]:
    """Run ``python -m bench.<module> ... --out out``: its output and its JSON results."""
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    name = module + ("_smoke" if "--smoke" in args else "")
    return proc.stdout, json.loads((out / f"{name}.json").read_text("utf-8"))


def test_bench_cli_site_takes_turns_and_compares_the_runs(tmp_path: Path) -> None:
    # 50 pages of ~5 KB: enough text for the worker pool (runner.POOL_MIN_BYTES)
    stdout, result = _bench("bench_cli_site", tmp_path, "--pages", "50", "--rounds", "2")
    assert "round 2, 1 worker:" in stdout and "speed-up" in stdout
    assert result["pages"] == 50 and result["rounds"] == 2
    assert result["same_findings"] is True
    assert set(result["runs"]) == {"1 worker", f"{result['cores']} workers"}


def test_bench_engine_smoke(tmp_path: Path) -> None:
    stdout, result = _bench("bench_engine", tmp_path, "--smoke")
    assert "linearity" in stdout
    assert result["smoke"] is True
    assert 50_000 <= result["corpus"]["bytes"] < 60_000
    assert result["pages"]["count"] == result["corpus"]["pages"] > 1
    assert result["doc"]["findings"] > 0
    assert result["pages"]["findings"] > 0
    assert result["pages_in_batches"]["same_findings_as_pages"] is True  # check_many = check
    ratio = result["doc"]["mb_s_cpu"] / result["pages"]["mb_s_cpu"]
    assert result["linearity"]["ratio_doc_over_pages"] == pytest.approx(ratio, rel=1e-3)
    assert "proselint" not in result  # smoke skips proselint and its venv
    assert not (tmp_path / "proselint-venv").exists()
    metadata = json.loads((ROOT / "model" / "metadata.json").read_text("utf-8"))
    assert result["macro_f1"]["metadata"]["macro_f1"] == metadata["cv"]["engine"]["macro_f1"]
    assert "fresh" not in result["macro_f1"]


def test_timed_alternately_runs_each_in_turn() -> None:
    from bench.report import timed_alternately

    calls: list[str] = []
    (a, ra), (b, rb) = timed_alternately(
        [lambda: calls.append("a") or "A", lambda: calls.append("b") or "B"], 3
    )
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert (ra, rb) == ("A", "B")
    assert len(a.cpu) == len(a.wall) == len(b.cpu) == 3


def test_alternately_takes_the_clocks_a_step_reports() -> None:
    """A step run in another process (proselint's) reports its own clocks, taken as given."""
    from bench.report import alternately, local

    calls: list[str] = []
    clocks = iter([(2.0, 1.5), (1.0, 0.5)])

    def remote() -> tuple[float, float, str]:
        calls.append("remote")
        wall, cpu = next(clocks)
        return wall, cpu, "R"

    (mine, rm), (theirs, rt) = alternately([local(lambda: calls.append("local") or "L"), remote], 2)
    assert calls == ["local", "remote", "local", "remote"]
    assert (rm, rt) == ("L", "R")
    assert theirs.wall == [2.0, 1.0] and theirs.cpu == [1.5, 0.5]
    assert theirs.mb_s(1_000_000) == 2.0  # the fastest run's CPU time
    assert len(mine.cpu) == 2 and all(t >= 0 for t in mine.cpu)


def test_service_slices_combine_into_one_run() -> None:
    from bench.bench_service import combined

    def wrk_slice(requests: int, status_errors: int, p99: float) -> dict[str, object]:
        errors = {"connect": 0, "read": 0, "write": 0, "status": status_errors, "timeout": 0}
        return {
            "duration_us": 5_000_000,
            "requests": requests,
            "errors": errors,
            "error_count": status_errors,
            "ok_rps": (requests - status_errors) / 5,
            "p50_ms": 1.0,
            "p90_ms": 2.0,
            "p99_ms": p99,
            "command": "wrk ...",
        }

    run = combined([wrk_slice(1000, 0, 7.0), wrk_slice(2000, 10, 9.5), wrk_slice(1500, 0, 8.0)])
    assert run["duration_s"] == 15.0 and run["requests"] == 4500
    assert run["rps"] == 300.0 and run["ok_rps"] == 299.3
    assert run["error_count"] == 10 and run["errors"]["status"] == 10
    assert run["p99_ms"] == 9.5 and run["per_slice_rps"] == [200.0, 398.0, 300.0]


def test_new_pages_are_new_and_deterministic() -> None:
    first = [page for page, _ in zip(new_pages(), range(30), strict=False)]
    again = [page for page, _ in zip(new_pages(), range(30), strict=False)]
    assert first == again
    assert len(set(first)) == 30
    assert all(2_000 <= len(page.encode("utf-8")) <= 12_000 for page in first)


@pytest.mark.server
def test_bench_memory_smoke(tmp_path: Path) -> None:
    stdout, result = _bench("bench_memory", tmp_path, "--megabytes", "0.1", "--every", "0.05")
    assert "worker peak RSS" in stdout
    assert result["mb_posted"] >= 0.1
    assert [s["mb_posted"] for s in result["samples"]][:2] == [0.0, pytest.approx(0.05, abs=0.02)]
    assert result["hwm_mb"] >= result["samples"][-1]["rss_mb"] > 0
    assert result["mb_s_cpu_new_text"] > 0
