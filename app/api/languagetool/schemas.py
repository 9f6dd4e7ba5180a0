"""OpenAPI declarations of the LanguageTool API: the parameters and the response models.

Field names are LanguageTool's (camelCase), so the models validate a real
LanguageTool answer as well as redflag's.  The parameters are declared by hand
because they are read from the raw form body or query string, not by FastAPI.

The schema declares the parameters every combination of which is accepted
(``text``, ``language``, the rule and category filters, ``level``), so that a
request valid by the schema always gets a 200.  ``data``, ``enabledOnly`` and
``preferredVariants`` are accepted too, as LanguageTool accepts them, but
their valid values depend on each other or are JSON inside a string, which a
schema of form fields cannot say; the operation's description names them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.languagetool.request import LANGUAGE_CODES

REQUIRED = ("text", "language")

# name -> (JSON schema, description)
PARAMETERS: dict[str, tuple[dict[str, Any], str]] = {
    "text": ({"type": "string"}, "The text to check."),
    "language": (
        {"type": "string", "enum": list(LANGUAGE_CODES)},
        "en, en-US, en-GB or another English variant, or auto; anything else gets a 400.",
    ),
    "enabledRules": ({"type": "string"}, "Comma-separated rule ids to enable."),
    "disabledRules": ({"type": "string"}, "Comma-separated rule ids to leave out."),
    "enabledCategories": (
        {"type": "string"},
        "Comma-separated category ids (ABSOLUTE_SAFETY or absolute-safety) to enable.",
    ),
    "disabledCategories": ({"type": "string"}, "Comma-separated category ids to leave out."),
    "level": (
        {"type": "string", "enum": ["default", "picky"]},
        "default reports warnings and errors; picky reports suggestions too.",
    ),
    "motherTongue": ({"type": "string"}, "Accepted and ignored."),
}

CHECK_DESCRIPTION = """LanguageTool's `/v2/check`, answered with redflag's findings as LanguageTool matches
(offsets in UTF-16 units). Besides the declared parameters it accepts LanguageTool's
`data` instead of `text` (JSON: `{"annotation": [{"text": "Our cells are "},
{"markup": "<b>"}, {"text": "completely safe"}, {"markup": "<br/>", "interpretAs": "\\n"}]}`;
only text parts and `interpretAs` values are checked, offsets count every part),
`enabledOnly=true` (only `enabledRules` and `enabledCategories` are reported) and, with
`language=auto`, `preferredVariants`. Errors are LanguageTool's plain-text `Error: ...`.
See docs/languagetool.md."""


def query_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "query",
            "required": name in REQUIRED,
            "schema": schema,
            "description": description,
        }
        for name, (schema, description) in PARAMETERS.items()
    ]


def form_body() -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {**schema, "description": description}
                        for name, (schema, description) in PARAMETERS.items()
                    },
                    "required": list(REQUIRED),
                }
            }
        },
    }


PLAIN_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_DETAIL_JSON = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        }
    }
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "LanguageTool's 'Error: ...' for a bad parameter (JSON for a bad header)",
        "content": {**PLAIN_TEXT, **_DETAIL_JSON},
    },
    413: {
        "description": "Text over the configured limit (JSON when the body is over it)",
        "content": {**PLAIN_TEXT, **_DETAIL_JSON},
    },
    503: {"description": "The check took longer than the time limit", "content": PLAIN_TEXT},
}


class LTLanguage(BaseModel):
    name: str
    code: str
    longCode: str


class LTSoftware(BaseModel):
    name: str
    version: str
    buildDate: str
    apiVersion: int
    premium: bool = False
    status: str


class LTWarnings(BaseModel):
    incompleteResults: bool


class LTDetectedLanguage(BaseModel):
    name: str
    code: str
    confidence: float | None = None


class LTLanguageUsed(BaseModel):
    name: str
    code: str
    detectedLanguage: LTDetectedLanguage


class LTReplacement(BaseModel):
    value: str


class LTContext(BaseModel):
    text: str
    offset: int = Field(description="Offset of the match in the context text, in UTF-16 units")
    length: int


class LTType(BaseModel):
    typeName: Literal["UnknownWord", "Hint", "Other"]


class LTCategory(BaseModel):
    id: str
    name: str


class LTUrl(BaseModel):
    value: str


class LTRule(BaseModel):
    id: str
    description: str
    issueType: str
    urls: list[LTUrl] = Field(
        default_factory=list, description="Sources of the cited facts, then the rule's docs"
    )
    category: LTCategory


class LTMatch(BaseModel):
    message: str
    shortMessage: str = ""
    replacements: list[LTReplacement]
    offset: int = Field(description="UTF-16 offset into the text (or all 'data' parts joined)")
    length: int = Field(description="UTF-16 length")
    context: LTContext
    sentence: str
    type: LTType
    rule: LTRule
    ignoreForIncompleteSentence: bool = False
    contextForSureMatch: int = 0


class LTCheckResponse(BaseModel):
    software: LTSoftware
    warnings: LTWarnings
    language: LTLanguageUsed
    matches: list[LTMatch]
