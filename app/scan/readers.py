"""Streaming readers: JSONL pages, folders of Markdown/HTML/text files, WARC crawls.

Every reader yields :class:`Page` objects one at a time, in a deterministic
order (input order, then line order, sorted paths, record order), so that the
partitions cut from them get the same ids on every run.  A page that cannot be
read (invalid JSON, undecodable bytes, too large) is still yielded, with its
``error`` set and no text: the scan records it as failed and goes on.

Nothing here holds more than one page in memory, and a page's bytes are read
only up to the size limit (a longer one is skipped, not loaded).
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import orjson

from app.cli.files import FORMAT_BY_SUFFIX  # the one suffix -> format table (shared with check)
from app.engine.formats import FORMATS

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
BYTES_PER_CHAR = 4  # UTF-8's widest character: a body longer than 4 x the limit is too large
JSON_BYTES_PER_CHAR = 6  # a JSON string may escape each character as \uXXXX


class InputError(ValueError):
    """An input that cannot be scanned at all (missing, or of an unknown kind)."""


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    text: str
    fmt: str  # text | markdown | html
    input: str  # the input file the page came from
    site: str  # host name, or the folder name for local files
    error: str | None = None  # why the page could not be read; then text is ""


@dataclass
class ReadStats:
    """Records skipped on purpose (not pages): non-HTML responses, non-2xx statuses."""

    skipped: Counter[str] = field(default_factory=Counter)


class DecodeError(ValueError):
    """The bytes are not valid in any candidate encoding."""


def input_kind(path: Path) -> str:
    """``folder``, ``jsonl`` or ``warc``; :class:`InputError` for anything else."""
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    raise InputError(
        f"{path}: unknown input kind; expected a folder, "
        f"JSONL ({', '.join(JSONL_SUFFIXES)}) or WARC ({', '.join(WARC_SUFFIXES)})"
    )


def iter_pages(
    inputs: Sequence[Path], max_chars: int, stats: ReadStats | None = None
) -> Iterator[Page]:
    """All pages of all inputs, in order."""
    stats = stats if stats is not None else ReadStats()
    for path in inputs:
        kind = input_kind(path)
        if kind == "folder":
            yield from read_folder(path, max_chars)
        elif kind == "jsonl":
            yield from read_jsonl(path, max_chars)
        else:
            yield from read_warc(path, max_chars, stats)


def site_of(url: str) -> str:
    """The host of an http(s) URL without ``www.``; ``""`` when there is none."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _too_large(n: int, max_chars: int, unit: str = "characters") -> str:
    return f"too large: {n} {unit} (limit {max_chars} characters)"


