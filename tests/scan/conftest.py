"""Fixtures for the scanner: generated page collections and one shared Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.scan import ResultStore, ScanConfig

SENTENCES = [
    "Our stem cell injections are completely safe and have no side effects.",
    "Call now to book your FREE consultation and receive our information packet!",
    "Stem cell treatment is now widely available in clinics across the country.",
    "The FDA has not approved any stem cell product for knee osteoarthritis.",
    "Small early studies suggest that the injections may help some patients, but larger trials are needed.",
    "Thousands of patients have been treated at our clinic with remarkable results.",
    "Exosome therapy regenerates cartilage and eliminates pain for good.",
    "Talk to your doctor about the risks, and ask whether a treatment is part of a registered trial.",
    "Our FDA-registered lab guarantees the highest quality cells.",
    "Jane, 62, told us: after one injection I was back on the tennis court.",
]


def page_text(i: int) -> str:
    """A deterministic page of 3 to 6 sentences."""
    n = 3 + i % 4
    return " ".join(SENTENCES[(i * 7 + k * 3) % len(SENTENCES)] for k in range(n))


def page_record(i: int) -> dict[str, Any]:
    url = f"https://clinic{i % 6}.example.com/page/{i}"
    text = page_text(i)
    if i % 5 == 0:
        return {"url": url, "html": f"<html><body><h1>Page {i}</h1><p>{text}</p></body></html>"}
    if i % 5 == 1:
        return {"url": url, "text": f"# Page {i}\n\n{text}\n", "format": "markdown"}
    return {"url": url, "text": text}


def write_jsonl(path: Path, n: int, extra: list[bytes] | None = None) -> Path:
    with path.open("wb") as fh:
        for i in range(n):
            fh.write(json.dumps(page_record(i)).encode() + b"\n")
        for line in extra or []:
            fh.write(line + b"\n")
    return path


def rules_config(inputs: list[Path], out: Path, **kw: Any) -> ScanConfig:
    """A fast configuration: rules only, in this process, no progress bar, no report."""
    defaults: dict[str, Any] = {
        "workers": 1,
        "partition_size": 10,
        "use_model": False,
        "progress": False,
        "report": False,
    }
    defaults.update(kw)
    return ScanConfig(inputs=tuple(inputs), out=out, **defaults)


def tables(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(pages rows, findings rows) of a results folder, in input order."""
    store = ResultStore.load(out)
    findings = store.read_all("findings").to_pylist()
    findings.sort(key=lambda r: (r["seq"], r["start"], r["end"], r["category"], r["id"]))
    return store.read_all("pages").to_pylist(), findings


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """One local Dask cluster (2 worker processes, 1 thread each) for the whole session."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
