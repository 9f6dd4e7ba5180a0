"""The LanguageTool-compatible API: in process, and over HTTP with the real ``language_tool_python``.

The rules-only engine keeps these tests independent of model retraining; the
expected matches are the engine's own findings, so the tests follow the rule
files while still pinning the phrases issue 2 requires of corpus file 004.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.languagetool import (
    ISSUE_TYPES,
    TYPE_NAMES,
    AnnotatedText,
    Utf16,
    category_id,
    fact_url,
    parse_check,
    selected,
)
from app.api.languagetool.schemas import LTCheckResponse, LTLanguage
from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine, Finding, severity_rank
from tests.conftest import corpus_text
from tests.server import running_server

EMOJI = "🧬🩺 New! 👍🏽 "  # three characters above U+FFFF (one of them a skin-tone modifier)
SHORT = "Our stem cell injections are completely safe. Call now for a FREE consultation!"


@pytest.fixture(scope="module")
def lt(rules_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(use_model=False), engine=rules_engine)) as c:
        yield c


def u16(text: str, offset: int, length: int) -> str:
    """``text[offset:offset+length]`` with offset and length in UTF-16 units, as Java slices."""
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le")


def java_context(text: str, start16: int, end16: int, size: int = 40) -> tuple[str, int]:
    """LanguageTool's ContextTools.getContext, on UTF-16 units (reference for the tests)."""
    units = len(text.encode("utf-16-le")) // 2
    lo, prefix = (0, "") if start16 - size < 0 else (start16 - size, "...")
    hi, postfix = (units, "") if end16 + size > units else (end16 + size, "...")
    body = u16(text, lo, hi - lo).replace("\n", " ")
    return prefix + body + postfix, len(prefix) + start16 - lo


def reported(engine: Engine, text: str) -> list[Finding]:
    """What ``level=default`` reports: warnings and errors, in offset order."""
    return [f for f in engine.check(text).findings if severity_rank(f.severity) >= 1]


