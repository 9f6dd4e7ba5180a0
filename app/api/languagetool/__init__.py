"""LanguageTool's v2 HTTP API over the redflag engine: parameters, offsets and the answer.

The route is :mod:`app.api.routes.languagetool`; this package holds what it
needs and nothing web-specific: reading the parameters (:mod:`.request`),
annotated text and UTF-16 offsets (:mod:`.text`), the category and severity
mapping (:mod:`.mapping`), the answer (:mod:`.response`) and its OpenAPI
declarations (:mod:`.schemas`).
"""

from app.api.languagetool.errors import LTError
from app.api.languagetool.mapping import ISSUE_TYPES, TYPE_NAMES, category_id, fact_url
from app.api.languagetool.request import LANGUAGES, CheckParams, decode_params, parse_check
from app.api.languagetool.response import check_response, selected
from app.api.languagetool.text import AnnotatedText, Utf16

__all__ = [
    "ISSUE_TYPES",
    "LANGUAGES",
    "TYPE_NAMES",
    "AnnotatedText",
    "CheckParams",
    "LTError",
    "Utf16",
    "category_id",
    "check_response",
    "decode_params",
    "fact_url",
    "parse_check",
    "selected",
]
