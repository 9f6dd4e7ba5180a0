"""``redflag serve``: its options, and workers restarted after ``--max-requests``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server import ROOT, running_server


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-requests", "-1"], "--max-requests must be 0 (never) or more"),
        (["--max-requests", "50"], "--max-requests needs --workers 2 or more"),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "serve", "--port", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.server
def test_workers_restart_after_max_requests(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_server(workers=2, args=["--max-requests", "20"], log_path=log) as base:
        statuses = [
            # a new connection each: a restarting worker's queued connections go to the other
            httpx.post(
                base + "/check", json={"text": f"Stem cells cure knee {k}."}, timeout=60
            ).status_code
            for k in range(120)
        ]
    assert statuses == [200] * 120
    ready = [
        line
        for line in log.read_text("utf-8").splitlines()
        if line.startswith("{") and json.loads(line).get("event") == "ready"
    ]
    assert len(ready) >= 4  # the two first workers, and those that took their place
