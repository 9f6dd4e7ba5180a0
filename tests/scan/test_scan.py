"""A scan end to end in this process (rules only): results, failures, resumption, report."""

from __future__ import annotations

import base64
import concurrent.futures as cf
import fcntl
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine import Engine
from app.scan import (
    PAGES_SCHEMA,
    Page,
    ResultStore,
    ScanError,
    partitions,
    process_partition,
    scan,
)
from app.scan import runner as runner_mod
from app.scan import worker as worker_mod
from tests.scan.conftest import (
    SJIS_HTML,
    page_record,
    rules_config,
    tables,
    write_jsonl,
    write_warc,
)


def test_results_match_the_engine_page_by_page(tmp_path: Path, rules_engine: Engine) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 35)
    summary = scan(rules_config([src], tmp_path / "out"))
    assert summary.complete and summary.partitions == 4 and summary.pages == 35
    pages, findings = tables(tmp_path / "out")
    assert [p["seq"] for p in pages] == list(range(35))
    assert [p["partition"] for p in pages] == [i // 10 for i in range(35)]
    for i in (0, 1, 2, 17):
        rec = page_record(i)
        text, fmt = (
            (rec["html"], "html") if "html" in rec else (rec["text"], rec.get("format", "text"))
        )
        report = rules_engine.check(text, fmt)
        row = pages[i]
        assert (row["url"], row["status"], row["risk_score"], row["risk_level"]) == (
            rec["url"],
            "ok",
            report.risk.score,
            report.risk.level,
        )
        assert row["findings"] == len(report.findings)
        assert row["n_absolute_safety"] == report.risk.counts["absolute-safety"]
        assert row["model_version"] == "none"
        mine = [(f["id"], f["start"], f["end"], f["text"]) for f in findings if f["seq"] == i]
        assert mine == [(f.id, f.start, f.end, f.text) for f in report.findings]
    assert sum(p["findings"] for p in pages) == len(findings) > 0
    assert {f["domain"] for f in findings} <= {f"clinic{k}.example.com" for k in range(6)}


def test_bad_pages_are_recorded_and_the_scan_goes_on(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "pages.jsonl",
        12,
        extra=[
            b"{broken json",
            b'{"url": "https://x.example/latin", "text": "caf\xe9"}',
            json.dumps({"url": "https://x.example/big", "text": "risk-free " * 300}).encode(),
            json.dumps({"url": "https://x.example/after", "text": "Completely safe."}).encode(),
        ],
    )
    summary = scan(rules_config([src], tmp_path / "out", max_text_chars=2000))
    assert summary.complete and summary.pages == 16 and summary.failed == 3
    pages, _ = tables(tmp_path / "out")
    failed = {p["seq"]: p for p in pages if p["status"] == "failed"}
    assert sorted(failed) == [12, 13, 14]
    assert failed[12]["error"] == "invalid JSON"
    assert failed[13]["error"].startswith("undecodable")
    assert (
        failed[14]["error"].startswith("too large") and failed[14]["url"] == "https://x.example/big"
    )
    assert all(p["risk_score"] is None and p["findings"] is None for p in failed.values())
    assert pages[15]["status"] == "ok" and pages[15]["findings"] >= 1


def test_a_page_the_engine_raises_on_is_isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = worker_mod.get_engine(worker_mod.EngineSpec(use_model=False))

    class Flaky:
        versions = real.versions

        def check_many(self, items: list[tuple[str, str]], *a: Any) -> Any:
            if any("BOOM" in text for text, _ in items):
                raise RuntimeError("batch failed")
            return real.check_many(items)

        def check(self, text: str, fmt: str) -> Any:
            if "BOOM" in text:
                raise RuntimeError("this page")
            return real.check(text, fmt)

    monkeypatch.setattr(worker_mod, "get_engine", lambda spec: Flaky())
    part = partitions(
        [
            Page("u1", "Completely safe.", "text", "in", "a"),
            Page("u2", "BOOM", "text", "in", "a"),
            Page("u3", "No side effects.", "text", "in", "a"),
        ],
        10,
    )
    result = process_partition(next(part), worker_mod.EngineSpec(use_model=False))
    rows = result.pages.to_pylist()
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert rows[1]["error"] == "engine error: RuntimeError"
    assert result.findings.num_rows == 2 and result.n_failed == 1


def test_stopped_scan_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 47)
    scan(rules_config([src], tmp_path / "ref"))
    first = scan(rules_config([src], tmp_path / "out", max_partitions=2, report=True))
    assert not first.complete and first.written == 2 and first.report is None
    assert not (tmp_path / "out" / "report.html").exists()
    second = scan(rules_config([src], tmp_path / "out", report=True))
    assert second.complete and second.skipped == 2 and second.written == 3
    assert second.report is not None and second.report.is_file()
    assert tables(tmp_path / "out") == tables(tmp_path / "ref")
    again = scan(rules_config([src], tmp_path / "out"))
    assert again.written == 0 and again.skipped == 5
    assert tables(tmp_path / "out") == tables(tmp_path / "ref")


def test_torn_manifest_line_and_missing_files_are_redone(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 30)
    out = tmp_path / "out"
    scan(rules_config([src], out))
    reference = tables(out)
    (out / "pages" / "part-000001.parquet").unlink()  # partition 1 lost its pages file
    with (out / "manifest.jsonl").open("ab") as fh:
        fh.write(b'{"partition": 2, "finger')  # a kill in the middle of an append
    (out / "findings" / ".part-000002.parquet.x.tmp").write_bytes(b"half")
    summary = scan(rules_config([src], out))
    assert summary.written == 1 and summary.skipped == 2
    assert tables(out) == reference
    assert not list((out / "findings").glob(".*.tmp"))
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [e["partition"] for e in entries] == [0, 1, 2, 1]  # the torn line is gone


