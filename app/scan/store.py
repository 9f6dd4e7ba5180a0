"""The results folder: atomic partition files, a manifest, and what makes a scan resumable.

Layout of ``RESULTS/``::

    scan.json                      what this scan is (inputs, partition size, format, ...)
    manifest.jsonl                 one line per finished partition, appended and fsynced
    pages/part-000042.parquet      the pages table of partition 42
    findings/part-000042.parquet   its findings table  (.jsonl with --results-format jsonl)
    summary.json, report.html      written when the scan is complete

A partition's files are written under a temporary name and renamed into place
(findings first, then pages), and only then is its manifest line appended.  A
partition counts as done when the manifest lists it and both its files exist,
so a scan killed at any moment is resumed by running it again: finished
partitions are skipped, a partition caught half-written is simply written again
under the same name.  Nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from app.scan.results import FINDINGS_SCHEMA, PAGES_SCHEMA
from app.scan.worker import PartitionResult

SCAN_FORMAT = "redflag-scan/1"
TABLES = ("pages", "findings")
SCHEMAS = {"pages": PAGES_SCHEMA, "findings": FINDINGS_SCHEMA}
ResultsFormat = Literal["parquet", "jsonl"]
_OWN_FILES = ("scan.json", "manifest.jsonl", "summary.json", "report.html")


class ScanError(RuntimeError):
    """The scan cannot go on (results of another scan in the folder, a worker failure)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp's files are 0600


def _atomic_write(path: Path, write: Any) -> None:
    """``write(tmp_path)`` then rename over ``path``: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class ResultStore:
    def __init__(self, out: Path, results_format: ResultsFormat) -> None:
        self.out = out
        self.format: ResultsFormat = results_format
        self.ext = "parquet" if results_format == "parquet" else "jsonl"
        self.done: dict[int, dict[str, Any]] = {}

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, out: Path, params: dict[str, Any], overwrite: bool = False) -> ResultStore:
        """Create ``out`` or reopen it for resuming; refuses results of a different scan."""
        meta_path = out / "scan.json"
        if overwrite:
            cls.clear(out)
        if out.exists() and not out.is_dir():
            raise ScanError(f"{out}: exists and is not a folder")
        if meta_path.is_file():
            try:
                old = orjson.loads(meta_path.read_bytes())
            except orjson.JSONDecodeError:
                raise ScanError(
                    f"{meta_path}: unreadable; use another --out or --overwrite"
                ) from None
            if old.get("format") != SCAN_FORMAT or old.get("params") != params:
                changed = sorted(
                    k
                    for k in set(params) | set(old.get("params", {}))
                    if params.get(k) != old.get("params", {}).get(k)
                )
                raise ScanError(
                    f"{out} holds the results of a different scan (differs in: "
                    f"{', '.join(changed) or 'format'}); use another --out, or --overwrite"
                )
        elif out.is_dir() and any(p.name != ".lock" for p in out.iterdir()):
            raise ScanError(f"{out}: not empty and holds no scan results; use another --out")
        store = cls(out, params["results_format"])
        for name in TABLES:
            (out / name).mkdir(parents=True, exist_ok=True)
            for stale in (out / name).glob(".*.tmp"):  # left by a killed run
                stale.unlink()
        if not meta_path.is_file():
            data = orjson.dumps(
                {"format": SCAN_FORMAT, "params": params}, option=orjson.OPT_INDENT_2
            )
            _atomic_write(meta_path, lambda tmp: Path(tmp).write_bytes(data))
        store._load_manifest()
        return store

    @classmethod
    def load(cls, out: Path) -> ResultStore:
        """Open finished results for reading (no locking, no writing)."""
        try:
            meta = orjson.loads((out / "scan.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            raise ScanError(f"{out}: no scan results (scan.json missing or unreadable)") from None
        store = cls(out, meta["params"]["results_format"])
        store._load_manifest(repair=False)
        return store

    @staticmethod
    def clear(out: Path) -> None:
        """Remove this tool's files from ``out`` (and nothing else)."""
        for name in TABLES:
            shutil.rmtree(out / name, ignore_errors=True)
        for name in _OWN_FILES:
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()

    def _load_manifest(self, repair: bool = True) -> None:
        path = self.out / "manifest.jsonl"
        if not path.is_file():
            return
        data = path.read_bytes()
        # a last line without its newline was torn by a kill while appending
        complete = data[: data.rfind(b"\n") + 1]
        for n, line in enumerate(complete.splitlines()):
            if not line.strip():
                continue
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise ScanError(f"{path}: line {n + 1} is corrupt") from None
            pid = int(entry["partition"])
            if all(self.path(t, pid).is_file() for t in TABLES):
                self.done[pid] = entry
        if repair and len(complete) < len(data):  # drop the torn tail before appending again
            with path.open("rb+") as fh:
                fh.truncate(len(complete))

    # -- writing -------------------------------------------------------------------------

    def path(self, table: str, pid: int) -> Path:
        return self.out / table / f"part-{pid:06d}.{self.ext}"

    def versions(self) -> dict[str, str] | None:
        """The engine versions of the partitions already written (None when there are none)."""
        for entry in self.done.values():
            return dict(entry["versions"])
        return None

    def write(self, result: PartitionResult) -> dict[str, Any]:
        pid = result.partition
        self._write_table(self.path("findings", pid), result.findings)
        self._write_table(self.path("pages", pid), result.pages)
        entry = {
            "partition": pid,
            "fingerprint": result.fingerprint,
            "pages": result.n_pages,
            "failed": result.n_failed,
            "findings": result.n_findings,
            "versions": result.versions,
        }
        with (self.out / "manifest.jsonl").open("ab") as fh:
            fh.write(orjson.dumps(entry) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.done[pid] = entry
        return entry

    def _write_table(self, path: Path, data: pa.Table) -> None:
        if self.format == "parquet":
            _atomic_write(path, lambda tmp: pq.write_table(data, tmp, compression="zstd"))
        else:
            lines = b"".join(orjson.dumps(row) + b"\n" for row in data.to_pylist())
            _atomic_write(path, lambda tmp: Path(tmp).write_bytes(lines))

    # -- reading -------------------------------------------------------------------------

    def read(self, table: str, pid: int, columns: list[str] | None = None) -> pa.Table:
        path = self.path(table, pid)
        if self.format == "parquet":
            return pq.read_table(path, columns=columns)
        rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
        data = pa.Table.from_pylist(rows, schema=SCHEMAS[table])
        return data.select(columns) if columns else data

    def iter_tables(self, table: str, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """Each finished partition's table, in partition order, one at a time."""
        for pid in sorted(self.done):
            yield self.read(table, pid, columns)

    def read_all(self, table: str) -> pa.Table:
        """The whole table in input order (for tests and small scans)."""
        parts = list(self.iter_tables(table))
        if not parts:
            return SCHEMAS[table].empty_table()
        return pa.concat_tables(parts).sort_by([("seq", "ascending")])
