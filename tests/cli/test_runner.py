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


def test_an_engine_that_cannot_load_exits_2_before_any_worker_starts(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    write_site(tmp_path, PAGES)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setenv("REDFLAG_USE_MODEL", "true")
    monkeypatch.setenv("REDFLAG_MODEL_DIR", str(tmp_path / "nothing-here"))
    run = cli("--no-config", "-j", "2", cwd=tmp_path)
    assert run.code == 2
    assert "cannot load the engine" in run.err and "Traceback" not in run.err
    assert pools_started == []


def _engine_id(_: object) -> int:
    return id(runner._WORKER_ENGINE)


def test_forked_workers_check_with_the_engine_this_process_loaded() -> None:
    model_dir = Path("model")
    with runner.start_workers([400_000] * 4, 2, model_dir=model_dir, use_model=False) as pool:
        assert pool is not None
        ids = set(pool.map(_engine_id, range(8)))
    # a forked child holds its parent's objects at the same addresses
    assert ids == {id(runner.local_engine(model_dir, False))}


def test_a_worker_not_forked_with_an_engine_loads_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "_WORKER_ENGINE", None)
    runner.local_engine.cache_clear()  # as in a spawned worker: nothing loaded yet
    try:
        runner._init_worker(Path("model"), False)
        assert runner._WORKER_ENGINE is not None
        assert runner._WORKER_ENGINE is runner.local_engine(Path("model"), False)
    finally:
        runner.local_engine.cache_clear()


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


def test_a_file_that_cannot_be_read_stops_the_run_before_any_worker_starts(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    write_site(tmp_path, PAGES)
    (tmp_path / "zz.md").write_bytes(b"\xff\xfe not UTF-8")
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    run = cli("--no-config", "-j", "2", cwd=tmp_path)
    assert run.code == 2 and "zz.md: not UTF-8 text" in run.err and "Traceback" not in run.err
    assert pools_started == []  # the files are read before the engine loads


def test_a_crash_in_a_worker_names_its_files_and_stops_the_workers(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
) -> None:
    import multiprocessing

    from app.engine.checker import Engine

    def crash(self: Engine, *args: object, **kw: object) -> None:
        raise MemoryError("out of memory")

    write_site(tmp_path, PAGES)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "CHUNK_MIN_BYTES", 200)  # several chunks per worker
    monkeypatch.setattr(Engine, "check_many", crash)  # forked workers inherit it
    run = cli("--no-config", "-j", "2", cwd=tmp_path)
    assert pools_started == [2]
    assert run.code == 2 and "Traceback" not in run.err
    assert "the check failed on p" in run.err and "MemoryError: out of memory" in run.err
    assert multiprocessing.active_children() == []  # the workers are gone


@pytest.mark.parametrize(
    ("sizes", "jobs", "workers"),
    [
        ([100_000] * 3, 8, 3),  # no more workers than files
        ([1_000] * 300, 64, 19),  # nor than the chunks the text makes (16 kB at least each)
        ([400_000] * 10, 2, 2),
        ([1_000] * 10, 8, None),  # too little text: one process
    ],
)
def test_workers_started_for_files_of_these_sizes(
    sizes: list[int], jobs: int, workers: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, object]] = []

    class Pool:
        def __init__(self, **kw: object) -> None:
            made.append(kw)
            self.submitted = 0

        def submit(self, fn: object) -> None:
            self.submitted += 1

        def shutdown(self, wait: bool, cancel_futures: bool) -> None:
            made.append({"shut down": wait and cancel_futures})

    monkeypatch.setattr(runner, "ProcessPoolExecutor", Pool)
    with runner.start_workers(sizes, jobs, model_dir=Path("model"), use_model=False) as pool:
        if workers is None:
            assert pool is None and made == []
            return
        assert made[0]["max_workers"] == workers and pool.submitted == workers  # type: ignore[union-attr]
    assert made[-1] == {"shut down": True}