def check(lt: TestClient, **params: str) -> dict[str, Any]:
    r = lt.post("/v2/check", data={"language": "en-US", **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    LTCheckResponse.model_validate(body)
    return body


def test_languages_lists_the_english_variants(lt: TestClient) -> None:
    r = lt.get("/v2/languages")
    assert r.status_code == 200
    langs = [LTLanguage.model_validate(x) for x in r.json()]
    assert {x.longCode for x in langs} >= {"en", "en-US", "en-GB", "en-AU", "en-CA", "en-NZ"}
    assert {x.code for x in langs} == {"en"}
    assert [x.name for x in langs] == sorted(x.name for x in langs)


def test_check_004_reports_the_engine_findings_as_languagetool_matches(
    lt: TestClient, rules_engine: Engine
) -> None:
    text = corpus_text("004")
    body = check(lt, text=text)
    assert body["software"]["apiVersion"] == 1 and body["software"]["name"] == "redflag"
    assert body["warnings"] == {"incompleteResults": False}
    assert body["language"]["code"] == "en-US" and body["language"]["name"] == "English (US)"
    matches = body["matches"]
    expected = reported(rules_engine, text)
    assert [(m["rule"]["id"], u16(text, m["offset"], m["length"])) for m in matches] == [
        (f.id, f.text) for f in expected
    ]
    words = {u16(text, m["offset"], m["length"]).lower(): m["rule"]["id"] for m in matches}
    for phrase, category in [
        ("consistently safe", "absolute-safety"),
        ("vanishingly small", "absolute-safety"),
        ("request information packet", "call-to-action"),
    ]:
        assert words[phrase].startswith(category + ".")
    for m, f in zip(matches, expected, strict=True):
        rule = m["rule"]
        category = rules_engine.rules.categories[f.category]
        assert rule["category"] == {"id": category_id(f.category), "name": category.name}
        assert rule["issueType"] == ISSUE_TYPES[f.severity]
        assert m["type"]["typeName"] == TYPE_NAMES[f.severity]
        assert rule["description"] == rules_engine.rules.rules[f.id].rule.message
        assert m["message"].startswith(f.message) and f.suggestion in m["message"]
        assert m["shortMessage"] == category.name and m["replacements"] == []
        urls = [u["value"] for u in rule["urls"]]
        assert f.facts and urls == [*dict.fromkeys(fact_url(x) for x in f.facts), f.rule_url]
        assert all(u.startswith("https://") for u in urls)
        ctx_text, ctx_offset = java_context(text, m["offset"], m["offset"] + m["length"])
        assert m["context"] == {"text": ctx_text, "offset": ctx_offset, "length": m["length"]}
        assert f.text.replace("\n", " ") in m["sentence"] or m["sentence"] in f.text


def test_get_with_query_parameters_answers_like_post(lt: TestClient) -> None:
    params = {"text": SHORT, "language": "en-GB"}
    got = lt.get("/v2/check", params=params)
    assert got.status_code == 200
    assert got.json() == lt.post("/v2/check", data=params).json()
    assert got.json()["language"]["code"] == "en-GB" and got.json()["matches"]


def test_offsets_count_utf16_units_with_emoji_before_a_finding(
    lt: TestClient, rules_engine: Engine
) -> None:
    text = EMOJI * 3 + SHORT + " 🧪 There is zero risk.\n" + EMOJI + "It is completely safe."
    matches = check(lt, text=text)["matches"]
    expected = reported(rules_engine, text)
    assert len(matches) == len(expected) >= 4
    for m, f in zip(matches, expected, strict=True):
        astral = sum(1 for ch in text[: f.start] if ord(ch) > 0xFFFF)
        assert astral > 0
        assert m["offset"] == f.start + astral and m["length"] == len(f.text)
        assert u16(text, m["offset"], m["length"]) == f.text
        ctx, ctx_offset = m["context"]["text"], m["context"]["offset"]
        assert u16(ctx, ctx_offset, m["length"]) == f.text


def test_context_never_splits_a_surrogate_pair() -> None:
    text = "x" * 10 + "🧬" + "a" * 39 + "completely safe" + "b" * 39 + "🧪" + "y" * 10
    start = text.index("completely")
    index = Utf16(text)
    ctx, offset = index.context(start, start + len("completely safe"))
    assert ctx == "...🧬" + "a" * 39 + "completely safe" + "b" * 39 + "🧪..."
    assert u16(ctx, offset, 15) == "completely safe"
    short = "🧬 completely safe"
    assert Utf16(short).context(3, 18) == java_context(short, 4, 19)


def test_data_annotations_skip_markup_and_count_every_part(lt: TestClient) -> None:
    annotation = [
        {"text": "🧬 Our cells are "},
        {"markup": "<b title='completely safe, no side effects'>"},
        {"text": "completely safe"},
        {"markup": "</b>"},
        {"text": ". Zero"},
        {"markup": "<br/>", "interpretAs": " "},
        {"text": "risk.\n"},
        {"markup": "<!-- no side effects -->"},
        {"markup": "<p>", "interpretAs": "\n\n"},
        {"text": "Read more."},
    ]
    full = "".join(part.get("text", part.get("markup", "")) for part in annotation)
    body = check(lt, data=json.dumps({"annotation": annotation}))
    got = [u16(full, m["offset"], m["length"]) for m in body["matches"]]
    assert got == ["completely safe", "Zero<br/>risk"]
    first = body["matches"][0]
    assert first["sentence"] == "🧬 Our cells are completely safe."
    assert u16(first["context"]["text"], first["context"]["offset"], 15) == "completely safe"
    plain = check(lt, data=json.dumps({"text": "Our cells are completely safe."}))
    assert [m["offset"] for m in plain["matches"]] == [14]


def test_annotated_text_maps_plain_spans_to_the_original() -> None:
    at = AnnotatedText.from_data(
        json.dumps(
            {"annotation": [{"text": "ab"}, {"markup": "<x>", "interpretAs": "--"}, {"text": "cd"}]}
        )
    )
    assert at.plain == "ab--cd" and at.original == "ab<x>cd"
    assert at.to_original(0, 2) == (0, 2)
    assert at.to_original(1, 5) == (1, 6)  # 'b--c' -> 'b<x>c'
    assert at.to_original(2, 3) == (2, 5)  # inside interpretAs -> the whole markup
    assert at.to_original(4, 6) == (5, 7)


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"text": "x"}, 400, "Missing 'language' parameter"),
        ({"text": "x", "language": "de-DE"}, 400, "'de-DE' is not a language code known to"),
        ({"text": "x", "language": "fr"}, 400, "Supported language codes are: auto, en, en-AU"),
        ({"language": "en"}, 400, "Missing 'text' or 'data' parameter"),
        ({"text": "x", "data": "{}", "language": "en"}, 400, "not both"),
        ({"data": "{oops", "language": "en"}, 400, "Could not parse JSON"),
        ({"data": "[]", "language": "en"}, 400, "requires 'text' or 'annotation'"),
        ({"data": '{"text": "a", "annotation": []}', "language": "en"}, 400, "not both"),
        ({"data": '{"annotation": {}}', "language": "en"}, 400, "must be a list"),
        (
            {"data": '{"annotation": [{"text": "a", "markup": "b"}]}', "language": "en"},
            400,
            "not both",
        ),
        (
            {"data": '{"annotation": [{"text": "a", "interpretAs": "b"}]}', "language": "en"},
            400,
            "'text' cannot be used with 'interpretAs'",
        ),
        (
            {"data": '{"annotation": [{"foo": "a"}]}', "language": "en"},
            400,
            "Only 'text' and 'markup'",
        ),
        ({"data": '{"annotation": [{"text": 1}]}', "language": "en"}, 400, "must be a string"),
        ({"data": '{"text": "\\ud800 safe"}', "language": "en"}, 400, "unpaired surrogate"),
        ({"text": "x", "language": "en", "enabledOnly": "true"}, 400, "You must specify enabled"),
        (
            {
                "text": "x",
                "language": "en",
                "enabledOnly": "true",
                "enabledRules": "a",
                "disabledRules": "b",
            },
            400,
            "You cannot specify disabled rules",
        ),
        ({"text": "x", "language": "en", "level": "strict"}, 400, "'level' must be"),
        ({"text": "x", "language": "en", "preferredVariants": "en-GB"}, 400, "language=auto"),
        ({"text": "x", "language": "auto", "preferredVariants": "en"}, 400, "expected a dash"),
    ],
)
def test_bad_parameters_get_languagetool_s_plain_text_errors(
    lt: TestClient, params: dict[str, str], status: int, message: str
) -> None:
    for r in (lt.post("/v2/check", data=params), lt.get("/v2/check", params=params)):
        assert r.status_code == status
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text.startswith("Error: ") and message in r.text


