"""Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 usage or input error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli, write_site

CLEAN = "Stem cell treatments for knee pain are not FDA-approved, and they carry risks.\n"
ERROR = "Our stem cell injections are completely safe.\n"  # absolute-safety: error
WARNING = "Call now to book your stem cell consultation.\n"  # call-to-action: warning


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path, {"clean.md": CLEAN})


def test_clean_exits_0(cli: Cli, site: Path) -> None:
    run = cli("--no-config", cwd=site)
    assert run.code == 0, run.err
    assert "Passed: nothing at or above error" in run.out


def test_error_finding_exits_1(cli: Cli, site: Path) -> None:
    (site / "bad.md").write_text(ERROR, "utf-8")
    run = cli("--no-config", cwd=site)
    assert run.code == 1
    assert "bad.md" in run.out and "1:30" in run.out


@pytest.mark.parametrize(
    ("fail_on", "text", "code"),
    [
        ("error", WARNING, 0),
        ("warning", WARNING, 1),
        ("suggestion", WARNING, 1),
        ("never", ERROR, 0),
        ("error", ERROR, 1),
    ],
)
def test_fail_on(cli: Cli, site: Path, fail_on: str, text: str, code: int) -> None:
    (site / "page.md").write_text(text, "utf-8")
    run = cli("--no-config", "--fail-on", fail_on, cwd=site)
    assert run.code == code, run.out
    assert "page.md" in run.out  # reported either way


def test_min_severity_hides_and_does_not_fail(cli: Cli, site: Path) -> None:
    (site / "page.md").write_text(WARNING, "utf-8")
    run = cli("--no-config", "--fail-on", "warning", "--min-severity", "error", cwd=site)
    assert run.code == 0
    assert "page.md" not in run.out


def test_a_file_override_can_change_fail_on(cli: Cli, site: Path) -> None:
    write_site(
        site,
        {
            "drafts/wip.md": ERROR,
            ".redflag.toml": '[[overrides]]\nfiles = ["drafts/**"]\nfail-on = "never"\n',
        },
    )
    run = cli(cwd=site)
    assert run.code == 0 and "drafts/wip.md" in run.out
    (site / "live.md").write_text(ERROR, "utf-8")
    assert cli(cwd=site).code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--fail-on", "fatal"], "invalid choice: 'fatal'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["missing.md"], "missing.md: no such file or folder"),
        (["--jobs", "-1"], "--jobs must be 0"),
        (["--update-baseline"], "--update-baseline needs --baseline FILE"),
        (["--severity", "absolute-safety"], "expected ID=LEVEL"),
        (["--severity", "absolute-safety=fatal"], "expected ID=LEVEL"),
        (["--disable", "no-such-rule"], "unknown rule or category 'no-such-rule'"),
        (["--categories", "absolute-safety,miracles"], "unknown category 'miracles'"),
        (["--config", "nope.toml"], "nope.toml: no such configuration file"),
        (["--config", "x.toml", "--no-config"], "exclude each other"),
        (["--report", "pdf=x.pdf"], "expected FORMAT=FILE"),
        (["-", "-"], "standard input (-) can be named only once"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    cli: Cli, site: Path, args: list[str], message: str
) -> None:
    run = cli("--no-config", *args, cwd=site) if "--config" not in args else cli(*args, cwd=site)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


def test_not_utf8_exits_2(cli: Cli, site: Path) -> None:
    (site / "latin1.md").write_bytes("Caf\xe9 completely safe".encode("latin-1"))
    run = cli("--no-config", cwd=site)
    assert run.code == 2
    assert "latin1.md: not UTF-8 text (byte 0xe9 at offset 3)" in run.err


def test_unreadable_file_exits_2(cli: Cli, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = site / "clean.md"
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    run = cli("--no-config", "clean.md", cwd=site)
    assert run.code == 2
    assert "clean.md: cannot read: Permission denied" in run.err


def test_bad_model_exits_2_without_traceback(
    cli: Cli, site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REDFLAG_USE_MODEL", "true")
    monkeypatch.setenv("REDFLAG_MODEL_DIR", str(tmp_path / "no-model"))
    run = cli("--no-config", cwd=site)
    assert run.code == 2
    assert run.err.startswith("redflag: cannot load the engine:")


def test_no_files_is_a_warning_not_an_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text("print('completely safe')\n", "utf-8")
    run = cli("--no-config", cwd=tmp_path)
    assert run.code == 0
    assert "no files to check" in run.err
    assert "0 files checked" in run.out
