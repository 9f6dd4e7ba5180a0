"""The Dockerfile lints clean and runs the README's serve command (there is no Docker engine here)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(
        Path(__import__("sys").executable).parent / "hadolint"
    )
    result = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_the_readme_commands() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/serve.sh" in readme
    assert re.search(r'CMD \["bash", "scripts/serve.sh"', dockerfile)
    assert "RUN bash scripts/bootstrap.sh" in dockerfile
    # everything the service loads at run time is copied into the image
    for path in ("app/", "model/", "requirements.lock", "pyproject.toml"):
        assert f"COPY {path}" in dockerfile or f" {path}" in dockerfile.split("RUN")[0]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme and "bash scripts/test.sh" in ci
