"""The summary of a finished scan: ``summary.json`` and a self-contained ``report.html``.

The figures are aggregated partition by partition (one partition's table in
memory at a time): pages, failures and their reasons, levels, the distribution
of risk scores, findings per category, and the domains with most findings.  The
plots (matplotlib, no display needed) are embedded as base64 PNGs, so the HTML
file opens in a browser on its own.
"""

from __future__ import annotations

import base64
import heapq
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from app.engine import CATEGORIES
from app.engine.risk import HIGH, MEDIUM
from app.scan.readers import ReadStats
from app.scan.results import COUNT_COLUMNS
from app.scan.store import ResultStore

TOP = 15


@dataclass
class DomainStats:
    pages: int = 0
    findings: int = 0
    high: int = 0


@dataclass
class ScanStats:
    pages: int = 0
    failed: int = 0
    findings: int = 0
    score_hist: list[int] = field(default_factory=lambda: [0] * 101)
    levels: Counter[str] = field(default_factory=Counter)
    category_findings: Counter[str] = field(default_factory=Counter)
    category_pages: Counter[str] = field(default_factory=Counter)
    document_findings: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    domains: dict[str, DomainStats] = field(default_factory=dict)
    riskiest: list[tuple[int, int, str]] = field(default_factory=list)  # (score, -seq, url)
    versions: set[tuple[str, str, str]] = field(default_factory=set)
    records_skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        top_domains = sorted(self.domains.items(), key=lambda kv: (-kv[1].findings, kv[0]))[:100]
        return {
            "pages": self.pages,
            "failed": self.failed,
            "findings": self.findings,
            "levels": dict(self.levels),
            "score_histogram": {str(s): n for s, n in enumerate(self.score_hist) if n},
            "findings_per_category": {c: self.category_findings[c] for c in CATEGORIES},
            "pages_per_category": {c: self.category_pages[c] for c in CATEGORIES},
            "document_findings": dict(self.document_findings),
            "failure_reasons": dict(self.failures),
            "records_skipped": self.records_skipped,
            "top_domains": [
                {"domain": d, "pages": s.pages, "findings": s.findings, "high": s.high}
                for d, s in top_domains
            ],
            "riskiest_pages": [
                {"url": url, "score": score} for score, _, url in self._riskiest_sorted()
            ],
            "versions": [{"app": a, "model": m, "rules": r} for a, m, r in sorted(self.versions)],
        }

    def _riskiest_sorted(self) -> list[tuple[int, int, str]]:
        return sorted(self.riskiest, reverse=True)


def aggregate(store: ResultStore, read_stats: ReadStats | None = None) -> ScanStats:
    stats = ScanStats()
    if read_stats is not None:
        stats.records_skipped = dict(read_stats.skipped)
    columns = [
        "seq",
        "url",
        "domain",
        "status",
        "error",
        "risk_score",
        "risk_level",
        "findings",
        "document_findings",
        "app_version",
        "model_version",
        "rules_version",
        *COUNT_COLUMNS.values(),
    ]
    for part in store.iter_tables("pages", columns):
        _add_partition(stats, part)
    return stats


def _add_partition(stats: ScanStats, part: pa.Table) -> None:
    stats.pages += part.num_rows
    ok = part.filter(pc.equal(part["status"], "ok"))
    failed = part.filter(pc.not_equal(part["status"], "ok"))
    stats.failed += failed.num_rows
    for error in failed["error"].to_pylist():
        stats.failures[(error or "unknown").split(":")[0]] += 1
    stats.findings += int(pc.sum(ok["findings"]).as_py() or 0)
    for score in ok["risk_score"].to_pylist():
        stats.score_hist[int(score)] += 1
    stats.levels.update(ok["risk_level"].to_pylist())
    for cat, col in COUNT_COLUMNS.items():
        stats.category_findings[cat] += int(pc.sum(ok[col]).as_py() or 0)
        stats.category_pages[cat] += int(pc.sum(pc.greater(ok[col], 0)).as_py() or 0)
    for ids in ok["document_findings"].to_pylist():
        stats.document_findings.update(ids or [])
    for a, m, r in zip(
        part["app_version"].to_pylist(),
        part["model_version"].to_pylist(),
        part["rules_version"].to_pylist(),
        strict=True,
    ):
        stats.versions.add((a or "", m or "", r or ""))
    for domain, n, level in zip(
        ok["domain"].to_pylist(),
        ok["findings"].to_pylist(),
        ok["risk_level"].to_pylist(),
        strict=True,
    ):
        d = stats.domains.setdefault(domain or "(no domain)", DomainStats())
        d.pages += 1
        d.findings += n
        d.high += level == "high"
    for seq, url, score in zip(
        ok["seq"].to_pylist(), ok["url"].to_pylist(), ok["risk_score"].to_pylist(), strict=True
    ):
        item = (int(score), -int(seq), url)
        if len(stats.riskiest) < 20:
            heapq.heappush(stats.riskiest, item)
        else:
            heapq.heappushpop(stats.riskiest, item)


