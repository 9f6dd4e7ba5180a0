"""``redflag check``'s arguments (``app/cli/check_args.py``), and what building the command
line loads: ``redflag serve``'s supervisor parses its arguments with the same parser."""

from __future__ import annotations

import json
import subprocess
import sys

from app.cli.check_args import FAIL_ON, INPUT_FORMATS, OUTPUT_FORMATS
from app.cli.main import build_parser
from app.engine import FORMATS, SEVERITIES

# what a process has imported after it parsed a command line, and after `redflag serve`
# got as far as starting uvicorn (stubbed out: nothing is served)
_PROBE = """
import json, sys
import uvicorn
started = []
uvicorn.run = lambda *a, **k: started.append(k.get("workers"))
from app.cli.main import main
code = main(sys.argv[1:])
heavy = ("app.engine.checker", "app.engine.rules.loader", "re2", "blingfire", "fastapi")
print(json.dumps({"code": code, "started": started, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def _probe(*args: str) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    answer: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return answer


def test_the_choices_are_the_engines() -> None:
    assert tuple(sorted(FORMATS)) == INPUT_FORMATS
    assert (*SEVERITIES, "never") == FAIL_ON
    args = build_parser().parse_args(["check", "--format-in", "html", "-f", "sarif", "docs"])
    assert (args.format_in, args.format, args.paths) == ("html", "sarif", ["docs"])
    assert "rdjson" in OUTPUT_FORMATS


def test_serve_starts_its_workers_without_loading_the_engine_or_fastapi() -> None:
    answer = _probe("serve", "--workers", "2", "--port", "0")
    assert answer == {"code": 0, "started": [2], "loaded": []}


def test_check_still_runs_the_checker() -> None:
    answer = _probe("check", "--no-config", "--format", "json", "-j", "1", "README.md")
    assert answer["code"] in (0, 1)
    assert "app.engine.checker" in answer["loaded"]  # type: ignore[operator]
