"""Fixtures for the scanner: generated page collections and one shared Dask cluster."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

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


SJIS_HTML = "<html><body><p>幹細胞クリニック。当院の治療は completely safe です。</p></body></html>"
GREEK_HTML = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7">'
    "</head><body><p>Κλινική Αθηνών: our stem cell treatment is risk-free.</p></body></html>"
)
CP1252_HTML = (
    '<html><head><meta charset="windows-1252"></head>'
    "<body><p>Clínica “Regenera”: our stem cell treatment is risk-free.</p></body></html>"
)


def write_warc(path: Path, big_html: str) -> None:
    """A small crawl: HTML pages in three charsets, an image, a 404, a request, a bad page."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)

        def response(url: str, body: bytes, content_type: str, status: str = "200 OK") -> None:
            http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=io.BytesIO(body), http_headers=http
                )
            )

        response(
            "https://www.clinic-a.example/",
            b"<p>Our injections are completely safe.</p>",
            "text/html; charset=utf-8",
        )
        request = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", "clinic-a.example")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                "https://www.clinic-a.example/",
                "request",
                payload=io.BytesIO(b""),
                http_headers=request,
            )
        )
        response(
            "https://clinic-b.example/jp",
            SJIS_HTML.encode("shift_jis"),
            "text/html; charset=Shift_JIS",
        )
        response("https://clinic-b.example/logo.png", b"\x89PNG\r\n\x1a\n0000", "image/png")
        response("https://clinic-c.example/gr", GREEK_HTML.encode("iso-8859-7"), "text/html")
        response("https://clinic-c.example/gone", b"<p>Not found</p>", "text/html", "404 Not Found")
        response(
            "https://clinic-c.example/bad",
            b"<p>bad \x81\x8d\x90 bytes</p>",
            "text/html; charset=utf-8",
        )
        response("https://clinic-d.example/big", big_html.encode(), "text/html; charset=utf-8")


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
