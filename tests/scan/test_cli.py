"""``redflag scan``: arguments, exit codes and the printed summary."""

from __future__ import annotations

from pathlib import Path

import dask
import pytest

from app.cli.main import main
from tests.scan.conftest import tables, write_jsonl


def test_scan_command_writes_results_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 25, extra=[b"{broken"])
    argv = ["scan", str(src), "--out", str(tmp_path / "out"), "--rules-only", "--workers", "1"]
    assert main([*argv, "--partition-size", "10", "--max-partitions", "1", "--progress"]) == 0
    first = capsys.readouterr()
    assert "stopped early" in first.out
    assert "scan: " in first.err and "page" in first.err  # the tqdm bar
    assert main([*argv, "--partition-size", "10"]) == 0
    out = capsys.readouterr().out
    assert (
        "scan complete: 26 pages in 3 partitions (2 written now, 1 already done), 1 failed" in out
    )
    assert f"report: {tmp_path / 'out' / 'report.html'}" in out
    pages, _ = tables(tmp_path / "out")
    assert len(pages) == 26


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "no such file or folder"),
        (["pages.jsonl", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
        (["notes.csv"], "unknown input kind"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "pages.jsonl", 2)
    (tmp_path / "notes.csv").write_text("a,b")
    assert main(["scan", *args, "--out", "out", "--rules-only"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("redflag: ") and message in err
    assert "Traceback" not in err


def test_results_of_another_scan_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 5)
    base = ["scan", str(src), "--out", str(tmp_path / "out"), "--workers", "1", "--rules-only"]
    assert main([*base, "--partition-size", "3"]) == 0
    assert main(base) == 2  # another partition size: a different scan
    assert "partition_size" in capsys.readouterr().err


def test_unreachable_scheduler_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 2)
    argv = ["scan", str(src), "--out", str(tmp_path / "out"), "--engine", "dask"]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main([*argv, "--scheduler", "tcp://127.0.0.1:9", "--rules-only"]) == 2
    assert "redflag: " in capsys.readouterr().err


def test_bad_numbers_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", "x.jsonl", "--out", "o", "--partition-size", "0"])
    assert exc.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
