"""The dask engine on a real local Dask cluster (2 worker processes) against the local engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.cli.main import main
from app.scan import ScanConfig, scan
from app.scan.worker import engine_loads
from tests.conftest import MODEL_DIR
from tests.scan.conftest import rules_config, tables, write_jsonl


def test_dask_results_equal_the_local_engine_with_the_model(
    tmp_path: Path, dask_client: Any
) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 180, extra=[b"{broken"])
    common: dict[str, Any] = {
        "inputs": (src,),
        "partition_size": 20,
        "model_dir": MODEL_DIR,
        "progress": False,
    }
    # --engine local --workers 1 runs in this process (the pool is exercised in test_kill.py)
    local = scan(ScanConfig(out=tmp_path / "local", engine="local", workers=1, **common))
    dask = scan(ScanConfig(out=tmp_path / "dask", engine="dask", **common), client=dask_client)
    assert local.complete and dask.complete
    assert (dask.pages, dask.failed, dask.partitions) == (181, 1, 10)
    pages, findings = tables(tmp_path / "dask")
    assert (pages, findings) == tables(tmp_path / "local")
    assert [p["seq"] for p in pages] == list(range(181))
    (model_version,) = {p["model_version"] for p in pages}
    assert model_version not in (None, "none")  # the model ran, the same one everywhere
    assert len(findings) > 180
    # the engine was loaded once per worker process, not per partition
    loads = dask_client.run(engine_loads)
    assert len(loads) == 2
    for per_worker in loads.values():
        assert per_worker and set(per_worker.values()) == {1}
    assert (tmp_path / "dask" / "report.html").is_file()


def test_scan_started_locally_resumes_on_dask(tmp_path: Path, dask_client: Any) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 60)
    scan(rules_config([src], tmp_path / "ref"))
    first = scan(rules_config([src], tmp_path / "out", max_partitions=2))
    assert first.written == 2
    rest = scan(rules_config([src], tmp_path / "out", engine="dask"), client=dask_client)
    assert rest.complete and rest.skipped == 2 and rest.written == 4
    assert tables(tmp_path / "out") == tables(tmp_path / "ref")


def test_cli_connects_to_an_existing_scheduler(tmp_path: Path, dask_client: Any) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 30)
    address = dask_client.scheduler.address
    argv = ["scan", str(src), "--out", str(tmp_path / "out"), "--rules-only", "--no-report"]
    assert main([*argv, "--engine", "dask", "--scheduler", address, "--partition-size", "10"]) == 0
    scan(rules_config([src], tmp_path / "ref"))
    assert tables(tmp_path / "out") == tables(tmp_path / "ref")
