"""The RE2 sets' memory and time on the benchmark corpus, and which rules make them grow.

Without the start filter (``rules/starts.py``: no C extension, or
``REDFLAG_RULES_ANCHORED=0``), ``RuleSet.find`` asks an RE2 set, block by block,
which patterns can match; with it, the set only orders two rules of a category
that match one span.  A
set's automaton is built lazily from the text it sees, and one pattern can
multiply its size (such a rule gives the set a part of itself to ask instead,
its ``set_pattern``).  This prints, for the shipped set, one set of every rule's
whole pattern, and four round-robin sets: resident memory the automata added
after one pass over the ~1 MB corpus, and the CPU time of that first pass
(which builds the automata's states, as text never seen before does in the
service) and of a later pass.  With ``--leave-one-out`` it also prints how much
memory the shipped set saves when each pattern is left out in turn (about a
minute): the rules at the top of that list are candidates for a
``set_pattern``.  With ``--in-engine`` it checks the corpus pages with the
shipped engine and with engines whose sets are made the other ways,
alternating, and prints each one's time against the shipped one's: in the
engine a large automaton is evicted from the CPU's caches by the other work,
which a loop of set calls alone does not show.

    .venv/bin/python -m bench.re2_sets [--leave-one-out] [--in-engine]

Each measurement runs in a fresh process, so automata never share memory.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.engine.checker import Engine
from app.engine.rules.kinds import compile_set, pattern_source, set_source
from bench.corpus import build_corpus

_MEASURE = """
import json, pickle, sys, time
from app.engine.rules.kinds import compile_set
chunks = pickle.load(open(sys.argv[1], "rb"))
sources = json.load(open(sys.argv[2]))
groups, memory = json.loads(sys.argv[3]), int(sys.argv[4])
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
sets = [compile_set([sources[k] for k in group], memory << 20) for group in groups]
before = rss()
start = time.process_time()
for chunk in chunks:
    for s in sets:
        s.Match(chunk)
first = time.process_time() - start
grown = rss() - before
start = time.process_time()
for chunk in chunks:
    for s in sets:
        s.Match(chunk)
print(json.dumps({"mb": grown, "first": round(first * 1000, 1),
                  "ms": round((time.process_time() - start) * 1000, 1)}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.re2_sets", description=__doc__)
    parser.add_argument("--leave-one-out", action="store_true")
    parser.add_argument("--in-engine", action="store_true")
    args = parser.parse_args(argv)
    engine = Engine(use_model=False)
    corpus = build_corpus()
    prepared = engine._prepare(corpus.text, "text")
    index = prepared.index
    chunks = [index.data[slice(*index.to_bytes(s, e))] for s, e in prepared.doc.blocks]
    compiled = engine.rules._patterns
    n = len(compiled)
    ids = [c.rule.id for c in compiled]
    # the shipped set's sources (a set_pattern where a rule has one), then every whole
    # pattern: group members index this list
    sources = [set_source(c.rule) for c in compiled] + [pattern_source(c.rule) for c in compiled]
    shipped = list(range(n))
    whole = list(range(n, 2 * n))
    with tempfile.TemporaryDirectory() as tmp:
        chunk_file, source_file = Path(tmp, "chunks.pkl"), Path(tmp, "sources.json")
        chunk_file.write_bytes(pickle.dumps(chunks))
        source_file.write_text(json.dumps(sources))

        def measure(groups: list[list[int]], memory: int) -> dict[str, float]:
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _MEASURE,
                    str(chunk_file),
                    str(source_file),
                    json.dumps(groups),
                    str(memory),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            return dict(json.loads(out))

        print(f"{len(chunks)} blocks, {len(corpus.text.encode()) / 1e6:.2f} MB; {n} patterns")
        # the first pass builds the automata's states (what text never seen before
        # costs, as in the service); the second finds them built
        print(f"{'grouping':44s} {'MB added':>9s} {'ms 1st pass':>12s} {'ms 2nd pass':>12s}")
        rows = [
            ("shipped: one set, set_pattern where given", [shipped], 256),
            ("one set of every rule's whole pattern", [whole], 256),
            ("four round-robin sets, 32 MB each", [shipped[g::4] for g in range(4)], 32),
        ]
        for name, groups, memory in rows:
            m = measure(groups, memory)
            print(f"{name:44s} {m['mb']:9.0f} {m['first']:12.1f} {m['ms']:12.1f}")
        if args.leave_one_out:
            base = measure([shipped], 512)["mb"]
            saved = []
            for k in shipped:
                m = measure([[i for i in shipped if i != k]], 512)
                saved.append((base - m["mb"], ids[k]))
            print(f"\nmemory saved by leaving one pattern out of the shipped set ({base:.0f} MB):")
            for mb, rule_id in sorted(saved, reverse=True)[:10]:
                print(f"  {mb:5.0f} MB  {rule_id}")
    if args.in_engine:
        in_engine(list(corpus.pages), n)
    return 0


def _sets(
    engine: Engine, groups: list[list[int]], memory: int, whole: bool = False
) -> list[tuple[Any, list[int]]]:
    """``RuleSet._sets`` for another grouping (of every rule's whole pattern with
    ``whole``, else of what the shipped set asks)."""
    source = pattern_source if whole else set_source
    sources = [source(c.rule) for c in engine.rules._patterns]
    return [(compile_set([sources[k] for k in g], memory << 20), g) for g in groups]


def in_engine(pages: list[str], n: int, rounds: int = 4) -> None:
    """Each grouping's time per page inside a full check, against the shipped one's,
    measured in alternation on the same pages (both with the sets picking the
    patterns, as without the start filter)."""
    import time

    shipped = Engine(model_dir=Path(__file__).resolve().parent.parent / "model")
    shipped.rules._starts = None
    variants = {
        "one set of every rule's whole pattern": ([list(range(n))], True),
        "four round-robin sets, 32 MB each": ([list(range(g, n, 4)) for g in range(4)], False),
    }
    print("\nin the engine (full checks of the corpus pages, alternating with the shipped engine):")
    for name, (groups, whole) in variants.items():
        other = Engine(model=shipped.model)
        other.rules._starts = None
        other.rules._sets = _sets(other, groups, 256 if len(groups) == 1 else 32, whole)
        for engine in (shipped, other):
            for page in pages:
                engine.check(page)
        times = {"shipped": 0.0, name: 0.0}
        for _ in range(rounds):
            for label, engine in (("shipped", shipped), (name, other)):
                start = time.process_time()
                for page in pages:
                    engine.check(page)
                times[label] += time.process_time() - start
        per_page = {k: v / rounds / len(pages) * 1000 for k, v in times.items()}
        print(
            f"  {name}: {per_page[name]:.2f} ms a page, shipped {per_page['shipped']:.2f} "
            f"(ratio {per_page[name] / per_page['shipped']:.3f})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