# -- decoding ------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-z0-9_.:\-]{1,40})""", re.I
)
# WHATWG: pages labelled ASCII or Latin-1 are decoded as windows-1252
_ALIASES = {"ascii": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252"}


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header value."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Decode an HTML body: a byte-order mark wins, then the declared charset (HTTP
    header), then a ``<meta charset>`` in the first 4 KB, then UTF-8; windows-1252
    (the web's default) only when nothing was declared.  Raises :class:`DecodeError`."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            try:
                return body[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise DecodeError(f"undecodable: not valid {encoding} after its BOM") from None
    meta = _META_CHARSET.search(body[:4096])
    labels = [lab for lab in (declared, meta.group(1).decode("ascii") if meta else None) if lab]
    candidates = [*labels, "utf-8"] if labels else ["utf-8", "cp1252"]
    tried: list[str] = []
    for label in candidates:
        try:
            name = codecs.lookup(label).name
        except LookupError:
            tried.append(f"{label} (unknown charset)")
            continue
        name = _ALIASES.get(name, name)
        if name in tried:
            continue
        try:
            return body.decode(name)
        except UnicodeDecodeError:
            tried.append(name)
    raise DecodeError(f"undecodable: not valid {', '.join(tried)}")


# -- JSONL -----------------------------------------------------------------------------

_URL_PREFIX = re.compile(rb'"url"\s*:\s*"([^"\\]{1,2000})"')


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_jsonl(path: Path, max_chars: int) -> Iterator[Page]:
    """One page per line: ``{"url": ..., "text": ..., "format": ...}`` or ``{"url": ..., "html": ...}``."""
    cap = max_chars * JSON_BYTES_PER_CHAR + 65536
    source = str(path)
    with _open_binary(path) as fh:
        lineno = 0
        while True:
            line = fh.readline(cap)
            if not line:
                return
            lineno += 1
            where = f"{source}#line={lineno}"
            if len(line) >= cap and not line.endswith(b"\n"):
                tail = line
                while tail and not tail.endswith(b"\n"):  # skip the rest, never hold it
                    tail = fh.readline(1 << 20)
                found = _URL_PREFIX.search(line[:65536])
                url = found.group(1).decode("utf-8", "replace") if found else where
                yield Page(
                    url, "", "text", source, site_of(url), f"too large: line over {cap} bytes"
                )
                continue
            if line.strip():
                yield _jsonl_page(line, where, source, max_chars)


def _jsonl_page(line: bytes, where: str, source: str, max_chars: int) -> Page:
    def failed(reason: str, url: str = where) -> Page:
        return Page(url, "", "text", source, site_of(url), reason)

    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return failed("undecodable: not valid UTF-8" if "UTF-8" in str(exc) else "invalid JSON")
    if not isinstance(obj, dict):
        return failed("invalid page: expected a JSON object")
    url = obj.get("url")
    if not isinstance(url, str) or not url.strip():
        return failed("invalid page: missing or empty 'url'")
    if isinstance(obj.get("html"), str):
        text, fmt = obj["html"], "html"
    elif isinstance(obj.get("text"), str):
        text, fmt = obj["text"], obj.get("format", "text")
        if fmt not in FORMATS:
            return failed(f"invalid page: unknown format {fmt!r}", url)
    else:
        return failed("invalid page: no 'text' or 'html' string", url)
    if len(text) > max_chars:
        return failed(_too_large(len(text), max_chars), url)
    return Page(url, text, fmt, source, site_of(url))


# -- folders ---------------------------------------------------------------------------


def read_folder(root: Path, max_chars: int) -> Iterator[Page]:
    """Markdown, HTML and text files below ``root`` (hidden ones left out), in sorted order.

    The page's url is the file's path; its site is the folder's name."""
    site = root.resolve().name
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            fmt = FORMAT_BY_SUFFIX.get(Path(name).suffix.lower())
            if fmt is None or name.startswith("."):
                continue
            path = Path(dirpath) / name
            yield _file_page(path, fmt, str(root), site, max_chars)


def _file_page(path: Path, fmt: str, source: str, site: str, max_chars: int) -> Page:
    url = str(path)
    limit = max_chars * BYTES_PER_CHAR
    try:
        with path.open("rb") as fh:
            body = fh.read(limit + 1)
    except OSError as exc:
        return Page(url, "", fmt, source, site, f"unreadable: {exc.strerror or exc}")
    if len(body) > limit:
        return Page(url, "", fmt, source, site, _too_large(path.stat().st_size, max_chars, "bytes"))
    try:
        text = decode_html(body) if fmt == "html" else body.decode("utf-8-sig")
    except (DecodeError, UnicodeDecodeError) as exc:
        reason = str(exc) if isinstance(exc, DecodeError) else "undecodable: not valid UTF-8"
        return Page(url, "", fmt, source, site, reason)
    if len(text) > max_chars:
        return Page(url, "", fmt, source, site, _too_large(len(text), max_chars))
    return Page(url, text, fmt, source, site)


# -- WARC ------------------------------------------------------------------------------


def read_warc(path: Path, max_chars: int, stats: ReadStats) -> Iterator[Page]:
    """HTML responses (2xx) of a WARC or WARC.gz file, decoded with their declared charset."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    source = str(path)
    limit = max_chars * BYTES_PER_CHAR
    count = 0
    with path.open("rb") as fh:
        try:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response":
                    continue
                count += 1
                url = record.rec_headers.get_header("WARC-Target-URI") or f"{source}#record={count}"
                http = record.http_headers
                if http is None:
                    stats.skipped["response without HTTP headers"] += 1
                    continue
                content_type = http.get_header("Content-Type") or ""
                if content_type.split(";")[0].strip().lower() not in HTML_TYPES:
                    stats.skipped["non-HTML response"] += 1
                    continue
                if not http.get_statuscode().startswith("2"):
                    stats.skipped["HTTP status not 2xx"] += 1
                    continue
                yield _warc_page(record, url, content_type, source, limit, max_chars)
        except ArchiveLoadFailed as exc:
            reason = f"unreadable WARC after {count} responses: {str(exc)[:200]}"
            yield Page(f"{source}#record={count + 1}", "", "html", source, "", reason)


def _warc_page(
    record: object, url: str, content_type: str, source: str, limit: int, max_chars: int
) -> Page:
    site = site_of(url)
    try:
        body: bytes = record.content_stream().read(limit + 1)  # type: ignore[attr-defined]
    except Exception as exc:  # a broken Content-Encoding, a truncated record
        return Page(url, "", "html", source, site, f"unreadable body: {type(exc).__name__}")
    if len(body) > limit:
        return Page(
            url, "", "html", source, site, _too_large(len(body), max_chars, "bytes or more")
        )
    try:
        text = decode_html(body, declared_charset(content_type))
    except DecodeError as exc:
        return Page(url, "", "html", source, site, str(exc))
    if len(text) > max_chars:
        return Page(url, "", "html", source, site, _too_large(len(text), max_chars))
    return Page(url, text, "html", source, site)
