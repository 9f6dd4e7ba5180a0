"""The readers: JSONL, folders and WARC, each page or failure in a deterministic order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.scan import InputError, ReadStats, decode_html, iter_pages
from app.scan.readers import DecodeError, declared_charset, site_of
from tests.scan.conftest import CP1252_HTML, GREEK_HTML, SJIS_HTML, write_warc


def test_warc_html_responses_decoded_with_their_charset(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, "<p>" + "word " * 1000 + "</p>")
    stats = ReadStats()
    pages = list(iter_pages([path], max_chars=2000, stats=stats))
    assert [p.url for p in pages] == [
        "https://www.clinic-a.example/",
        "https://clinic-b.example/jp",
        "https://clinic-c.example/gr",
        "https://clinic-c.example/bad",
        "https://clinic-d.example/big",
    ]
    ok = {p.url: p for p in pages if p.error is None}
    assert ok["https://clinic-b.example/jp"].text == SJIS_HTML  # declared in the HTTP header
    assert ok["https://clinic-c.example/gr"].text == GREEK_HTML  # declared in a <meta> only
    assert {p.fmt for p in pages} == {"html"}
    assert ok["https://www.clinic-a.example/"].site == "clinic-a.example"
    errors = {p.url: p.error for p in pages if p.error}
    assert errors["https://clinic-c.example/bad"].startswith("undecodable")
    assert errors["https://clinic-d.example/big"].startswith("too large")
    assert stats.skipped == {"non-HTML response": 1, "HTTP status not 2xx": 1}


def test_jsonl_pages_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    lines = [
        json.dumps({"url": "https://a.example/1", "text": "plain"}).encode(),
        json.dumps({"url": "https://a.example/2", "html": "<p>hi</p>"}).encode(),
        json.dumps({"url": "https://a.example/3", "text": "# hi", "format": "markdown"}).encode(),
        b"",  # blank lines are not pages
        b"{not json",
        '{"url": "https://a.example/latin", "text": "caf\xe9"}'.encode("latin-1"),
        json.dumps({"url": "https://a.example/none"}).encode(),
        json.dumps({"text": "no url"}).encode(),
        json.dumps({"url": "https://a.example/fmt", "text": "x", "format": "pdf"}).encode(),
        json.dumps({"url": "https://a.example/long", "text": "x" * 120}).encode(),
        json.dumps({"url": "https://a.example/huge", "text": "y" * 70_000}).encode(),
        json.dumps({"url": "https://a.example/after", "text": "still read"}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    pages = list(iter_pages([path], max_chars=100))
    got = [(p.url, p.fmt, p.error and p.error.split(":")[0]) for p in pages]
    assert got == [
        ("https://a.example/1", "text", None),
        ("https://a.example/2", "html", None),
        ("https://a.example/3", "markdown", None),
        (f"{path}#line=5", "text", "invalid JSON"),
        (f"{path}#line=6", "text", "undecodable"),
        ("https://a.example/none", "text", "invalid page"),
        (f"{path}#line=8", "text", "invalid page"),
        ("https://a.example/fmt", "text", "invalid page"),
        ("https://a.example/long", "text", "too large"),
        ("https://a.example/huge", "text", "too large"),  # longer than the line cap: never parsed
        ("https://a.example/after", "text", None),
    ]
    assert pages[-2].error is not None and "line over" in pages[-2].error
    assert pages[-1].text == "still read"
    assert all(p.text == "" for p in pages if p.error)


def test_folder_sorted_hidden_skipped_and_undecodable(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "b").mkdir(parents=True)
    (site / ".git").mkdir()
    (site / "b" / "z.md").write_text("# Z\n\nCompletely safe.", "utf-8")
    (site / "a.html").write_bytes(CP1252_HTML.encode("cp1252"))
    (site / "c.txt").write_bytes(b"caf\xe9 latin-1 text")
    (site / "notes.pdf").write_bytes(b"%PDF")
    (site / ".hidden.md").write_text("hidden", "utf-8")
    (site / ".git" / "x.md").write_text("hidden", "utf-8")
    pages = list(iter_pages([site], max_chars=10_000))
    assert [Path(p.url).relative_to(site).as_posix() for p in pages] == [
        "a.html",
        "c.txt",
        "b/z.md",
    ]
    assert [p.fmt for p in pages] == ["html", "text", "markdown"]
    assert pages[0].text == CP1252_HTML
    assert pages[1].error == "undecodable: not valid UTF-8"
    assert {p.site for p in pages} == {"site"}


def test_decode_html_order_of_evidence() -> None:
    body = "<p>café</p>".encode()
    assert decode_html(body) == "<p>café</p>"
    assert decode_html("<p>café</p>".encode("cp1252")) == "<p>café</p>"  # web default
    assert decode_html("<p>καλό</p>".encode("iso-8859-7"), "iso-8859-7") == "<p>καλό</p>"
    assert decode_html(b"\xef\xbb\xbf<p>bom</p>", "iso-8859-7") == "<p>bom</p>"  # BOM wins
    assert decode_html(body, "no-such-charset") == "<p>café</p>"  # unknown label: UTF-8
    with pytest.raises(DecodeError, match="undecodable"):
        decode_html(b"<p>\x81\x8d</p>", "utf-8")
    assert declared_charset('text/html; charset="ISO-8859-1"') == "ISO-8859-1"
    assert declared_charset("text/html") is None


def test_unknown_input_kind_and_missing(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b", "utf-8")
    with pytest.raises(InputError, match="unknown input kind"):
        list(iter_pages([tmp_path / "x.csv"], 100))
    with pytest.raises(InputError, match="no such file"):
        list(iter_pages([tmp_path / "missing.jsonl"], 100))


def test_site_of() -> None:
    assert site_of("https://www.Clinic.example:8443/x") == "clinic.example"
    assert site_of("pages/a.md") == ""
    assert site_of("http://[::1") == ""
