"""``redflag check --server URL`` against a real uvicorn server: the same output as a local check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SITE, Cli, write_site
from tests.server import free_port, running_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    # rules only, like the local checks of these tests, so both sides run the same engine
    with running_server(
        env={"REDFLAG_USE_MODEL": "false", "REDFLAG_MAX_TEXT_CHARS": "20000"}
    ) as url:
        yield url


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "rdjson"])
@pytest.mark.usefixtures("fresh_engine")
def test_same_output_as_local(cli: Cli, server: str, fmt: str) -> None:
    local = cli("--format", fmt, cwd=SITE)
    remote = cli("--format", fmt, "--server", server, cwd=SITE)
    assert remote.code == local.code == 1, remote.err
    if fmt in ("json", "sarif", "rdjson"):
        assert json.loads(remote.out) == json.loads(local.out)
    else:
        assert remote.out == local.out


@pytest.mark.usefixtures("fresh_engine")
def test_options_the_service_does_not_take_are_applied(
    cli: Cli, server: str, tmp_path: Path
) -> None:
    page = (
        "Our injections are completely safe.\n\nThey have no side effects.\n\n"
        "Call now to book your consultation.\n\nIt is risk-free.\n"
    )
    write_site(
        tmp_path,
        {
            "a.md": page,
            "blog/b.html": f"<p>{page}</p>",
            ".redflag.toml": (
                'min-severity = "warning"\nallowed-phrases = ["completely safe"]\n'
                'severity = { "call-to-action" = "error" }\n'
                '[[overrides]]\nfiles = ["blog/**"]\ndisable = ["call-to-action"]\n'
            ),
        },
    )
    local = json.loads(cli("--format", "json", cwd=tmp_path).out)
    remote = json.loads(cli("--format", "json", "--server", server, cwd=tmp_path).out)
    assert remote == local
    findings = [x for f in local["files"] for x in f["report"]["findings"]]
    assert all("completely safe" not in x["text"] for x in findings)
    assert any("risk-free" in x["text"] for x in findings)
    assert any(x["category"] == "call-to-action" and x["severity"] == "error" for x in findings)


def test_stdin_goes_to_the_server_too(cli: Cli, server: str, tmp_path: Path) -> None:
    run = cli(
        "--no-config", "--server", server, "-", cwd=tmp_path, stdin="It is completely safe.\n"
    )
    assert run.code == 1 and run.out.startswith("<stdin>\n")


def test_service_errors_exit_2(cli: Cli, server: str, tmp_path: Path) -> None:
    write_site(tmp_path, {"big.md": "word " * 5000})  # over the server's text limit
    run = cli("--no-config", "--server", server, cwd=tmp_path)
    assert run.code == 2
    assert "answered 413 to POST /check/batch" in run.err and "over the limit" in run.err


def test_unreachable_server_exits_2(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"a.md": "text\n"})
    url = f"http://127.0.0.1:{free_port()}"
    run = cli("--no-config", "--server", url, cwd=tmp_path)
    assert run.code == 2
    assert f"cannot reach the redflag service at {url}" in run.err
    run = cli("--no-config", "--server", "localhost:8000", cwd=tmp_path)
    assert run.code == 2 and "expected an http:// or https:// URL" in run.err


def test_a_fact_cited_again_is_one_object() -> None:
    from app.cli.remote import report_from_dict
    from app.engine import Engine, Fact

    report = Engine(use_model=False).check("Our stem cell shots are 100% safe and cure arthritis.")
    cited = [fact for f in report.findings for fact in f.facts]
    assert len(cited) > len({fact.id for fact in cited})  # some fact is cited twice
    data = json.loads(json.dumps(report.to_dict()))
    known: dict[Any, Fact] = {}
    shared = report_from_dict(data, {}, known)
    alone = report_from_dict(data, {})
    assert shared == alone and shared.to_dict() == report.to_dict()
    again = [fact for f in shared.findings for fact in f.facts]
    again += [fact for d in shared.document_findings for fact in d.facts]
    assert len({id(fact) for fact in again}) == len({fact.id for fact in again}) == len(known)
    changed = {**data["findings"][0]["facts"][0], "statement": "Another."}
    other = {**data, "findings": [{**data["findings"][0], "facts": [changed]}]}
    assert report_from_dict(other, {}, known).findings[0].facts[0].statement == "Another."
