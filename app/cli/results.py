"""The result of a ``redflag check`` run, as every output format sees it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from app.cli.catalog import Catalog
from app.cli.files import Target
from app.engine import SEVERITIES, DocumentFinding, Finding, Report, severity_rank


@dataclass(frozen=True)
class CheckedFile:
    target: Target
    source: str  # the text that was checked (front matter blanked)
    report: Report  # findings after options, inline suppression and the baseline
    fail_on: str  # this file's --fail-on (overrides may change it per file)
    baselined: int = 0  # findings left out because the baseline has them

    @property
    def path(self) -> str:
        return self.target.display

    def fails(self, severity: str) -> bool:
        return self.fail_on != "never" and severity_rank(severity) >= severity_rank(self.fail_on)

    def all_findings(self) -> Iterator[Finding | DocumentFinding]:
        yield from self.report.findings
        yield from self.report.document_findings


@dataclass(frozen=True)
class Summary:
    files: int
    files_with_findings: int
    findings: int  # span findings and document findings
    by_severity: dict[str, int]
    suppressed: int
    baselined: int
    failing: int  # findings at or above their file's fail-on

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "files_with_findings": self.files_with_findings,
            "findings": self.findings,
            "by_severity": dict(self.by_severity),
            "suppressed": self.suppressed,
            "baselined": self.baselined,
            "failing": self.failing,
        }


@dataclass
class RunResult:
    files: list[CheckedFile]
    catalog: Catalog
    fail_on: str  # the run's --fail-on (before per-file overrides)
    versions: dict[str, str] = field(default_factory=dict)
    baseline: str | None = None  # the baseline file in use, if any

    def summary(self) -> Summary:
        by_sev = dict.fromkeys(SEVERITIES, 0)
        failing = with_findings = suppressed = baselined = 0
        for f in self.files:
            suppressed += f.report.suppressed
            baselined += f.baselined
            here = dict.fromkeys(SEVERITIES, 0)
            for x in f.all_findings():
                here[x.severity] += 1
            if any(here.values()):
                with_findings += 1
            for severity, n in here.items():  # CheckedFile.fails, once a severity
                by_sev[severity] += n
                failing += n if n and f.fails(severity) else 0
        return Summary(
            files=len(self.files),
            files_with_findings=with_findings,
            findings=sum(by_sev.values()),
            by_severity=by_sev,
            suppressed=suppressed,
            baselined=baselined,
            failing=failing,
        )
