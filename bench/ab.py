"""Two versions of the engine timed in turn: what a change did, on this noisy machine.

    .venv/bin/python -m bench.ab BASE [NEW] [--rounds 3] [--repeats 5]

``BASE`` and ``NEW`` are git revisions (``NEW``: the working tree, by default).
A revision is checked out in a temporary git worktree, with its C extension:
the working tree's when its ``_native.pyx`` is the same, else built there
(Cython, with ``setup.py``'s flags). Each version runs in a process of its own,
pinned to one CPU, its engine loaded as the shells load theirs (``settle``), on
the benchmark's corpus (``bench/corpus.py``, the same text for both): the ~1 MB
document and the ~5 KB pages one ``Engine.check`` at a time, the fastest of
``--repeats`` each (CPU time). The processes take turns (base, new, base, ...)
for ``--rounds`` rounds, so a drift in the machine's speed falls on both, and
each prints a digest of its findings, so a change that should find the same
things can be seen to.

Prints every round, then each version's best and the ratios new / base; the
JSON goes to ``bench/out/ab.json``. This is how the figures of bench/README.md
and the issue's notes that compare two commits are measured.

``--cli`` compares the CLI instead: ``redflag check --format json`` of each
version on ``bench_cli_site``'s generated site (``--pages``, 2,000 by default),
with one worker and with every core, the versions taking turns; each run's wall
time, CPU time (the process and its workers), peak resident size (its largest
process) and a digest of its output, so a change that should write the same bytes
can be seen to.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.corpus import build_corpus, write_corpus
from bench.report import OUT, ROOT, THREAD_VARS, machine, table, write_json

NATIVE = Path("app/engine/_native.pyx")
# what each version's process runs (its own ``app``, from its own tree): argv is the
# corpus directory, repeats, CPU
_CHILD = r"""
import gc, hashlib, json, os, sys, time
from pathlib import Path
corpus, repeats, cpu = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
os.sched_setaffinity(0, {cpu})
from app.engine.checker import Engine
text = (corpus / "corpus.txt").read_text("utf-8")
pages = json.loads((corpus / "pages.json").read_text("utf-8"))
engine = Engine(Path("model"))
try:
    from app.core.heap import settle
    settle()
except ImportError:
    gc.collect()
    gc.freeze()
digest = hashlib.sha256()
for page in pages:
    for f in engine.check(page).findings:
        digest.update(f"{f.id} {f.start} {f.end} {f.severity} {f.confidence:.6f};".encode())
engine.check(text)
clock = time.process_time
document = pages_s = float("inf")
for _ in range(repeats):
    t = clock()
    engine.check(text)
    document = min(document, clock() - t)
    t = clock()
    for page in pages:
        engine.check(page)
    pages_s = min(pages_s, clock() - t)
mb = len(text.encode("utf-8")) / 1e6
print(json.dumps({
    "document_mb_s": mb / document,
    "pages_mb_s": sum(len(p.encode("utf-8")) for p in pages) / 1e6 / pages_s,
    "ms_per_page": pages_s / len(pages) * 1e3,
    "findings": digest.hexdigest()[:16],
    "native": bool(getattr(engine, "native", False)),
}))
"""


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _extension() -> Path | None:
    """The working tree's built C extension, if there is one."""
    found = sorted((ROOT / "app" / "engine").glob("_native.*.so"))
    return found[0] if found else None


def _build(tree: Path) -> None:
    """The C extension of ``tree``: the working tree's when the source is the same, else
    compiled from the tree's own source in a scratch folder (not through setup.py, whose
    project metadata an older checkout's setuptools may refuse)."""
    source = tree / NATIVE
    if not source.exists():
        return
    built = _extension()
    if built is not None and filecmp.cmp(source, ROOT / NATIVE, shallow=False):
        shutil.copy2(built, tree / "app" / "engine" / built.name)
        return
    with tempfile.TemporaryDirectory(prefix="redflag-ab-build-") as scratch:
        shutil.copy2(source, Path(scratch) / source.name)
        env = {**os.environ, "CFLAGS": "-O2 -ffp-contract=off"}  # setup.py's flags
        subprocess.run(
            [sys.executable, "-m", "Cython.Build.Cythonize", "-3", "-i", source.name],
            cwd=scratch,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        (so,) = Path(scratch).glob("_native.*.so")
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        shutil.copy2(so, tree / "app" / "engine" / f"_native{suffix}")


@contextmanager
def _checked_out(revision: str | None) -> Iterator[tuple[str, Path]]:
    """(label, tree) of ``revision`` (None: the working tree itself)."""
    if revision is None:
        yield "working tree", ROOT
        return
    commit = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="redflag-ab-") as scratch:
        tree = Path(scratch) / "tree"
        _git("worktree", "add", "--detach", str(tree), commit)
        try:
            _build(tree)
            yield f"{revision} ({commit[:7]})", tree
        finally:
            _git("worktree", "remove", "--force", str(tree))


