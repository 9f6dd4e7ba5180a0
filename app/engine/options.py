"""What a check reports (:class:`CheckOptions`): light enough for the shells to import
without the engine (``redflag serve``'s supervisor and the CLI's parser never load it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.engine.finding import CATEGORIES, SEVERITIES, Severity


@dataclass(frozen=True)
class CheckOptions:
    """What to report.  ``None`` means no restriction."""

    categories: frozenset[str] | None = None
    min_severity: Severity = "suggestion"
    enabled_rules: frozenset[str] | None = (
        None  # only these rule ids (and model findings of their categories)
    )
    disabled_rules: frozenset[str] = frozenset()
    severity_overrides: Mapping[str, Severity] = field(
        default_factory=dict
    )  # rule id or category -> severity
    allowed_phrases: tuple[str, ...] = ()
    use_model: bool = True
    honor_directives: bool = True

    def __post_init__(self) -> None:
        if self.categories is not None:
            unknown = set(self.categories) - set(CATEGORIES)
            if unknown:
                raise ValueError(
                    f"unknown categories: {sorted(unknown)}; expected some of {list(CATEGORIES)}"
                )
        if self.min_severity not in SEVERITIES:
            raise ValueError(
                f"unknown severity {self.min_severity!r}; expected one of {list(SEVERITIES)}"
            )
        for key, sev in self.severity_overrides.items():
            if sev not in SEVERITIES:
                raise ValueError(
                    f"severity override for {key!r}: {sev!r} is not one of {list(SEVERITIES)}"
                )
