"""The RE2 sets' memory and time on the benchmark corpus, and which rules make them grow.

``RuleSet.find`` asks RE2 sets, block by block, which patterns can match.  A
set's automaton is built lazily from the text it sees, and one pattern can
multiply the size of a shared automaton (``own_set: true`` in a rule gives it
a set of its own).  This prints, for the shipped grouping, a single set of all
patterns and four round-robin sets: resident memory the automata added after
one pass over the ~1 MB corpus and the CPU time of a later pass.  With
``--leave-one-out`` it also prints how much memory the shared set saves when
each pattern is left out in turn (about a minute): the rules at the top of
that list are candidates for ``own_set``.

    .venv/bin/python -m bench.re2_sets [--leave-one-out]

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

from app.engine.checker import Engine
from app.engine.rules.kinds import pattern_source
from bench.corpus import build_corpus

_MEASURE = """
import json, pickle, sys, time
import re2
chunks = pickle.load(open(sys.argv[1], "rb"))
sources = json.load(open(sys.argv[2]))
groups, memory = json.loads(sys.argv[3]), int(sys.argv[4])
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
sets = []
for group in groups:
    options = re2._re2.RE2.Options()
    options.case_sensitive = False
    options.max_mem = memory << 20
    s = re2._re2.Set(re2._re2.RE2.Anchor.UNANCHORED, options)
    for k in group:
        s.Add(sources[k].encode())
    s.Compile()
    sets.append(s)
before = rss()
for chunk in chunks:
    for s in sets:
        s.Match(chunk)
grown = rss() - before
start = time.process_time()
for chunk in chunks:
    for s in sets:
        s.Match(chunk)
print(json.dumps({"mb": grown, "ms": round((time.process_time() - start) * 1000, 1)}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.re2_sets", description=__doc__)
    parser.add_argument("--leave-one-out", action="store_true")
    args = parser.parse_args(argv)
    engine = Engine(use_model=False)
    corpus = build_corpus()
    prepared = engine._prepare(corpus.text, "text")
    index = prepared.index
    chunks = [index.data[slice(*index.to_bytes(s, e))] for s, e in prepared.doc.blocks]
    compiled = engine.rules._patterns
    sources = [pattern_source(c.rule) for c in compiled]
    ids = [c.rule.id for c in compiled]
    shared = [k for k, c in enumerate(compiled) if not c.rule.spec.get("own_set")]
    own = [k for k in range(len(ids)) if k not in shared]
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

        print(
            f"{len(chunks)} blocks, {len(corpus.text.encode()) / 1e6:.2f} MB; {len(ids)} patterns"
        )
        print(f"{'grouping':44s} {'MB added':>9s} {'ms a pass':>10s}")
        rows = [
            ("shipped: shared + own_set", [shared, own] if own else [shared], 128),
            ("one set of all patterns", [list(range(len(ids)))], 256),
            (
                "four round-robin sets, 32 MB each",
                [list(range(g, len(ids), 4)) for g in range(4)],
                32,
            ),
        ]
        for name, groups, memory in rows:
            m = measure(groups, memory)
            print(f"{name:44s} {m['mb']:9.0f} {m['ms']:10.1f}")
        if args.leave_one_out:
            everything = list(range(len(ids)))
            base = measure([everything], 512)["mb"]
            saved = []
            for k in everything:
                m = measure([[i for i in everything if i != k]], 512)
                saved.append((base - m["mb"], ids[k]))
            print(
                f"\nmemory saved by leaving one pattern out of a single set of all ({base:.0f} MB):"
            )
            for mb, rule_id in sorted(saved, reverse=True)[:10]:
                print(f"  {mb:5.0f} MB  {rule_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
