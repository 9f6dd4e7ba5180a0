"""The parameters of ``/v2/check``, read and checked as a LanguageTool server reads them.

Parameters arrive form-encoded in a POST body or in the query string of a GET;
:func:`decode_params` turns either into one mapping (the last value of a
repeated name wins), and :func:`parse_check` validates it with LanguageTool's
own error messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from app.api.languagetool.errors import LTError
from app.api.languagetool.text import AnnotatedText
from app.engine import CATEGORIES
from app.engine.normalize import has_lone_surrogate


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    code: str  # the short code, "en"
    long_code: str  # "en-US"


# LanguageTool's English variants, in the order its /v2/languages lists them (by name).
LANGUAGES: tuple[Language, ...] = (
    Language("English", "en", "en"),
    Language("English (Australian)", "en", "en-AU"),
    Language("English (Canadian)", "en", "en-CA"),
    Language("English (GB)", "en", "en-GB"),
    Language("English (New Zealand)", "en", "en-NZ"),
    Language("English (South African)", "en", "en-ZA"),
    Language("English (US)", "en", "en-US"),
)
_BY_CODE = {lang.long_code.lower(): lang for lang in LANGUAGES}
AUTO_DEFAULT = _BY_CODE["en-us"]  # what LanguageTool picks for English when detecting
LANGUAGE_CODES: tuple[str, ...] = ("auto", *sorted(lang.long_code for lang in LANGUAGES))

Level = Literal["default", "picky"]


@dataclass(frozen=True, slots=True)
class CheckParams:
    text: AnnotatedText
    language: Language
    auto: bool
    enabled_rules: frozenset[str]
    disabled_rules: frozenset[str]
    enabled_categories: frozenset[str]  # redflag category names
    disabled_categories: frozenset[str]
    enabled_only: bool
    level: Level


def decode_params(raw: bytes) -> dict[str, str]:
    """A form-encoded body or query string (``a=1&b=2``) as a mapping; 400 on bad UTF-8."""
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
        for key, value in pairs:
            params[key] = value
    except UnicodeDecodeError:
        raise LTError("parameters must be UTF-8 (percent-encoded as UTF-8)") from None
    except ValueError as exc:
        raise LTError(f"could not read the parameters: {exc}") from None
    return params


def _list(params: Mapping[str, str], name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def category_name(value: str) -> str:
    """``ABSOLUTE_SAFETY`` (a LanguageTool category id) or ``absolute-safety`` to the redflag name."""
    return value.strip().lower().replace("_", "-")


def find_language(code: str) -> Language:
    lang = _BY_CODE.get(code.lower())  # LanguageTool ignores case too
    if lang is None:
        raise LTError(
            f"'{code}' is not a language code known to LanguageTool. Supported language codes are: "
            f"{', '.join(LANGUAGE_CODES)}. redflag checks English only."
        )
    return lang


def _language(params: Mapping[str, str]) -> tuple[Language, bool]:
    code = params.get("language", "")
    if not code:
        raise LTError(
            "Missing 'language' parameter, e.g. 'language=en-US' for American English "
            "or 'language=fr' for French"
        )
    variants = _list(params, "preferredVariants")
    auto = code.lower() == "auto"
    if variants and not auto:
        raise LTError("You specified 'preferredVariants' but you didn't specify 'language=auto'")
    for variant in variants:
        if "-" not in variant:
            raise LTError(
                f"Invalid format for 'preferredVariants', expected a dash as in 'en-GB': '{variant}'"
            )
    if not auto:
        return find_language(code), False
    for variant in variants:
        if variant.lower().startswith("en-"):
            return find_language(variant), True
    return AUTO_DEFAULT, True


def parse_check(params: Mapping[str, str]) -> CheckParams:
    """Validate the parameters of one check, in LanguageTool's order and words."""
    if "text" in params and "data" in params:
        raise LTError("Set only 'text' or 'data' parameter, not both")
    if "text" in params:
        text = AnnotatedText.from_text(params["text"])
    elif "data" in params:
        text = AnnotatedText.from_data(params["data"])
        if has_lone_surrogate(text.original):
            raise LTError("'data' contains an unpaired surrogate (\\ud800-\\udfff escape)")
    else:
        raise LTError("Missing 'text' or 'data' parameter")
    language, auto = _language(params)
    enabled_only = params.get("enabledOnly", "") in ("true", "yes")
    enabled_rules = frozenset(_list(params, "enabledRules"))
    disabled_rules = frozenset(_list(params, "disabledRules"))
    enabled_cats = frozenset(category_name(c) for c in _list(params, "enabledCategories"))
    disabled_cats = frozenset(category_name(c) for c in _list(params, "disabledCategories"))
    if enabled_only and (disabled_rules or disabled_cats):
        raise LTError("You cannot specify disabled rules or categories using enabledOnly=true")
    if enabled_only and not (enabled_rules or enabled_cats):
        raise LTError("You must specify enabled rules or categories when using enabledOnly=true")
    level = params.get("level", "default")
    if level not in ("default", "picky"):
        raise LTError(f"'level' must be 'default' or 'picky', not '{level}'")
    return CheckParams(
        text=text,
        language=language,
        auto=auto,
        enabled_rules=enabled_rules,
        disabled_rules=disabled_rules,
        enabled_categories=enabled_cats & frozenset(CATEGORIES),
        disabled_categories=disabled_cats & frozenset(CATEGORIES),
        enabled_only=enabled_only,
        level=level,  # type: ignore[arg-type]
    )