def _run(tree: Path, corpus: Path, repeats: int, cpu: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), **dict.fromkeys(THREAD_VARS, "1")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(corpus), str(repeats), str(cpu)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _run_cli(tree: Path, site: Path, jobs: int, out: Path) -> dict[str, Any]:
    """One ``redflag check`` of ``site`` by the version in ``tree``, as a CI job runs it."""
    command = [sys.executable, "-c", "import sys; from app.cli.main import main; sys.exit(main())"]
    command += ["check", str(site), "--no-config", "--no-progress", "--format", "json"]
    command += ["--output", str(out), "--fail-on", "never", "--jobs", str(jobs)]
    env = {k: v for k, v in os.environ.items() if k != "REDFLAG_USE_MODEL"}
    env["PYTHONPATH"] = str(tree)
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=tree, env=env, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)  # its usage, with its workers'
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read() if proc.stderr is not None else ""
    if status != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), command, "", stderr)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "output": hashlib.sha256(out.read_bytes()).hexdigest()[:16],
    }


def compare_cli(base: str, new: str | None, rounds: int, site: Path) -> dict[str, Any]:
    """Each version's CLI runs (one worker, then every core), alternating, and the ratios
    of their best wall times."""
    every = len(os.sched_getaffinity(0))
    with (
        _checked_out(base) as (base_label, base_tree),
        _checked_out(new) as (new_label, new_tree),
        tempfile.TemporaryDirectory(prefix="redflag-ab-out-") as scratch,
    ):
        labels = {"base": base_label, "new": new_label}
        runs: dict[str, dict[int, list[dict[str, Any]]]] = {"base": {}, "new": {}}
        for r in range(rounds):
            for side, tree in (("base", base_tree), ("new", new_tree)):
                for jobs in sorted({1, every}):
                    run = _run_cli(tree, site, jobs, Path(scratch) / f"{side}.json")
                    runs[side].setdefault(jobs, []).append(run)
                    print(
                        f"round {r + 1} {side} {labels[side]} -j {jobs}: {run['wall_s']:.2f} s "
                        f"({run['cpu_s']:.2f} s of CPU, peak {run['peak_rss_mb']:.0f} MB), "
                        f"output {run['output']}",
                        flush=True,
                    )
    best = {
        side: {
            str(jobs): {
                "wall_s": min(x["wall_s"] for x in xs),
                "cpu_s": min(x["cpu_s"] for x in xs),
                "peak_rss_mb": max(x["peak_rss_mb"] for x in xs),
                "outputs": sorted({x["output"] for x in xs}),
            }
            for jobs, xs in by_jobs.items()
        }
        for side, by_jobs in runs.items()
    }
    b, n = best["base"], best["new"]
    return {
        "base": base_label,
        "new": new_label,
        "rounds": rounds,
        "cores": every,
        "runs": runs,
        "best": best,
        "wall_ratios": {j: b[j]["wall_s"] / n[j]["wall_s"] for j in b},
        "same_output": all(
            len(b[j]["outputs"]) == 1 and b[j]["outputs"] == n[j]["outputs"] for j in b
        )
        and len({x["outputs"][0] for side in best.values() for x in side.values()}) == 1,
    }


