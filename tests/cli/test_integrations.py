"""The installed ``redflag`` entry point, the pre-commit hooks (for real) and the GitHub Action's script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.conftest import SITE, write_site

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDFLAG = str(BIN / "redflag")
RULES_ONLY = {**os.environ, "REDFLAG_USE_MODEL": "false", "NO_COLOR": "1"}


def _redflag(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REDFLAG, "check", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env or RULES_ONLY,
        timeout=300,
    )


def test_entry_point_sarif_and_stdin() -> None:
    run = _redflag("--format", "sarif", cwd=SITE)
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["runs"][0]["results"]
    run = _redflag("--no-config", "-", cwd=SITE, stdin="It is completely safe.\n")
    assert run.returncode == 1 and run.stdout.startswith("<stdin>\n")


def test_entry_point_usage_error() -> None:
    run = _redflag("--no-such-option", cwd=SITE)
    assert run.returncode == 2
    assert "unrecognized arguments: --no-such-option" in run.stderr
    assert run.stderr.startswith("usage: redflag")


def test_entry_point_in_parallel_with_the_model(tmp_path: Path) -> None:
    """A site big enough for the process pool, checked with the shipped model: -j 2 == -j 1."""
    para = "Our clinic offers stem cell injections for knees. Results vary and risks exist. " * 12
    write_site(
        tmp_path,
        {f"p{i:03d}.md": f"# Page {i}\n\n{para}\n\nIt is completely safe.\n" for i in range(40)},
    )
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("REDFLAG_USE_MODEL", None)
    one = _redflag("--no-config", "--format", "json", "-j", "1", cwd=tmp_path, env=env)
    two = _redflag("--no-config", "--format", "json", "-j", "2", cwd=tmp_path, env=env)
    assert one.returncode == two.returncode == 1, two.stderr
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    assert a == b
    assert a["versions"]["model"] != "none"
    assert a["summary"]["files"] == 40


def _git_repo(path: Path, files: dict[str, str]) -> Path:
    write_site(path, files)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=path, check=True)
    subprocess.run([*git, "add", "."], cwd=path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "site"], cwd=path, check=True)
    return path


@pytest.mark.timeout(900)
def test_pre_commit_hooks_for_real(tmp_path: Path) -> None:
    """``pre-commit try-repo`` runs both hooks of .pre-commit-hooks.yaml on a temporary repository.

    The ``redflag`` hook builds its own environment by installing this repository (the slow
    part, about two minutes); ``redflag-system`` uses the ``redflag`` on PATH.
    """
    repo = _git_repo(
        tmp_path / "site",
        {
            "docs/knee.md": "# Knee\n\nOur stem cell injections are completely safe.\n",
            "docs/ok.md": "Stem cell injections for knees are not FDA-approved.\n",
            "script.py": "print('completely safe')\n",
        },
    )
    # the hook's environment is half a gigabyte: in a folder removed right after the run
    with tempfile.TemporaryDirectory(prefix="redflag-pre-commit-") as home:
        env = {
            **os.environ,
            "PRE_COMMIT_HOME": home,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "NO_COLOR": "1",
        }
        run = subprocess.run(
            [str(BIN / "pre-commit"), "try-repo", str(ROOT), "--all-files", "--verbose"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=880,
        )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "redflag (health-content red flags)......" in out
    assert "redflag (health-content red flags, installed redflag)" in out
    assert out.count("- exit code: 1") == 2, out
    assert out.count("docs/knee.md") >= 2 and "script.py" not in out
    assert "2 files checked" in out


def _action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    return doc


def test_action_is_a_composite_that_installs_runs_and_uploads() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install redflag")
    assert (
        "pip install" in install["run"]
        and install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    )
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "always()" in upload["if"]
    last = steps[-1]
    assert "steps.check.outputs.exit-code" in last["if"] and 'exit "$CODE"' in last["run"]
    assert set(action["inputs"]) >= {"paths", "fail-on", "args", "sarif-file", "upload-sarif"}


def test_action_check_step_runs(tmp_path: Path) -> None:
    """Run the action's own check script with bash, as the runner would."""
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "check")
    write_site(tmp_path, {"docs/knee.md": "Our stem cell injections are completely safe.\n"})
    output = tmp_path / "github_output"
    env = {
        **RULES_ONLY,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(output),
        "INPUT_PATHS": "docs",
        "INPUT_FAIL_ON": "error",
        "INPUT_ARGS": "--no-config",
        "INPUT_SARIF_FILE": "out/redflag.sarif",
    }
    (tmp_path / "out").mkdir()
    run = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr  # the step itself never fails; the last one does
    assert run.stdout.startswith("::error file=docs/knee.md,line=1,")
    assert "exit-code=1" in output.read_text("utf-8")
    sarif = json.loads((tmp_path / "out" / "redflag.sarif").read_text("utf-8"))
    assert (
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uri"
        ]
        == "docs/knee.md"
    )
