"""Request and response schemas of the REST API, kept apart from the engine's types.

The response models mirror :meth:`app.engine.Report.to_dict` exactly (a test
checks it); routes return pre-serialised JSON for speed and declare these
models for the OpenAPI document.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.engine.normalize import has_lone_surrogate

Format = Literal["text", "markdown", "html"]
Category = Literal[
    "absolute-safety",
    "efficacy-overclaim",
    "approval-misrepresentation",
    "broad-spectrum",
    "call-to-action",
    "availability-normalization",
    "testimonial",
    "evidence-inflation",
]
SeverityName = Literal["suggestion", "warning", "error"]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_unicode(value: str) -> str:
    """JSON escapes can carry lone surrogates, which are not text and cannot be echoed back."""
    # encoding finds one several times faster than the search, which then places it
    if has_lone_surrogate(value) and (m := _LONE_SURROGATE.search(value)) is not None:
        raise ValueError(
            f"contains a lone surrogate (U+{ord(m.group()):04X}) at character {m.start()}; "
            "send valid Unicode text"
        )
    return value


UnicodeText = Annotated[str, AfterValidator(_valid_unicode)]


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: UnicodeText = Field(description="The text to check, in the given format")
    format: Format = Field("text", description="How to read the text: text, markdown or html")
    categories: list[Category] | None = Field(None, description="Report only these categories")
    min_severity: SeverityName | None = Field(
        None, description="Report only findings at or above this severity"
    )


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UnicodeText = Field(description="The caller's id for this item, echoed in the response")
    text: UnicodeText
    format: Format = "text"


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(description="The items to check; each gets its own report")
    categories: list[Category] | None = None
    min_severity: SeverityName | None = None


class FactOut(BaseModel):
    id: str
    statement: str
    authority: str
    source: str = Field(description="A corpus file name or a URL")
    kind: Literal["corpus", "external"]
    quote: str | None = Field(description="The corpus sentence the fact rests on")
    url: str | None
    verified: bool


class SpanOut(BaseModel):
    start: int
    end: int


class FindingOut(BaseModel):
    id: str = Field(description="The rule id, or model.<category>")
    category: Category
    severity: SeverityName
    message: str
    start: int = Field(description="Character offset into the input")
    end: int
    line: int = Field(description="1-based line of start")
    column: int = Field(description="1-based column of start, in characters")
    end_line: int
    end_column: int
    text: str = Field(description="Exactly input[start:end]")
    suggestion: str
    source: Literal["rule", "model"]
    confidence: float
    facts: list[FactOut]
    contradicts: list[str] = Field(description="Ids of cited facts that the claim contradicts")
    sentence: SpanOut


class DocumentFindingOut(BaseModel):
    id: str
    severity: SeverityName
    message: str
    suggestion: str
    facts: list[FactOut]


class RiskOut(BaseModel):
    score: int = Field(ge=0, le=100)
    level: Literal["low", "medium", "high"]
    counts: dict[str, int]


class CheckResponse(BaseModel):
    schema_version: str
    risk: RiskOut
    findings: list[FindingOut]
    document_findings: list[DocumentFindingOut]
    suppressed: int
    stats: dict[str, int]
    versions: dict[str, str]


class BatchResultItem(CheckResponse):
    id: str


class BatchResponse(BaseModel):
    items: list[BatchResultItem]


class Health(BaseModel):
    status: Literal["ok"]
    model_loaded: bool


class Versions(BaseModel):
    app: str
    rules: str
    model: str
    schema_version: str


class RuleOut(BaseModel):
    id: str
    category: str
    kind: str
    severity: SeverityName
    message: str
    suggestion: str
    facts: list[str]
    help_url: str


class CategoryOut(BaseModel):
    id: str
    name: str
    description: str
    default_severity: SeverityName
    rules: list[RuleOut]


class RulesResponse(BaseModel):
    version: str
    categories: list[CategoryOut]


class FactsResponse(BaseModel):
    facts: list[FactOut]


class ErrorResponse(BaseModel):
    detail: str