def compare(
    base: str, new: str | None, rounds: int, repeats: int, cpu: int, corpus: Path
) -> dict[str, Any]:
    """Each version's runs, alternating, and the ratios of their best figures."""
    with (
        _checked_out(base) as (base_label, base_tree),
        _checked_out(new) as (
            new_label,
            new_tree,
        ),
    ):
        labels = {"base": base_label, "new": new_label}
        runs: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
        for r in range(rounds):
            for side, tree in (("base", base_tree), ("new", new_tree)):
                run = _run(tree, corpus, repeats, cpu)
                runs[side].append(run)
                print(
                    f"round {r + 1} {side} {labels[side]}: "
                    f"document {run['document_mb_s']:.3f} MB/s, "
                    f"pages {run['pages_mb_s']:.3f} MB/s ({run['ms_per_page']:.3f} ms a page), "
                    f"findings {run['findings']}",
                    flush=True,
                )
    best = {
        side: {
            "document_mb_s": max(x["document_mb_s"] for x in xs),
            "pages_mb_s": max(x["pages_mb_s"] for x in xs),
            "ms_per_page": min(x["ms_per_page"] for x in xs),
            "findings": sorted({x["findings"] for x in xs}),
            "native": all(x["native"] for x in xs),
        }
        for side, xs in runs.items()
    }
    b, n = best["base"], best["new"]
    return {
        "base": base_label,
        "new": new_label,
        "rounds": rounds,
        "repeats": repeats,
        "runs": runs,
        "best": best,
        "document_ratio": n["document_mb_s"] / b["document_mb_s"],
        "pages_ratio": n["pages_mb_s"] / b["pages_mb_s"],
        "same_findings": b["findings"] == n["findings"] and len(b["findings"]) == 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("base", help="a git revision")
    parser.add_argument("new", nargs="?", help="a git revision (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument(
        "--target-bytes", type=int, default=None, help="a smaller corpus (default: ~1 MB)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--cli", action="store_true", help="compare the CLI on bench_cli_site's site instead"
    )
    parser.add_argument("--pages", type=int, default=2000, help="the site's pages (with --cli)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.repeats < 1 or args.pages < 1:
        parser.error("--rounds, --repeats and --pages must be at least 1")
    if args.cli:
        return _main_cli(args)
    corpus = build_corpus() if args.target_bytes is None else build_corpus(args.target_bytes)
    with tempfile.TemporaryDirectory(prefix="redflag-ab-corpus-") as scratch:
        write_corpus(corpus, Path(scratch))
        try:
            result = compare(
                args.base, args.new, args.rounds, args.repeats, args.cpu, Path(scratch)
            )
        except subprocess.CalledProcessError as exc:
            print(
                f"bench.ab: {' '.join(map(str, exc.cmd))[:200]} failed:\n{exc.stderr}",
                file=sys.stderr,
            )
            return 2
    b, n = result["best"]["base"], result["best"]["new"]
    print(
        table(
            f"{result['new']} against {result['base']}: best of {args.rounds} alternating "
            f"processes, each the fastest of {args.repeats}",
            [
                (
                    "document MB/s, base / new",
                    f"{b['document_mb_s']:.3f} / {n['document_mb_s']:.3f}",
                    "",
                    None,
                ),
                (
                    "pages ms a page, base / new",
                    f"{b['ms_per_page']:.3f} / {n['ms_per_page']:.3f}",
                    "",
                    None,
                ),
                ("document: new / base", f"{result['document_ratio']:.3f}", "", None),
                ("pages: new / base", f"{result['pages_ratio']:.3f}", "", None),
                ("same findings on the pages", str(result["same_findings"]), "", None),
            ],
        )
    )
    result["machine"] = machine()
    print(f"results: {write_json(args.out, 'ab', result)}")
    return 0


def _main_cli(args: argparse.Namespace) -> int:
    from bench.bench_cli_site import build_site

    with tempfile.TemporaryDirectory(prefix="redflag-ab-site-") as scratch:
        site = Path(scratch) / "site"
        pages, nbytes = build_site(site, args.pages, 5000)
        print(f"site: {pages} pages, {nbytes / 1e6:.2f} MB of Markdown", flush=True)
        try:
            result = compare_cli(args.base, args.new, args.rounds, site)
        except subprocess.CalledProcessError as exc:
            print(
                f"bench.ab: {' '.join(map(str, exc.cmd))[:200]} failed:\n{exc.stderr}",
                file=sys.stderr,
            )
            return 2
    result["pages"], result["bytes"] = pages, nbytes
    rows: list[tuple[str, str, str, bool | None]] = []
    for jobs, ratio in result["wall_ratios"].items():
        b, n = result["best"]["base"][jobs], result["best"]["new"][jobs]
        rows.append(
            (f"-j {jobs}: wall s, base / new", f"{b['wall_s']:.2f} / {n['wall_s']:.2f}", "", None)
        )
        rows.append(
            (
                f"-j {jobs}: MB/s, base / new",
                f"{nbytes / 1e6 / b['wall_s']:.2f} / {nbytes / 1e6 / n['wall_s']:.2f}",
                "",
                None,
            )
        )
        rows.append(
            (
                f"-j {jobs}: peak RSS MB, base / new",
                f"{b['peak_rss_mb']:.0f} / {n['peak_rss_mb']:.0f}",
                "",
                None,
            )
        )
        rows.append((f"-j {jobs}: base / new wall", f"{ratio:.3f}", "", None))
    if len(result["wall_ratios"]) > 1:
        one, every = "1", str(result["cores"])
        for side in ("base", "new"):
            best = result["best"][side]
            speedup = best[one]["wall_s"] / best[every]["wall_s"]
            rows.append((f"{side}: speed-up, -j {every} / -j 1", f"{speedup:.2f}x", "", None))
    rows.append(("same output bytes", str(result["same_output"]), "", None))
    print(
        table(
            f"{result['new']} against {result['base']}: the CLI, best of {args.rounds} alternating runs",
            rows,
        )
    )
    result["machine"] = machine()
    print(f"results: {write_json(args.out, 'ab_cli', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
