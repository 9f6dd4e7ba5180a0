"""The benchmark corpus: about 1 MB of mixed health pages, built deterministically.

Sources, all from ``training_data/``:

- ``pages/pages.jsonl``: whole pages (promotional, cautionary and mixed);
- ``corpus/*.txt``: the five source documents (a paragraph or heading a line);
- ``sentences/*.jsonl``: labelled sentences, regrouped into pages by their
  ``group`` (one clinic, article or regulator page each), a few sentences a
  paragraph.

The unique text is about 0.6 MB, so the builder goes round its sources until
the target size is reached; every round after the first shuffles each page's
paragraphs (and regroups the sentences), so no page of the corpus repeats an
earlier one verbatim. The paragraphs are then packed, in order, into pages of
at most ``page_bytes`` bytes (UTF-8), and the big document is those pages
joined by blank lines: the 1 MB document and the 5 KB pages hold exactly the
same text. Everything comes from one seeded ``random.Random``, so the same
seed and the same ``training_data/`` give the same bytes (``Corpus.sha256``).

    python -m bench.corpus [--target-bytes N] [--page-bytes N] [--out DIR]

writes ``corpus.txt`` (the big document) and ``pages.json`` (the pages) to DIR.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING_DATA = ROOT / "training_data"
OUT = ROOT / "bench" / "out"

TARGET_BYTES = 1_000_000
PAGE_BYTES = 5_000
SEPARATOR = "\n\n"
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Corpus:
    pages: tuple[str, ...]
    seed: int

    @cached_property
    def text(self) -> str:
        """The whole corpus as one document: the pages joined by blank lines."""
        return SEPARATOR.join(self.pages)

    @property
    def nbytes(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_sizes(self) -> list[int]:
        return [len(p.encode("utf-8")) for p in self.pages]


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if isinstance(obj, dict):
                    yield obj


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]


def _sources(root: Path) -> tuple[list[list[str]], list[list[str]]]:
    """(pages as paragraph lists, sentence groups as sentence lists), in a fixed order."""
    pages: list[list[str]] = []
    for path in sorted((root / "pages").glob("*.jsonl")):
        for obj in _jsonl(path):
            if isinstance(obj.get("text"), str):
                pages.append(_paragraphs(str(obj["text"])))
    for path in sorted((root / "corpus").glob("*.txt")):  # one paragraph or heading a line
        pages.append([ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()])
    groups: dict[str, list[str]] = {}
    for path in sorted((root / "sentences").glob("*.jsonl")):
        for obj in _jsonl(path):
            text = obj.get("text")
            if isinstance(text, str) and text.strip():
                groups.setdefault(str(obj.get("group", obj.get("id"))), []).append(text.strip())
    pages = [p for p in pages if p]
    if not pages and not groups:
        raise FileNotFoundError(f"{root}: no pages, corpus files or sentences to build from")
    return pages, [groups[g] for g in sorted(groups)]


def _sentence_page(sentences: list[str], rng: random.Random) -> list[str]:
    """A page from one group's sentences: paragraphs of two to four sentences."""
    out = []
    i = 0
    while i < len(sentences):
        n = rng.randint(2, 4)
        out.append(" ".join(sentences[i : i + n]))
        i += n
    return out


def _paragraph_stream(root: Path, rng: random.Random) -> Iterator[str]:
    pages, groups = _sources(root)
    round_no = 0
    while True:
        source_pages = []
        for paras in pages:
            paras = list(paras)
            if round_no:
                rng.shuffle(paras)
            source_pages.append(paras)
        for sentences in groups:
            sentences = list(sentences)
            if round_no:
                rng.shuffle(sentences)
            source_pages.append(_sentence_page(sentences, rng))
        rng.shuffle(source_pages)
        for paras in source_pages:
            yield from paras
        round_no += 1


def build_corpus(
    target_bytes: int = TARGET_BYTES,
    page_bytes: int = PAGE_BYTES,
    seed: int = 0,
    root: Path = TRAINING_DATA,
) -> Corpus:
    """Pages of at most ``page_bytes`` (a longer paragraph gets a page of its own), in
    order, until the whole document reaches ``target_bytes``."""
    if target_bytes < 1 or page_bytes < 1:
        raise ValueError("target_bytes and page_bytes must be positive")
    rng = random.Random(seed)
    sep = len(SEPARATOR.encode("utf-8"))
    pages: list[str] = []
    total = 0
    current: list[str] = []
    current_bytes = 0
    for para in _paragraph_stream(root, rng):
        size = len(para.encode("utf-8"))
        if current and current_bytes + sep + size > page_bytes:
            pages.append(SEPARATOR.join(current))
            total += current_bytes + (sep if len(pages) > 1 else 0)
            current, current_bytes = [], 0
            if total >= target_bytes:
                break
        current_bytes += size + (sep if current else 0)
        current.append(para)
    return Corpus(tuple(pages), seed)


def write_corpus(corpus: Corpus, out_dir: Path) -> tuple[Path, Path]:
    """``corpus.txt`` (the whole document) and ``pages.json`` (a list of page texts)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text_path = out_dir / "corpus.txt"
    pages_path = out_dir / "pages.json"
    text_path.write_text(corpus.text, "utf-8")
    pages_path.write_text(json.dumps(list(corpus.pages), ensure_ascii=False), "utf-8")
    return text_path, pages_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-bytes", type=int, default=TARGET_BYTES)
    parser.add_argument("--page-bytes", type=int, default=PAGE_BYTES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT / "corpus")
    args = parser.parse_args(argv)
    corpus = build_corpus(args.target_bytes, args.page_bytes, args.seed)
    text_path, pages_path = write_corpus(corpus, args.out)
    sizes = corpus.page_sizes()
    print(
        f"{corpus.nbytes} bytes in {len(sizes)} pages "
        f"(min {min(sizes)}, mean {sum(sizes) / len(sizes):.0f}, max {max(sizes)} bytes); "
        f"sha256 {corpus.sha256[:16]}\n{text_path}\n{pages_path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
