"""Cut the page stream into numbered partitions, the unit of work, output and resumption.

Partition ``k`` holds pages ``k * size`` to ``(k + 1) * size - 1`` of the input
order, so the same inputs and size give the same partitions on every run; a
fingerprint of each partition's urls lets a resumed scan notice changed inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from app.scan.readers import Page


@dataclass(frozen=True, slots=True)
class Partition:
    id: int
    first: int  # input position (``seq``) of its first page
    pages: tuple[Page, ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint([p.url for p in self.pages])


def fingerprint(urls: Iterable[str]) -> str:
    h = hashlib.sha256()
    for url in urls:
        h.update(url.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def partitions(pages: Iterable[Page], size: int) -> Iterator[Partition]:
    if size < 1:
        raise ValueError("partition size must be at least 1")
    it = iter(pages)
    pid = 0
    while True:
        chunk = tuple(islice(it, size))
        if not chunk:
            return
        yield Partition(pid, pid * size, chunk)
        pid += 1
