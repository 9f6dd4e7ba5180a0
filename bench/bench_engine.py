"""The engine's speed on one core, its linearity, proselint on the same text, and macro-F1.

    .venv/bin/python -m bench.bench_engine            # the full run (a few minutes)
    .venv/bin/python -m bench.bench_engine --smoke    # 50 KB, no proselint, no CV: proves it runs

What it measures, all in one run, pinned to one CPU (``os.sched_setaffinity``;
BLAS and OpenMP limited to one thread), with the engine loaded as the CLI and
the service load theirs (its objects frozen out of the garbage collector's
scans, ``app/core/heap.py``):

1. the whole pipeline (``Engine.check``, model on, format ``text``) on the
   corpus of ``bench/corpus.py`` as one document of about 1 MB;
2. the same text as pages of about 5 KB, one ``Engine.check`` call each;
3. linearity: MB/s of (1) over MB/s of (2), target within 25%;
4. proselint (installed by this script into a throwaway venv under
   ``bench/out/``, never the project's) on the same document and pages, timing
   only its checking (``bench/proselint_runner.py``, a process of its own
   answering each run with its own clocks), its runs taken in turn with
   redflag's (redflag's document, pages, proselint's document, pages, and
   again), so a drift in the machine's speed falls on both; the ratio redflag
   over proselint, like with like, target at least 10;
5. macro-F1: the cross-validated figure of the model in ``model/``, read from
   its ``metadata.json`` (``cv.engine.macro_f1``, computed when it was
   trained), and a fresh group 5-fold cross-validation of the current code and
   data with that model's parameters (``app.training.train.train`` with one
   grid point, written to ``bench/out/cv-model/``; the shipped ``model/`` is
   not touched);
6. with ``--profile``, a cProfile of ``Engine.check`` on the 1 MB document.

Each timing is repeated; the fastest repeat counts. Both clocks are recorded:
CPU time of the process (``process_time``, the figure the ratios use, because
the machine is shared and wall time also counts other people's work) and wall
time. No absolute figure is asserted anywhere; the summary table marks each
target PASS or MISS for this run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import PAGE_BYTES, TARGET_BYTES, build_corpus, write_corpus
from bench.report import (
    OUT,
    ROOT,
    THREAD_VARS,
    Measured,
    Timing,
    alternately,
    local,
    machine,
    table,
    write_json,
)

PROSELINT_VERSION = "0.16.0"
RUNNER = Path(__file__).resolve().parent / "proselint_runner.py"
SMOKE_BYTES = 50_000
TARGET_MB_S = 2.0
TARGET_LINEARITY = 0.25
TARGET_VS_PROSELINT = 10.0
# pages a check_many call in the batch figure (the CLI cuts a site into chunks of a few
# hundred kilobytes, and a service worker checks together the requests it reads at once)
PAGES_A_BATCH = 48


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.bench_engine", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--smoke", action="store_true", help="50 KB, one repeat, no proselint, no CV")
    p.add_argument("--target-bytes", type=int, default=None, help=f"default {TARGET_BYTES}")
    p.add_argument("--page-bytes", type=int, default=PAGE_BYTES)
    p.add_argument("--repeats", type=int, default=None, help="default 3 (smoke: 1)")
    p.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last)")
    p.add_argument("--no-proselint", action="store_true")
    p.add_argument(
        "--f1",
        choices=("fresh", "metadata"),
        default=None,
        help="fresh: also cross-validate now (default; smoke: metadata only)",
    )
    p.add_argument("--profile", action="store_true", help="cProfile Engine.check on the corpus")
    p.add_argument("--model-dir", type=Path, default=ROOT / "model")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    if args.smoke:
        args.target_bytes = args.target_bytes or SMOKE_BYTES
        args.repeats = args.repeats or 1
        args.no_proselint = True
        args.f1 = args.f1 or "metadata"
    args.target_bytes = args.target_bytes or TARGET_BYTES
    args.repeats = args.repeats or 3
    args.f1 = args.f1 or "fresh"
    return args


# -- proselint, in its own venv ---------------------------------------------------------


def proselint_python(out_dir: Path, version: str = PROSELINT_VERSION) -> Path:
    """The interpreter of a throwaway venv holding proselint ``version``; made on first use."""
    venv = out_dir / "proselint-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} for proselint {version} (not the project's venv)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "from proselint.version import __version__; print(__version__)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or probe.stdout.strip() != version:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"proselint=={version}",
            ],
            check=True,
        )
    return python


class Proselint:
    """proselint in its own venv and process (``bench/proselint_runner.py``), pinned
    to ``cpu``, linting the corpus or its pages when asked; each run reports its own
    clocks.  It waits on a pipe between runs, so it never competes for the CPU."""

    def __init__(self, out_dir: Path, corpus_txt: Path, pages_json: Path, cpu: int) -> None:
        python = proselint_python(out_dir)
        self.proc = subprocess.Popen(
            [str(python), str(RUNNER), str(corpus_txt), str(pages_json), "--cpu", str(cpu)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.about: dict[str, Any] = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"proselint_runner.py exited ({self.proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"proselint_runner.py: {answer['error']}")
        return answer

    def run(self, what: str) -> Measured:
        """Lint ``doc`` or ``pages`` once: (wall seconds, CPU seconds, results)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        answer = self._answer()
        return answer["wall_s"], answer["cpu_s"], answer["results"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def proselint_figures(pl: Proselint, doc_t: Timing, pages_t: Timing, n_doc: int) -> dict[str, Any]:
    about = pl.about
    return {
        "version": about["version"],
        "python": about["python"],
        "checks": about["checks"],
        "doc": {**doc_t.to_dict(about["doc_bytes"]), "results": n_doc},
        "pages": {**pages_t.to_dict(about["page_bytes"]), "count": about["pages"]},
    }


# -- macro-F1 ---------------------------------------------------------------------------


def f1_figures(model_dir: Path, out_dir: Path, fresh: bool) -> dict[str, Any]:
    meta = json.loads((model_dir / "metadata.json").read_text("utf-8"))
    cv = meta.get("cv", {})
    figures: dict[str, Any] = {
        "metadata": {
            "label": "the model in model/: metadata.json cv.engine.macro_f1 (from its training)",
            "scheme": cv.get("scheme"),
            "macro_f1": cv.get("engine", {}).get("macro_f1"),
            "model_only_macro_f1": cv.get("model_only", {}).get("macro_f1"),
            "items": meta.get("training_data", {}).get("items"),
            "training_data_sha256": meta.get("training_data", {}).get("sha256"),
            "model_version": meta.get("version"),
        }
    }
    if fresh:
        from app.training.data import data_hash
        from app.training.train import train

        t0 = time.perf_counter()
        fresh_meta = train(
            ROOT / "training_data",
            out_dir / "cv-model",
            seed=int(meta.get("seed", 0)),
            grid=[dict(meta["params"])],
            progress=lambda msg: print(f"  [cv] {msg}", flush=True),
        )
        fcv = fresh_meta["cv"]
        figures["fresh"] = {
            "label": "fresh group 5-fold CV now: current code and data, shipped params",
            "scheme": fcv["scheme"],
            "macro_f1": fcv["engine"]["macro_f1"],
            "model_only_macro_f1": fcv["model_only"]["macro_f1"],
            "rules_only_macro_f1": fcv["rules_only"]["macro_f1"],
            "per_label_f1": {c: v["f1"] for c, v in fcv["engine"]["per_label"].items()},
            "caution_fpr": fcv["engine"]["caution_fpr"],
            "items": fresh_meta["training_data"]["items"],
            "training_data_sha256": data_hash(ROOT / "training_data"),
            "seconds": round(time.perf_counter() - t0, 1),
        }
    return figures


# -- profile ----------------------------------------------------------------------------


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    for prefix in (str(ROOT) + "/", *[p + "/" for p in sys.path if "site-packages" in p]):
        if filename.startswith(prefix):
            filename = filename[len(prefix) :]
            break
    return f"{filename}:{line}({func})" if line else func


def profile_check(engine: Any, text: str, out_dir: Path, top: int = 15) -> dict[str, Any]:
    prof = cProfile.Profile()
    prof.enable()
    engine.check(text, "text")
    prof.disable()
    stats = pstats.Stats(prof)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = max(getattr(stats, "total_tt", 0.0), 1e-9)
    rows = [
        {
            "function": _where(key),
            "calls": nc,
            "tottime_s": round(tt, 4),
            "cumtime_s": round(ct, 4),
            "tottime_pct": round(100 * tt / total, 1),
            "cumtime_pct": round(100 * ct / total, 1),
        }
        for key, (_cc, nc, tt, ct, _callers) in raw.items()
    ]
    by_cum = sorted(rows, key=lambda r: -float(r["cumtime_s"]))[:top]
    by_tot = sorted(rows, key=lambda r: -float(r["tottime_s"]))[:top]
    buf = io.StringIO()
    for order in ("cumulative", "tottime"):
        pstats.Stats(prof, stream=buf).sort_stats(order).print_stats(top)
    (out_dir / "engine_profile.txt").write_text(buf.getvalue(), "utf-8")
    prof.dump_stats(str(out_dir / "engine_profile.pstats"))
    return {"total_s": round(total, 3), "by_cumulative": by_cum, "by_tottime": by_tot}


def format_profile(prof: dict[str, Any]) -> str:
    out = []
    for key, title in (("by_cumulative", "cumulative"), ("by_tottime", "total (own) time")):
        out.append(f"top {len(prof[key])} by {title} (profiled run: {prof['total_s']} s)")
        out.append(f"  {'calls':>8} {'own s':>7} {'own %':>6} {'cum s':>7} {'cum %':>6}  function")
        for r in prof[key]:
            out.append(
                f"  {r['calls']:>8} {r['tottime_s']:>7.3f} {r['tottime_pct']:>6.1f}"
                f" {r['cumtime_s']:>7.3f} {r['cumtime_pct']:>6.1f}  {r['function']}"
            )
    return "\n".join(out)


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for var in THREAD_VARS:  # before numpy is imported (by the engine)
        os.environ.setdefault(var, "1")
    all_cpus = os.sched_getaffinity(0)
    cpu = args.cpu if args.cpu is not None else max(all_cpus)
    os.sched_setaffinity(0, {cpu})

    from app.core.heap import settle
    from app.engine import Engine

    corpus = build_corpus(args.target_bytes, args.page_bytes)
    corpus_dir = args.out / ("corpus_smoke" if args.smoke else "corpus")
    corpus_txt, pages_json = write_corpus(corpus, corpus_dir)
    text, pages = corpus.text, corpus.pages
    nbytes = corpus.nbytes
    page_bytes = sum(corpus.page_sizes())

    t0 = time.perf_counter()
    engine = Engine(model_dir=args.model_dir)
    load_s = time.perf_counter() - t0
    settle()  # as the CLI and the service do once their engine is loaded (app/core/heap.py)
    engine.check(pages[0], "text")  # warm-up (first-call costs are not per-megabyte costs)

    print(
        f"corpus: {nbytes} bytes, {len(pages)} pages (sha256 {corpus.sha256[:16]}); "
        f"pinned to CPU {cpu}; {args.repeats} repeat(s), fastest counts",
        flush=True,
    )
    # the document and the pages in turn, and proselint's runs between them, so the
    # machine's drift falls on all alike (the document's first pass is still the
    # first time the engine reads this text)
    batches = [
        [(p, "text") for p in pages[i : i + PAGES_A_BATCH]]
        for i in range(0, len(pages), PAGES_A_BATCH)
    ]
    steps = [
        local(lambda: engine.check(text, "text")),
        local(lambda: [engine.check(p, "text") for p in pages]),
    ]
    proselint = None
    if not args.no_proselint:
        print(f"proselint {PROSELINT_VERSION}, in turn with redflag (its own venv) ...", flush=True)
        proselint = Proselint(args.out, corpus_txt, pages_json, cpu)
        steps += [lambda: proselint.run("doc"), lambda: proselint.run("pages")]
    steps.append(local(lambda: [r for batch in batches for r in engine.check_many(batch)]))
    try:
        timings = alternately(steps, args.repeats)
    finally:
        if proselint is not None:
            proselint.close()
    (doc_t, doc_report), (pages_t, page_reports) = timings[:2]
    batches_t, batch_reports = timings[-1]
    doc_mb = doc_t.mb_s(nbytes)
    pages_mb = pages_t.mb_s(page_bytes)
    linearity = doc_mb / pages_mb
    result: dict[str, Any] = {
        "benchmark": "engine",
        "smoke": args.smoke,
        "machine": machine(),
        "cpu_pinned": cpu,
        "clock": "cpu (process_time); wall recorded beside it",
        "corpus": {
            "bytes": nbytes,
            "pages": len(pages),
            "page_bytes_min": min(corpus.page_sizes()),
            "page_bytes_max": max(corpus.page_sizes()),
            "sha256": corpus.sha256,
            "files": [str(corpus_txt), str(pages_json)],
        },
        "engine_load_s": round(load_s, 3),
        "model_version": engine.versions["model"],
        "doc": {
            **doc_t.to_dict(nbytes),
            "findings": len(doc_report.findings),
            "sentences": doc_report.stats.get("sentences"),
            # the first repeat reads text the engine has not seen: RE2 builds its
            # automata's states for it, as the service does for every new page
            "mb_s_cpu_first_pass": round(nbytes / 1e6 / doc_t.cpu[0], 4),
        },
        "pages": {
            **pages_t.to_dict(page_bytes),
            "count": len(pages),
            "findings": sum(len(r.findings) for r in page_reports),
            "ms_per_page_cpu": round(1000 * min(pages_t.cpu) / len(pages), 3),
        },
        # not a target: what the CLI's chunks and the service's coalesced requests get
        "pages_in_batches": {
            **batches_t.to_dict(page_bytes),
            "pages_a_batch": PAGES_A_BATCH,
            "same_findings_as_pages": [r.to_dict() for r in batch_reports]
            == [r.to_dict() for r in page_reports],
            "ms_per_page_cpu": round(1000 * min(batches_t.cpu) / len(pages), 3),
        },
        "linearity": {
            "ratio_doc_over_pages": round(linearity, 4),
            "target": f"within {TARGET_LINEARITY:.0%}",
            "ok": abs(linearity - 1) <= TARGET_LINEARITY,
        },
        "target_mb_s": {"target": TARGET_MB_S, "ok": doc_mb >= TARGET_MB_S},
        "unseen_pages": unseen_pages(args.model_dir, pages),
    }

    if proselint is not None:
        (pl_doc_t, pl_doc_n), (pl_pages_t, _) = timings[2:4]
        pl = proselint_figures(proselint, pl_doc_t, pl_pages_t, pl_doc_n)
        ratio_doc = doc_mb / pl["doc"]["mb_s_cpu"]
        ratio_pages = pages_mb / pl["pages"]["mb_s_cpu"]
        result["proselint"] = pl
        result["vs_proselint"] = {
            "ratio_doc": round(ratio_doc, 2),
            "ratio_pages": round(ratio_pages, 2),
            "ratio": round(min(ratio_doc, ratio_pages), 2),
            "target": TARGET_VS_PROSELINT,
            "ok": min(ratio_doc, ratio_pages) >= TARGET_VS_PROSELINT,
        }

    if args.profile:
        result["profile"] = profile_check(engine, text, args.out)

    os.sched_setaffinity(0, all_cpus)  # cross-validation may use every core
    if args.f1 == "fresh":
        print("macro-F1: fresh group 5-fold cross-validation (a few minutes) ...", flush=True)
    result["macro_f1"] = f1_figures(args.model_dir, args.out, fresh=args.f1 == "fresh")
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    path = write_json(args.out, "bench_engine_smoke" if args.smoke else "bench_engine", result)
    if "profile" in result:
        print(format_profile(result["profile"]))
    print(summary(result))
    print(f"results: {path}")
    missed = not result["linearity"]["ok"] or not result["target_mb_s"]["ok"]
    missed = missed or not result.get("vs_proselint", {}).get("ok", True)
    return 1 if (args.strict and missed) else 0


def unseen_pages(model_dir: Path, pages: list[str]) -> dict[str, float]:
    """CPU ms a page for pages a fresh engine has not seen (every other page, after it
    read the others) and for the same pages checked again: what RE2's lazily built
    automata cost a service that reads new text, which the repeats above hide."""
    from app.engine import Engine
    from app.engine.context import load_context_cues

    load_context_cues.cache_clear()  # the cues' RE2 patterns too, not the warm ones
    engine = Engine(model_dir=model_dir)
    seen, unseen = pages[::2], pages[1::2]
    for page in seen:
        engine.check(page, "text")
    out: dict[str, float] = {}
    for name in ("ms_per_page_unseen", "ms_per_page_again"):
        c0 = time.process_time()
        for page in unseen:
            engine.check(page, "text")
        out[name] = round(1000 * (time.process_time() - c0) / max(len(unseen), 1), 3)
    out["ratio"] = round(out["ms_per_page_unseen"] / out["ms_per_page_again"], 3)
    return out


def summary(r: dict[str, Any]) -> str:
    doc, pages = r["doc"], r["pages"]
    kb = r["corpus"]["bytes"] / 1000
    rows: list[tuple[str, str, str, bool | None]] = [
        (
            f"engine MB/s, {kb:.0f} KB as one document",
            f"{doc['mb_s_cpu']:.3f} (wall {doc['mb_s_wall']:.3f})",
            f">= {TARGET_MB_S}",
            r["target_mb_s"]["ok"],
        ),
        (
            "engine MB/s, the document's first pass (text not seen before)",
            f"{doc['mb_s_cpu_first_pass']:.3f}",
            "",
            None,
        ),
        (
            f"engine MB/s, {pages['count']} pages of ~5 KB",
            f"{pages['mb_s_cpu']:.3f} (wall {pages['mb_s_wall']:.3f}); "
            f"{pages['ms_per_page_cpu']:.2f} ms/page",
            "",
            None,
        ),
        (
            f"engine MB/s, the pages in batches of up to {r['pages_in_batches']['pages_a_batch']} "
            "(check_many)",
            f"{r['pages_in_batches']['mb_s_cpu']:.3f}; "
            f"{r['pages_in_batches']['ms_per_page_cpu']:.2f} ms/page; same findings: "
            f"{r['pages_in_batches']['same_findings_as_pages']}",
            "",
            None,
        ),
        (
            "pages not seen before / the same pages again, ms/page",
            f"{r['unseen_pages']['ms_per_page_unseen']:.2f} / "
            f"{r['unseen_pages']['ms_per_page_again']:.2f} "
            f"({r['unseen_pages']['ratio']:.2f}x)",
            "",
            None,
        ),
        (
            "linearity: MB/s document / MB/s pages",
            f"{r['linearity']['ratio_doc_over_pages']:.3f}",
            "0.75 .. 1.25",
            r["linearity"]["ok"],
        ),
        ("findings: document / pages", f"{doc['findings']} / {pages['findings']}", "", None),
    ]
    if "vs_proselint" in r:
        pl, vs = r["proselint"], r["vs_proselint"]
        rows += [
            (
                f"proselint {pl['version']} MB/s, document / pages",
                f"{pl['doc']['mb_s_cpu']:.3f} / {pl['pages']['mb_s_cpu']:.3f}",
                "",
                None,
            ),
            (
                "redflag / proselint (worse of document, pages)",
                f"{vs['ratio']:.1f} ({vs['ratio_doc']:.1f}, {vs['ratio_pages']:.1f})",
                f">= {TARGET_VS_PROSELINT:g}",
                vs["ok"],
            ),
        ]
    f1 = r["macro_f1"]
    rows.append(
        (
            "macro-F1, model/metadata.json (at its training)",
            f"{f1['metadata']['macro_f1']} ({f1['metadata']['items']} items)",
            "",
            None,
        )
    )
    if "fresh" in f1:
        rows.append(
            (
                "macro-F1, fresh group 5-fold CV of current code",
                f"{f1['fresh']['macro_f1']} ({f1['fresh']['items']} items)",
                "",
                None,
            )
        )
    rows += [
        ("engine load (model and rules), s", f"{r['engine_load_s']:.2f}", "", None),
        ("peak RSS of this process, MB", f"{r['max_rss_mb']}", "", None),
    ]
    title = f"bench_engine{' (smoke)' if r['smoke'] else ''}: CPU time, fastest of repeats"
    return table(title, rows)


if __name__ == "__main__":
    raise SystemExit(main())
