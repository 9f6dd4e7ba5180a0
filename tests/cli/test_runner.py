"""Parallel checking: chunks, a process pool with one engine per worker, the progress bar."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.cli import runner
from app.engine import CheckOptions
from tests.cli.conftest import Cli, write_site

PAGES = {
    f"p{i:02d}.md": (
        f"# Page {i}\n\nOur injections are completely safe.\n\n"
        + "Careful writing about trials and their limits. " * (i % 5 + 1)
        + ("\n\nCall now to book.\n" if i % 3 == 0 else "\n")
    )
    for i in range(24)
}


@pytest.fixture
def pools_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``max_workers`` of each process pool the runner starts."""
    started: list[int] = []
    real = runner.ProcessPoolExecutor

    def spy(*args: object, **kw: object) -> runner.ProcessPoolExecutor:
        started.append(int(kw["max_workers"]))  # type: ignore[call-overload]
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "ProcessPoolExecutor", spy)
    return started


def test_chunks_keep_every_file_once_grouped_by_options() -> None:
    items = [(f"text {i} " * (i + 1), "markdown") for i in range(50)]
    option_of = [i % 2 for i in range(50)]
    opts = [CheckOptions(), CheckOptions(min_severity="error")]
    chunks = runner.make_chunks(items, option_of, opts, workers=2, max_files=7)
    seen = [i for c in chunks for i, _, _ in c.items]
    assert sorted(seen) == list(range(50))
    for c in chunks:
        assert len(c.items) <= 7
        assert {option_of[i] for i, _, _ in c.items} == {opts.index(c.options)}
        assert [i for i, _, _ in c.items] == sorted(i for i, _, _ in c.items)
    assert len(chunks) >= 8  # enough chunks to spread over the workers


@pytest.mark.usefixtures("fresh_engine")
def test_pool_gives_the_same_output_as_one_process(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    write_site(tmp_path, PAGES)
    serial = cli("--no-config", "--format", "json", "-j", "1", cwd=tmp_path)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "CHUNK_MIN_BYTES", 200)  # several chunks per worker
    parallel = cli("--no-config", "--format", "json", "-j", "2", cwd=tmp_path)
    assert pools_started == [2]
    assert parallel.code == serial.code == 1
    assert json.loads(parallel.out) == json.loads(serial.out)


def test_worker_that_cannot_load_the_engine_exits_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(tmp_path, PAGES)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setenv("REDFLAG_USE_MODEL", "true")
    monkeypatch.setenv("REDFLAG_MODEL_DIR", str(tmp_path / "nothing-here"))
    run = cli("--no-config", "-j", "2", cwd=tmp_path)
    assert run.code == 2
    assert "cannot load the engine" in run.err and "Traceback" not in run.err


def test_progress_bar_only_on_a_terminal(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(tmp_path, PAGES)
    assert "file/s" not in cli("--no-config", cwd=tmp_path).err  # not a terminal
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert "/24 [" in cli("--no-config", cwd=tmp_path).err
    assert cli("--no-config", "--no-progress", cwd=tmp_path).err == ""
    (tmp_path / "few").mkdir()
    write_site(tmp_path / "few", {"a.md": "x", "b.md": "y"})
    assert cli("--no-config", "few", cwd=tmp_path).err == ""  # only a few files


def test_cpu_count_is_what_this_process_may_use() -> None:
    assert runner.cpu_count() == len(os.sched_getaffinity(0))


def test_a_file_that_cannot_be_read_stops_the_started_workers(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    import multiprocessing

    write_site(tmp_path, PAGES)
    (tmp_path / "zz.md").write_bytes(b"\xff\xfe not UTF-8")
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    run = cli("--no-config", "-j", "2", cwd=tmp_path)
    assert pools_started == [2]  # the workers were started before the files were read
    assert run.code == 2 and "zz.md: not UTF-8 text" in run.err and "Traceback" not in run.err
    assert multiprocessing.active_children() == []  # and are gone


def test_no_more_workers_than_files(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    write_site(tmp_path, {name: PAGES[name] for name in list(PAGES)[:3]})
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    run = cli("--no-config", "--format", "json", "-j", "8", cwd=tmp_path)
    assert run.code == 1, run.err
    assert pools_started == [3]
    assert len(json.loads(run.out)["files"]) == 3
