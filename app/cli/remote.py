"""``redflag check --server URL``: the files are checked by a running redflag service.

The service's ``POST /check/batch`` takes ``categories`` and ``min_severity``;
the other options (rules turned off, severity overrides, allowed phrases) are
applied here to the findings it returns, and the risk score is recomputed
from what is left, so the output is the same as a local check's.  Reports
come back as the versioned JSON of ``Report.to_dict`` and are turned back
into the engine's own types, so every output format renders them the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx
import orjson

from app import __version__
from app.cli.catalog import Catalog
from app.cli.runner import CheckFailed, Chunk
from app.engine import CheckOptions, DocumentFinding, Fact, Finding, Report, Risk
from app.engine.checker import OptionFilter
from app.engine.risk import risk_of

API_KEY_ENV = "REDFLAG_API_KEY"


def fact_from_dict(d: Mapping[str, Any], known: dict[Any, Fact] | None = None) -> Fact:
    """The fact of its JSON form; with ``known``, the same object for the same form (a
    report cites each fact again in every finding: a site's responses hold hundreds of
    thousands of copies of a few dozen facts)."""
    if known is None:
        return _fact(d)
    key = tuple(d.items())
    fact = known.get(key)
    if fact is None:
        fact = known[key] = _fact(d)
    return fact


def _fact(d: Mapping[str, Any]) -> Fact:
    return Fact(
        id=d["id"],
        statement=d["statement"],
        authority=d["authority"],
        source=d["source"],
        kind=d.get("kind", "external"),
        quote=d.get("quote"),
        url=d.get("url"),
        verified=bool(d.get("verified", True)),
    )


def report_from_dict(
    d: Mapping[str, Any], rule_urls: Mapping[str, str], known: dict[Any, Fact] | None = None
) -> Report:
    """The report of its JSON form (``known``: see :func:`fact_from_dict`)."""
    findings = tuple(
        Finding(
            id=f["id"],
            category=f["category"],
            severity=f["severity"],
            message=f["message"],
            start=f["start"],
            end=f["end"],
            line=f["line"],
            column=f["column"],
            end_line=f["end_line"],
            end_column=f["end_column"],
            text=f["text"],
            suggestion=f["suggestion"],
            source=f["source"],
            confidence=float(f["confidence"]),
            facts=tuple(fact_from_dict(x, known) for x in f.get("facts", [])),
            contradicts=tuple(f.get("contradicts", [])),
            sentence_start=f.get("sentence", {}).get("start", 0),
            sentence_end=f.get("sentence", {}).get("end", 0),
            rule_url=rule_urls.get(f["id"]) or rule_urls.get(f["category"]),
        )
        for f in d["findings"]
    )
    docs = tuple(
        DocumentFinding(
            id=x["id"],
            severity=x["severity"],
            message=x["message"],
            suggestion=x["suggestion"],
            facts=tuple(fact_from_dict(y, known) for y in x.get("facts", [])),
        )
        for x in d["document_findings"]
    )
    risk = d["risk"]
    return Report(
        findings=findings,
        document_findings=docs,
        risk=Risk(score=risk["score"], level=risk["level"], counts=dict(risk["counts"])),
        suppressed=int(d.get("suppressed", 0)),
        stats=dict(d.get("stats", {})),
        versions=dict(d.get("versions", {})),
    )


def refine(report: Report, opts: CheckOptions, source: str) -> Report:
    """Apply the options the service does not take, as the engine does."""
    keep = OptionFilter(opts, source)
    kept: list[Finding] = []
    for f in report.findings:
        sev = keep(f)
        if sev is not None:
            kept.append(replace(f, severity=sev) if sev != f.severity else f)
    if len(kept) == len(report.findings) and all(
        a is b for a, b in zip(kept, report.findings, strict=True)
    ):
        return report
    return replace(report, findings=tuple(kept), risk=risk_of(kept))


class ServiceClient:
    """A thin httpx client for a redflag service."""

    max_chunk_items = 100
    max_chunk_bytes = 1_000_000

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise CheckFailed(f"--server {url!r}: expected an http:// or https:// URL")
        headers = {"User-Agent": f"redflag-cli/{__version__}"}
        if key := os.environ.get(API_KEY_ENV):
            headers["X-API-Key"] = key
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, timeout=timeout, headers=headers)
        self._rule_urls: dict[str, str] = {}
        self._facts: dict[Any, Fact] = {}  # one object a fact (fact_from_dict)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = self._client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise CheckFailed(f"cannot reach the redflag service at {self.url}: {exc}") from None
        if resp.status_code != 200:
            try:
                body = resp.json()
                detail = body.get("message") or body.get("detail")
            except ValueError:
                detail = resp.text[:200]
            raise CheckFailed(
                f"the redflag service at {self.url} answered {resp.status_code} to {method} {path}: {detail}"
            )
        try:
            return orjson.loads(resp.content)  # a site's answers are many megabytes
        except ValueError:
            raise CheckFailed(
                f"the redflag service at {self.url} sent a response that is not JSON"
            ) from None

    def catalog(self) -> Catalog:
        catalog = Catalog.from_api(self._call("GET", "/rules"))
        self._rule_urls = {r.id: r.help_url for r in catalog.rules.values()}
        self._rule_urls.update({c.id: c.help_url for c in catalog.categories.values()})
        return catalog

    def check_chunk(self, chunk: Chunk) -> list[tuple[int, Report]]:
        opts = chunk.options
        body = {
            "items": [{"id": str(i), "text": t, "format": f} for i, t, f in chunk.items],
            "categories": sorted(opts.categories) if opts.categories is not None else None,
            # an override may raise a severity: ask for everything, filter here
            "min_severity": "suggestion" if opts.severity_overrides else opts.min_severity,
        }
        data = self._call("POST", "/check/batch", json=body)
        by_id = {str(item["id"]): item for item in data.get("items", [])}
        out = []
        for i, text, _ in chunk.items:
            item = by_id.get(str(i))
            if item is None:
                raise CheckFailed(f"the redflag service at {self.url} left out item {i}")
            report = report_from_dict(item, self._rule_urls, self._facts)
            out.append((i, refine(report, opts, text)))
        return out