def test_a_different_scan_or_changed_input_is_refused(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 20)
    out = tmp_path / "out"
    scan(rules_config([src], out))
    with pytest.raises(ScanError, match="partition_size"):
        scan(rules_config([src], out, partition_size=5))
    write_jsonl(src, 25)  # the same file, other pages
    src.write_bytes(src.read_bytes().replace(b"clinic0", b"clinicX"))
    with pytest.raises(ScanError, match="inputs changed"):
        scan(rules_config([src], out))
    summary = scan(rules_config([src], out, overwrite=True))
    assert summary.written == 3 and summary.pages == 25
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    with pytest.raises(ScanError, match="not empty"):
        scan(rules_config([src], tmp_path / "other"))


def test_jsonl_results_hold_the_same_rows(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 15)
    scan(rules_config([src], tmp_path / "pq"))
    scan(rules_config([src], tmp_path / "js", results_format="jsonl"))
    assert sorted(p.name for p in (tmp_path / "js" / "pages").iterdir()) == [
        "part-000000.jsonl",
        "part-000001.jsonl",
    ]
    first = json.loads(
        (tmp_path / "js" / "pages" / "part-000000.jsonl").read_text().splitlines()[0]
    )
    assert list(first) == PAGES_SCHEMA.names
    assert tables(tmp_path / "js") == tables(tmp_path / "pq")


def test_report_is_self_contained_with_the_plots(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 40, extra=[b"{broken"])
    summary = scan(rules_config([src], tmp_path / "out", report=True))
    assert summary.report == tmp_path / "out" / "report.html"
    html = summary.report.read_text("utf-8")
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)"', html)
    assert [alt for alt, _ in images] == [
        "Distribution of risk scores",
        "Categories most often found",
        "Domains with most findings",
    ]
    for _, data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    assert "clinic0.example.com" in html and "invalid JSON" in html
    assert 'src="http' not in html and "<script" not in html  # nothing fetched from elsewhere
    stats = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert stats["pages"] == 41 and stats["failed"] == 1
    assert sum(stats["score_histogram"].values()) == 40
    assert sum(stats["findings_per_category"].values()) == stats["findings"]
    assert stats["top_domains"][0]["findings"] >= stats["top_domains"][-1]["findings"]


class _SlowExecutor:
    """Futures that finish only when waited on, one at a time: shows what is in flight."""

    dashboard = None
    workers = 2

    def __init__(self) -> None:
        self.queue: list[tuple[cf.Future[Any], Any]] = []
        self.max_pending = 0

    def submit(self, part: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        self.queue.append((fut, part))
        self.max_pending = max(self.max_pending, len(self.queue))
        return fut

    def wait_first(self, futures: Iterable[Any]) -> set[Any]:
        fut, part = self.queue.pop(0)
        fut.set_result(process_partition(part, worker_mod.EngineSpec(use_model=False)))
        return {fut}

    def close(self) -> None:
        pass


def test_input_is_streamed_with_a_bounded_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    executor = _SlowExecutor()
    read = 0
    high_water = 0

    def pages(*args: Any) -> Iterator[Page]:
        nonlocal read, high_water
        for i in range(200):
            read += 1
            written = sum(1 for _ in (tmp_path / "out" / "pages").glob("part-*"))
            high_water = max(high_water, read - written * 10)
            yield Page(f"https://s.example/{i}", "Completely safe.", "text", "gen", "s.example")

    monkeypatch.setattr(runner_mod, "iter_pages", pages)
    monkeypatch.setattr(runner_mod, "make_executor", lambda *a: executor)
    summary = scan(
        rules_config([write_jsonl(tmp_path / "x.jsonl", 1)], tmp_path / "out", in_flight=3)
    )
    assert summary.pages == 200 and summary.partitions == 20
    assert executor.max_pending == 3
    # pages read but not yet written: at most the window plus the partition being cut
    assert high_water <= (3 + 1) * 10
    assert ResultStore.load(tmp_path / "out").done.keys() == set(range(20))


def test_warc_scan_end_to_end(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl.warc.gz"
    write_warc(crawl, "<p>" + "word " * 1000 + "</p>")
    summary = scan(rules_config([crawl], tmp_path / "out", max_text_chars=2000, report=True))
    assert summary.complete and summary.pages == 5 and summary.failed == 2
    assert summary.records_skipped == {"non-HTML response": 1, "HTTP status not 2xx": 1}
    pages, findings = tables(tmp_path / "out")
    assert [(p["domain"], p["status"]) for p in pages] == [
        ("clinic-a.example", "ok"),
        ("clinic-b.example", "ok"),
        ("clinic-c.example", "ok"),
        ("clinic-c.example", "failed"),
        ("clinic-d.example", "failed"),
    ]
    jp = [f for f in findings if f["url"] == "https://clinic-b.example/jp"]
    assert [(f["text"], f["start"]) for f in jp] == [
        ("completely safe", SJIS_HTML.index("completely safe"))  # offsets into the decoded page
    ]
    assert pages[1]["chars"] == len(SJIS_HTML)
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "skipped record: non-HTML response" in html


def test_two_scans_cannot_write_one_folder(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 5)
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ScanError, match="another scan"):
            scan(rules_config([src], out))
    assert scan(rules_config([src], out)).pages == 5