@pytest.mark.parametrize(
    ("language", "extra", "code"),
    [
        ("en", {}, "en"),
        ("en-US", {}, "en-US"),
        ("en-GB", {}, "en-GB"),
        ("EN-au", {}, "en-AU"),
        ("en-ZA", {}, "en-ZA"),
        ("auto", {}, "en-US"),
        ("auto", {"preferredVariants": "de-AT,en-GB"}, "en-GB"),
    ],
)
def test_english_variants_and_auto_are_accepted(
    lt: TestClient, language: str, extra: dict[str, str], code: str
) -> None:
    body = check(lt, text=SHORT, language=language, **extra)
    assert body["language"]["code"] == code
    assert body["language"]["detectedLanguage"]["code"] == code
    assert len(body["matches"]) == 3


def test_rule_and_category_filters(lt: TestClient) -> None:
    def ids(**params: str) -> list[str]:
        return [m["rule"]["id"] for m in check(lt, text=SHORT, **params)["matches"]]

    everything = ids()
    assert everything == [
        "absolute-safety.risk-free",
        "call-to-action.request-book-call",
        "call-to-action.free-offer",
    ]
    assert ids(enabledRules="absolute-safety.risk-free") == everything  # all rules are on already
    assert ids(disabledRules="absolute-safety.risk-free,nonexistent") == everything[1:]
    assert ids(disabledCategories="CALL_TO_ACTION") == everything[:1]
    assert ids(disabledCategories="call-to-action") == everything[:1]
    assert ids(enabledOnly="true", enabledRules="call-to-action.free-offer") == everything[2:]
    assert ids(enabledOnly="yes", enabledCategories="ABSOLUTE_SAFETY") == everything[:1]
    assert ids(enabledOnly="true", enabledCategories="NO_SUCH_CATEGORY") == []
    assert ids(enabledOnly="false", disabledRules="call-to-action.free-offer") == everything[:2]


def _finding(severity: str, rule: str = "absolute-safety.risk-free") -> Finding:
    return Finding(
        id=rule,
        category=rule.split(".")[0],
        severity=severity,  # type: ignore[arg-type]
        message="m",
        start=0,
        end=1,
        line=1,
        column=1,
        end_line=1,
        end_column=2,
        text="x",
        suggestion="s",
        source="rule",
        confidence=0.9,
    )


def test_level_picky_adds_suggestions() -> None:
    default = parse_check({"text": "", "language": "en"})
    picky = parse_check({"text": "", "language": "en", "level": "picky"})
    for severity, in_default in [("suggestion", False), ("warning", True), ("error", True)]:
        assert selected(_finding(severity), default) is in_default
        assert selected(_finding(severity), picky) is True
    only = parse_check(
        {"text": "", "language": "en", "enabledOnly": "true", "enabledRules": "model.testimonial"}
    )
    assert selected(_finding("warning", "model.testimonial"), only)
    assert not selected(_finding("warning", "testimonial.story"), only)


