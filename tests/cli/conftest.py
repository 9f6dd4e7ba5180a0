"""Run ``redflag check`` in-process (``app.cli.main.main``), rules only unless a test says otherwise."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
GOLDEN = HERE / "golden"
SARIF_SCHEMA = HERE / "sarif-schema-2.1.0.json"


@dataclass
class CliRun:
    code: int
    out: str
    err: str


Cli = Callable[..., CliRun]


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Golden output must not change when the model is retrained: no model in these tests."""
    monkeypatch.setenv("REDFLAG_USE_MODEL", "false")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("REDFLAG_API_KEY", raising=False)


@pytest.fixture
def fresh_engine() -> None:
    """Reload the in-process engine, for tests that compare it with another process's engine
    (in a shared working tree the rule files may have changed since it was first loaded)."""
    from app.cli import runner

    runner.local_engine.cache_clear()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str, cwd: Path | None = None, stdin: str | bytes | None = None) -> CliRun:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        if stdin is not None:
            data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        try:
            code = main(["check", *args])
        except SystemExit as exc:  # argparse: unknown options and bad values
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliRun(int(code), captured.out, captured.err)

    return run


def write_site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root
