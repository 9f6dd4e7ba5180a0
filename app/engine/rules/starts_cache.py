"""The start filter's tables kept on disk between processes, keyed by what they are made from.

Building the tables (:func:`app.engine.rules.starts.filter_tables` of every pattern's
:func:`~app.engine.rules.starts.start_trie`) parses each pattern in Python: ~0.15-0.3 s,
close to half of an engine's load, paid again by every service worker and CLI worker as
it starts (issue 7: ready within 3 s). The tables depend only on the patterns' sources
and on the code that reads them, so they are written once to a cache folder and read
back (~10 ms) by every later process whose patterns and code are the same.

The folder is ``REDFLAG_CACHE_DIR``, or ``redflag`` under ``XDG_CACHE_HOME`` (by default
``~/.cache``); ``REDFLAG_CACHE_DIR`` set to an empty value turns the cache off. A file
that cannot be read, or that does not hold tables made from the same key, is built
again; a folder that cannot be written is left alone (the tables are built each time,
as without a cache). The file holds only lists, tuples, dicts, ints and bytes, read by
an unpickler that refuses every class or function, so it cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from app.engine.rules import starts

log = logging.getLogger("redflag.engine")

CACHE_ENV = "REDFLAG_CACHE_DIR"
_FORMAT = b"redflag start-filter tables 1"
T = TypeVar("T")


def cache_dir() -> Path | None:
    """The cache folder, or None when ``REDFLAG_CACHE_DIR`` is set empty."""
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return Path(given) if given.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "redflag"


def tables_key(sources: Sequence[bytes]) -> str | None:
    """What the tables are made from: the patterns' sources, in order, and the source of
    the module that reads them (a change to either makes a new key); None when that
    source cannot be read (then nothing is cached)."""
    digest = hashlib.sha256(_FORMAT)
    try:
        digest.update(Path(starts.__file__).read_bytes())
    except (OSError, TypeError):  # no source file (a frozen or zipped install)
        return None
    for source in sources:
        digest.update(len(source).to_bytes(8, "little"))
        digest.update(source)
    return digest.hexdigest()


class _DataOnly(pickle.Unpickler):
    """Reads containers and numbers only: any class or function named is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the cache names {module}.{name}, not data")


def cached(sources: Sequence[bytes], build: Callable[[], T]) -> T:
    """``build()``, or what an earlier process wrote for the same ``sources`` (the caller
    checks it as it uses it, and :func:`store`s what it builds when that fails)."""
    folder = cache_dir()
    key = tables_key(sources)
    if folder is None or key is None:
        return build()
    path = _path(folder, key)
    try:
        stored = _DataOnly(io.BytesIO(path.read_bytes())).load()
    except FileNotFoundError:
        pass
    except Exception as exc:  # unreadable or not ours: built again, and written over
        log.debug("start filter cache unreadable", extra={"detail": type(exc).__name__})
    else:
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
            return stored[1]  # type: ignore[no-any-return]
    made = build()
    _write(folder, path, (key, made))
    return made


def store(sources: Sequence[bytes], value: object) -> None:
    """Write ``value`` as the tables of ``sources`` (over a file whose tables did not hold)."""
    folder = cache_dir()
    key = tables_key(sources)
    if folder is not None and key is not None:
        _write(folder, _path(folder, key), (key, value))


def _path(folder: Path, key: str) -> Path:
    return folder / f"start-filter-{key[:32]}.pickle"


def _write(folder: Path, path: Path, value: object) -> None:
    """``value`` pickled to ``path``, whole or not at all (written aside, then renamed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".start-filter-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read-only or full disk: no cache, the same filter
        log.debug("start filter cache not written", extra={"detail": type(exc).__name__})


def main() -> None:
    """Write the shipped rules' tables now (``scripts/bootstrap.sh``; the Docker image's
    build), so that even the first process to load an engine reads them."""
    from app.engine.facts import load_facts
    from app.engine.rules.loader import load_rules

    load_rules(set(load_facts()))


if __name__ == "__main__":
    main()
