"""A scan killed with SIGKILL part-way, then started again, loses and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.scan import scan
from tests.conftest import ROOT
from tests.scan.conftest import rules_config, tables, write_jsonl

# Runs a real scan in a child process and SIGKILLs it from inside at an exact point:
# after its N-th atomic rename (scan.json is rename 1; each partition then renames its
# findings file, then its pages file, then appends its manifest line).
KILLER = textwrap.dedent(
    """
    import multiprocessing, os, signal, sys
    from pathlib import Path

    from app.scan import ScanConfig, scan

    real_replace, calls = os.replace, 0

    def replace(a, b):
        global calls
        real_replace(a, b)
        calls += 1
        if calls == int(kill_after):
            children = [p.pid for p in multiprocessing.active_children()]
            Path(pids).write_text(" ".join(map(str, children)))
            os.kill(os.getpid(), signal.SIGKILL)

    if __name__ == "__main__":
        src, out, kill_after, workers, pids = sys.argv[1:6]
        os.replace = replace
        scan(ScanConfig(inputs=(Path(src),), out=Path(out), workers=int(workers),
                        partition_size=7, use_model=False, report=False, progress=False))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize(
    ("kill_after", "workers"),
    [
        (8, 1),  # in this process: killed after partition 3's findings file, before its pages file
        (9, 2),  # local pool of 2: killed after a 4th partition's files, before its manifest line
    ],
)
def test_killed_scan_resumes_to_identical_results(
    tmp_path: Path, kill_after: int, workers: int
) -> None:
    src = write_jsonl(tmp_path / "pages.jsonl", 60)  # 9 partitions of 7 pages
    out = tmp_path / "out"
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    pids = tmp_path / "pids"
    log = tmp_path / "log"
    with log.open("wb") as fh:  # a file, not a pipe: orphans holding a pipe would hang the test
        proc = subprocess.run(
            [sys.executable, script, src, out, str(kill_after), str(workers), pids],
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    assert proc.returncode == -signal.SIGKILL, log.read_text()[-2000:]
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == 3  # three partitions finished before the kill
    assert len(list((out / "findings").glob("part-*"))) == 4  # and a fourth was half written

    # pool processes notice that their scan died and exit on their own
    children = [int(p) for p in pids.read_text().split()]
    assert len(children) == (workers if workers > 1 else 0)
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in children)

    resumed = scan(rules_config([src], out, partition_size=7))
    assert resumed.complete and resumed.skipped == 3 and resumed.written == 6
    scan(rules_config([src], tmp_path / "ref", partition_size=7))
    pages, findings = tables(out)
    assert [p["seq"] for p in pages] == list(range(60))  # none lost, none doubled
    assert len({(f["seq"], f["start"], f["id"]) for f in findings}) == len(findings)
    assert (pages, findings) == tables(tmp_path / "ref")
