"""Baselines: record today's findings, then fail only on new ones (by rule, file and text).

Expected counts come from a plain run of the same files, so new rules do not break these tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.conftest import Cli, write_site

PAGE = "# Knee\n\nOur injections are completely safe.\n"


def _report(cli: Cli, cwd: Path, *args: str) -> dict[str, Any]:
    run = cli("--no-config", "--format", "json", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    doc: dict[str, Any] = json.loads(run.out)
    return doc


def _count(doc: dict[str, Any]) -> int:
    return int(doc["summary"]["findings"])


def test_record_then_fail_only_on_new(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"site/a.md": PAGE, "site/b.md": "Careful text.\n"})
    today = _report(cli, tmp_path, "site")
    assert _count(today) >= 1
    run = cli("--no-config", "--baseline", "base.json", "site", cwd=tmp_path)
    assert run.code == 0  # everything is in the baseline it just recorded
    assert f"recorded {_count(today)} findings in the baseline base.json" in run.err
    assert f"{_count(today)} already in the baseline" in run.out
    entries = json.loads((tmp_path / "base.json").read_text("utf-8"))["findings"]
    assert {e["file"] for e in entries} == {"site/a.md"}
    assert all("line" not in e for e in entries)
    assert any("completely safe" in e["text"] for e in entries)

    # the known finding moves down and its line is re-wrapped: still known
    moved = "# Knee\n\nIntro.\n\nMore intro.\n\nOur injections are completely\nsafe.\n"
    (tmp_path / "site/a.md").write_text(moved, "utf-8")
    run = cli("--no-config", "--baseline", "base.json", "site", cwd=tmp_path)
    assert run.code == 0, run.out

    # a new finding in another file fails, and only it is reported
    (tmp_path / "site/b.md").write_text("It is completely safe.\n", "utf-8")
    out = _report(cli, tmp_path, "--baseline", "base.json", "site")
    reported = {f["path"]: len(f["report"]["findings"]) for f in out["files"]}
    assert reported["site/a.md"] == 0 and reported["site/b.md"] >= 1
    assert out["summary"]["baselined"] == _count(today) and out["baseline"] == "base.json"
    assert cli("--no-config", "--baseline", "base.json", "site", cwd=tmp_path).code == 1


def test_counts_matter(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"a.md": PAGE})
    cli("--no-config", "--baseline", "b.json", cwd=tmp_path)
    (tmp_path / "a.md").write_text(PAGE + "\nOur injections are completely safe.\n", "utf-8")
    out = _report(cli, tmp_path, "--baseline", "b.json")
    new = out["files"][0]["report"]["findings"]
    assert new and all(x["line"] == 5 for x in new)  # the second copy is the new one
    assert cli("--no-config", "--baseline", "b.json", cwd=tmp_path).code == 1


def test_update_baseline_and_running_from_elsewhere(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"site/a.md": PAGE})
    cli("--no-config", "--baseline", "site/.redflag-baseline.json", "site", cwd=tmp_path)
    (tmp_path / "site/a.md").write_text(PAGE + "\nNo side effects.\n", "utf-8")
    # from inside the site, the baseline's paths (relative to the baseline file) still match
    site = tmp_path / "site"
    out = _report(cli, site, "--baseline", ".redflag-baseline.json")
    texts = [x["text"].lower() for x in out["files"][0]["report"]["findings"]]
    assert texts and all("completely safe" not in t for t in texts)
    assert any("side effects" in t for t in texts)
    everything = _count(_report(cli, site))
    run = cli("--no-config", "--baseline", ".redflag-baseline.json", "--update-baseline", cwd=site)
    assert run.code == 0 and f"recorded {everything} findings" in run.err
    run = cli("--no-config", "--baseline", "site/.redflag-baseline.json", "site", cwd=tmp_path)
    assert run.code == 0 and f"{everything} already in the baseline" in run.out


def test_document_findings_are_baselined_too(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path, {"a.md": "It is completely safe. It has no side effects. It is 100% safe.\n"}
    )
    first = _report(cli, tmp_path)
    assert first["files"][0]["report"]["document_findings"]
    cli("--no-config", "--baseline", "b.json", cwd=tmp_path)
    entries = json.loads((tmp_path / "b.json").read_text("utf-8"))["findings"]
    assert {"rule": "missing-risk-disclosure", "file": "a.md", "text": "", "count": 1} in entries
    out = _report(cli, tmp_path, "--fail-on", "warning", "--baseline", "b.json")
    assert out["files"][0]["report"]["document_findings"] == []
    assert out["summary"]["failing"] == 0


def test_bad_baseline_files_exit_2(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "a.md": PAGE,
            "b.json": "{not json",
            "c.json": '{"findings": 3}',
            "d.json": '{"schema_version": 9, "findings": []}',
            "e.json": '{"schema_version": 1, "findings": [{"rule": "x"}]}',
        },
    )
    for name, message in (
        ("b.json", "not a redflag baseline (not JSON"),
        ("c.json", "no 'findings' list"),
        ("d.json", "schema_version 9 is not 1"),
        ("e.json", "findings[0]: expected an object with rule, file, text and count"),
    ):
        run = cli("--no-config", "--baseline", name, "a.md", cwd=tmp_path)
        assert run.code == 2 and message in run.err, run.err