def test_bodies_and_limits(rules_engine: Engine, lt: TestClient) -> None:
    assert check(lt, text="")["matches"] == []
    assert check(lt, text="   \n ")["matches"] == []
    r = lt.post("/v2/check", json={"text": SHORT, "language": "en"})
    assert r.status_code == 400 and "must be form-encoded" in r.text
    ltex = {"content-type": "application/json"}  # LTeX sends its form under this Content-Type
    r = lt.post("/v2/check", content=f"language=en&text={SHORT}".encode(), headers=ltex)
    assert r.status_code == 200 and len(r.json()["matches"]) == 3
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = lt.post("/v2/check", content=b"language=en&text=%FF%FE", headers=form)
    assert r.status_code == 400 and "UTF-8" in r.text
    r = lt.post("/v2/check", content=b"language=en&text=\xff", headers=form)
    assert r.status_code == 400
    raw = "language=en&text=" + SHORT.replace(" ", "+")
    r = lt.post("/v2/check", content=raw.encode(), headers={})  # no Content-Type: read as a form
    assert r.status_code == 200 and len(r.json()["matches"]) == 3
    r = lt.post("/v2/check?language=en-GB", data={"text": SHORT})  # query merged under the body
    assert r.status_code == 200 and r.json()["language"]["code"] == "en-GB"
    small = create_app(Settings(use_model=False, max_text_chars=20), engine=rules_engine)
    with TestClient(small) as c:
        r = c.post("/v2/check", data={"text": SHORT, "language": "en"})
        assert r.status_code == 413 and "exceeds the limit of 20 characters" in r.text
        assert r.headers["content-type"].startswith("text/plain")


def test_other_methods_get_405_naming_get_and_post(lt: TestClient) -> None:
    r = lt.put("/v2/check", data={"text": "x", "language": "en"})
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"


def test_openapi_declares_the_languagetool_endpoints(lt: TestClient) -> None:
    paths = lt.get("/openapi.json").json()["paths"]
    get, post = paths["/v2/check"]["get"], paths["/v2/check"]["post"]
    params = {p["name"]: p for p in get["parameters"]}
    assert params["text"]["required"] and params["language"]["required"]
    assert "en-GB" in params["language"]["schema"]["enum"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(form["required"]) == {"text", "language"} and set(params) == set(form["properties"])
    for op in (get, post):
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "LTCheckResponse"
        )
        assert "text/plain" in op["responses"]["400"]["content"]
        assert "data" in op["description"] and "enabledOnly" in op["description"]
    assert "put" not in paths["/v2/check"]
    assert "/v2/languages" in paths


@pytest.mark.server
def test_language_tool_python_against_a_live_server(rules_engine: Engine) -> None:
    import language_tool_python

    text = corpus_text("004")
    expected = reported(rules_engine, text)
    with (
        running_server(env={"REDFLAG_USE_MODEL": "false"}) as base,
        language_tool_python.LanguageTool("en-US", remote_server=base) as tool,
    ):
        matches = tool.check(text)
        assert [(m.rule_id, text[m.offset : m.offset + m.error_length]) for m in matches] == [
            (f.id, f.text) for f in expected
        ]
        for m, f in zip(matches, expected, strict=True):
            assert m.category == category_id(f.category)
            assert m.rule_issue_type == ISSUE_TYPES[f.severity]
            assert m.message.startswith(unicodedata.normalize("NFKC", f.message))
        found = {text[m.offset : m.offset + m.error_length].lower() for m in matches}
        assert {"consistently safe", "vanishingly small", "request information packet"} <= found

        shifted = EMOJI * 2 + text
        assert [
            (m.rule_id, shifted[m.offset : m.offset + m.error_length]) for m in tool.check(shifted)
        ] == [(f.id, f.text) for f in expected]

        tool.disabled_rules = {"absolute-safety.risk-free"}
        ids = [m.rule_id for m in tool.check(text)]
        assert "absolute-safety.risk-free" not in ids
        assert len(ids) == sum(f.id != "absolute-safety.risk-free" for f in expected)

        tool.disabled_rules = set()
        tool.enabled_rules = {"absolute-safety.risk-free"}
        assert len(tool.check(text)) == len(expected)  # enabling an enabled rule changes nothing
        tool.enabled_rules_only = True
        ids = [m.rule_id for m in tool.check(text)]
        assert ids and set(ids) == {"absolute-safety.risk-free"}

        with pytest.raises(ValueError):
            language_tool_python.LanguageTool("de-DE", remote_server=base)

        annotation = [
            {"text": "Our cells are "},
            {"markup": "<em data-note='completely safe'>"},
            {"text": "completely safe"},
            {"markup": "</em>"},
            {"text": "."},
        ]
        full = "".join(p.get("text", p.get("markup", "")) for p in annotation)
        r = httpx.post(
            base + "/v2/check",
            data={"language": "en-US", "data": json.dumps({"annotation": annotation})},
            timeout=30,
        )
        assert r.status_code == 200
        assert [u16(full, m["offset"], m["length"]) for m in r.json()["matches"]] == [
            "completely safe"
        ]
        assert r.json()["matches"][0]["offset"] == full.rindex("completely safe")
