"""``bench.ab`` times two revisions in turn: it checks them out, runs each in its own
process and compares their findings.  No timing is asserted (see bench/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import ab


def _worktrees() -> list[str]:
    listing = ab._git("worktree", "list", "--porcelain")
    return [line for line in listing.splitlines() if line.startswith("worktree ")]


def test_a_revision_against_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _worktrees()
    args = ["--rounds", "2", "--repeats", "1", "--target-bytes", "20000", "--out", str(tmp_path)]
    code = ab.main(["HEAD", "HEAD", *args])
    assert code == 0
    result = json.loads((tmp_path / "ab.json").read_text())
    assert result["same_findings"] is True
    assert [len(runs) for runs in result["runs"].values()] == [2, 2]
    for best in result["best"].values():
        assert best["document_mb_s"] > 0 and best["ms_per_page"] > 0
        assert best["native"] is (ab._extension() is not None)
    out = capsys.readouterr().out
    assert out.count("round 1 ") == 2 and "pages: new / base" in out
    assert _worktrees() == before  # every checkout removed


def test_an_unknown_revision_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = ab.main(["no-such-revision", "--target-bytes", "20000", "--out", str(tmp_path)])
    assert code == 2
    assert "no-such-revision" in capsys.readouterr().err
    assert not (tmp_path / "ab.json").exists()


def test_bad_counts_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        ab.main(["HEAD", "--rounds", "0"])
    assert exc.value.code == 2
    assert "at least 1" in capsys.readouterr().err


def test_the_cli_of_a_revision_against_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _worktrees()
    code = ab.main(
        ["HEAD", "HEAD", "--cli", "--pages", "60", "--rounds", "1", "--out", str(tmp_path)]
    )
    assert code == 0
    result = json.loads((tmp_path / "ab_cli.json").read_text())
    assert result["same_output"] is True and result["pages"] == 60
    jobs = sorted({"1", str(result["cores"])})
    for side in ("base", "new"):
        assert sorted(result["best"][side]) == jobs
        for best in result["best"][side].values():
            assert best["wall_s"] > 0 and best["cpu_s"] > 0 and best["peak_rss_mb"] > 0
    out = capsys.readouterr().out
    assert "site: 60 pages" in out and "same output bytes" in out
    assert _worktrees() == before