# -- plots -----------------------------------------------------------------------------


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(stats: ScanStats) -> dict[str, str]:
    from matplotlib.figure import Figure

    plots: dict[str, str] = {}

    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    bins = [sum(stats.score_hist[i : i + 10]) for i in range(0, 100, 10)]
    bins[-1] += stats.score_hist[100]
    colours = [  # the level of each bin's first score
        "#c0392b" if i >= HIGH else "#e0a000" if i >= MEDIUM else "#4c9a2a"
        for i in range(0, 100, 10)
    ]
    labels = [f"{i}-{i + 9}" for i in range(0, 90, 10)] + ["90-100"]
    ax.bar(labels, bins, color=colours)
    ax.set_xlabel("risk score")
    ax.set_ylabel("pages")
    ax.set_title("Distribution of risk scores")
    plots["scores"] = _png(fig)

    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    cats = sorted(CATEGORIES, key=lambda c: stats.category_findings[c])
    ax.barh(cats, [stats.category_findings[c] for c in cats], color="#2c6fbb")
    ax.set_xlabel("findings")
    ax.set_title("Categories most often found")
    plots["categories"] = _png(fig)

    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    top = sorted(stats.domains.items(), key=lambda kv: (-kv[1].findings, kv[0]))[:TOP][::-1]
    ax.barh([d for d, _ in top], [s.findings for _, s in top], color="#8e44ad")
    ax.set_xlabel("findings")
    ax.set_title(f"Domains with most findings (top {TOP})")
    plots["domains"] = _png(fig)
    return plots


# -- HTML ------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f4f4f4}td.n{text-align:right}img{max-width:100%}.muted{color:#666}
"""


def _table(head: list[str], rows: list[list[Any]]) -> str:
    e = html.escape
    out = ["<table><tr>", *(f"<th>{e(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        cells = (
            f'<td class="n">{v:,}</td>' if isinstance(v, int) else f"<td>{e(str(v))}</td>"
            for v in row
        )
        out += ["<tr>", *cells, "</tr>"]
    out.append("</table>")
    return "".join(out)


def render_html(stats: ScanStats, title: str) -> str:
    e = html.escape
    plots = _plots(stats)
    ok = stats.pages - stats.failed
    top_domains = sorted(stats.domains.items(), key=lambda kv: (-kv[1].findings, kv[0]))[:TOP]
    versions = ", ".join(f"app {a}, model {m}, rules {r}" for a, m, r in sorted(stats.versions))
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">{e(versions)}</p>',
        _table(
            ["pages", "checked", "failed", "findings", "high", "medium", "low"],
            [
                [
                    stats.pages,
                    ok,
                    stats.failed,
                    stats.findings,
                    stats.levels["high"],
                    stats.levels["medium"],
                    stats.levels["low"],
                ]
            ],
        ),
        f'<h2>Risk scores</h2><img alt="Distribution of risk scores" src="data:image/png;base64,{plots["scores"]}">',
        f'<h2>Categories</h2><img alt="Categories most often found" src="data:image/png;base64,{plots["categories"]}">',
        _table(
            ["category", "findings", "pages"],
            [[c, stats.category_findings[c], stats.category_pages[c]] for c in CATEGORIES],
        ),
        f'<h2>Domains</h2><img alt="Domains with most findings" src="data:image/png;base64,{plots["domains"]}">',
        _table(
            ["domain", "pages", "findings", "high-risk pages"],
            [[d, s.pages, s.findings, s.high] for d, s in top_domains],
        ),
        "<h2>Riskiest pages</h2>",
        _table(["score", "url"], [[score, url] for score, _, url in stats._riskiest_sorted()]),
    ]
    if stats.document_findings:
        parts += [
            "<h2>Document findings</h2>",
            _table(["id", "pages"], [[k, v] for k, v in stats.document_findings.most_common()]),
        ]
    if stats.failures or stats.records_skipped:
        parts += [
            "<h2>Pages not checked</h2>",
            _table(
                ["reason", "count"],
                [[f"failed: {k}", v] for k, v in stats.failures.most_common()]
                + [[f"skipped record: {k}", v] for k, v in sorted(stats.records_skipped.items())],
            ),
        ]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(store: ResultStore, read_stats: ReadStats | None = None) -> Path:
    """Write ``summary.json`` and ``report.html`` into the results folder; returns the HTML path."""
    stats = aggregate(store, read_stats)
    (store.out / "summary.json").write_bytes(
        orjson.dumps(stats.to_dict(), option=orjson.OPT_INDENT_2)
    )
    path = store.out / "report.html"
    path.write_text(render_html(stats, f"redflag scan: {store.out.name}"), "utf-8")
    return path
