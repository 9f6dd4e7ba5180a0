"""Configuration: discovery, validation, and precedence (command line > overrides > file > defaults)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli.catalog import Catalog, CategoryInfo, RuleInfo
from app.cli.config import (
    ConfigError,
    FileSettings,
    LoadedConfig,
    Resolver,
    RuleSettings,
    discover,
    load_file,
)
from tests.cli.conftest import Cli, write_site

PAGE = (
    "Our stem cell injections are completely safe.\n\n"  # absolute-safety.risk-free, error
    "Call now to book your consultation.\n"  # call-to-action, warning
)


def _catalog() -> Catalog:
    def rule(rid: str, cat: str) -> RuleInfo:
        return RuleInfo(rid, cat, cat, "error", "", "m", "s", "https://example.org")

    rules = {
        r.id: r
        for r in (
            rule("absolute-safety.risk-free", "absolute-safety"),
            rule("absolute-safety.track-record", "absolute-safety"),
            rule("call-to-action.urgency", "call-to-action"),
        )
    }
    cats = {
        c: CategoryInfo(c, c, "", "error", "https://example.org")
        for c in ("absolute-safety", "call-to-action")
    }
    return Catalog(rules, cats)


def _resolver(file: dict[str, Any], cli: dict[str, Any] | None = None) -> Resolver:
    config = LoadedConfig(FileSettings.model_validate(file), None, Path("/site"))
    return Resolver(config, RuleSettings.model_validate(cli or {}), _catalog())


# -- discovery ----------------------------------------------------------------------------


def test_discovery_walks_up_and_prefers_redflag_toml(tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "pyproject.toml": '[tool.redflag]\nmin-severity = "error"\n',
            "a/pyproject.toml": '[project]\nname = "x"\n',  # no [tool.redflag]: skipped
            "a/b/.keep": "",
        },
    )
    found = discover(tmp_path / "a" / "b")
    assert found.path == tmp_path / "pyproject.toml"
    assert found.root == tmp_path.resolve()
    assert found.settings.min_severity == "error"
    (tmp_path / ".redflag.toml").write_text('min-severity = "warning"\n', "utf-8")
    found = discover(tmp_path / "a" / "b")
    assert found.path == tmp_path / ".redflag.toml"
    assert found.settings.min_severity == "warning"


def test_no_configuration_file_means_defaults(tmp_path: Path) -> None:
    found = discover(tmp_path)
    assert found.path is None or not found.path.is_relative_to(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min-severity = \n", "not valid TOML"),
        ('colour = "red"\n', "colour: unknown setting"),
        ('min-severity = "fatal"\n', "min-severity: Input should be"),
        ('fail-on = "sometimes"\n', "fail-on: Input should be"),
        ("disable = 3\n", "disable: Input should be a valid list"),
        ("[[overrides]]\nfiles = []\n", "overrides.0.files"),
        ('[[overrides]]\nmin-severity = "error"\n', "overrides.0.files: Field required"),
        ('[severity]\n"absolute-safety" = "high"\n', "severity.absolute-safety"),
    ],
)
def test_bad_configuration_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".redflag.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_file(path)
    assert str(path) in str(exc.value)
    assert message in str(exc.value)


def test_pyproject_without_table_named_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"has no \[tool.redflag\] table"):
        load_file(path)


def test_unknown_ids_in_the_file_are_errors(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"p.md": PAGE, ".redflag.toml": 'disable = ["absolute-safety.nope"]\n'})
    run = cli(cwd=tmp_path)
    assert run.code == 2
    assert ".redflag.toml: disable: unknown rule or category 'absolute-safety.nope'" in run.err
    write_site(tmp_path, {".redflag.toml": '[[overrides]]\nfiles = ["x"]\nenable = ["nope"]\n'})
    assert "overrides[0]: enable: unknown rule or category 'nope'" in cli(cwd=tmp_path).err


# -- precedence (unit) ----------------------------------------------------------------------


def test_defaults() -> None:
    fo = _resolver({}).for_path("a.md")
    assert fo.options.categories is None
    assert fo.options.min_severity == "suggestion"
    assert fo.fail_on == "error"
    assert fo.options.disabled_rules == frozenset()


def test_command_line_beats_override_beats_file() -> None:
    file = {
        "min-severity": "warning",
        "fail-on": "warning",
        "severity": {"absolute-safety": "warning", "call-to-action": "error"},
        "overrides": [
            {
                "files": ["blog/**"],
                "min-severity": "error",
                "severity": {"absolute-safety": "suggestion"},
            }
        ],
    }
    r = _resolver(file)
    top, blog = r.for_path("index.md"), r.for_path("blog/post.md")
    assert (top.options.min_severity, blog.options.min_severity) == ("warning", "error")
    assert top.options.severity_overrides["absolute-safety"] == "warning"
    assert blog.options.severity_overrides["absolute-safety"] == "suggestion"
    assert blog.options.severity_overrides["call-to-action"] == "error"  # merged, not replaced
    assert blog.fail_on == "warning"
    r = _resolver(file, {"min_severity": "suggestion", "fail_on": "never"})
    blog = r.for_path("blog/post.md")
    assert blog.options.min_severity == "suggestion" and blog.fail_on == "never"


def test_later_overrides_win_and_globs_are_relative_to_the_root() -> None:
    file = {
        "overrides": [
            {"files": ["*.html"], "fail-on": "warning"},
            {"files": ["legacy/"], "fail-on": "never"},
        ]
    }
    r = _resolver(file)
    assert r.for_path("x/page.html").fail_on == "warning"  # a bare glob matches at any depth
    assert r.for_path("legacy/page.html").fail_on == "never"
    assert r.for_path("page.md").fail_on == "error"
    assert r.for_path(None).fail_on == "error"  # standard input without --stdin-filename


def test_categories_disable_enable() -> None:
    r = _resolver(
        {"categories": ["absolute-safety", "call-to-action"], "disable": ["call-to-action"]},
        {"enable": ["call-to-action"], "disable": ["absolute-safety.track-record"]},
    )
    opts = r.for_path("a.md").options
    assert opts.categories == frozenset({"absolute-safety", "call-to-action"})
    assert opts.disabled_rules == frozenset({"absolute-safety.track-record"})


def test_enabling_one_rule_of_a_disabled_category() -> None:
    opts = _resolver(
        {"disable": ["absolute-safety"]}, {"enable": ["absolute-safety.risk-free"]}
    ).for_path("a.md")
    assert opts.options.categories is None  # every category is back on...
    assert "absolute-safety.risk-free" not in opts.disabled_ids
    assert {"absolute-safety.track-record", "model.absolute-safety"} <= opts.disabled_ids  # ...but


def test_allowed_phrases_add_up() -> None:
    r = _resolver(
        {"allowed-phrases": ["a"], "overrides": [{"files": ["b/**"], "allowed-phrases": ["b"]}]},
        {"allowed_phrases": ["c"]},
    )
    assert r.for_path("b/x.md").options.allowed_phrases == ("a", "b", "c")
    assert r.for_path("x.md").options.allowed_phrases == ("a", "c")


# -- precedence (end to end) -------------------------------------------------------------------


def _ids(cli: Cli, cwd: Path, *args: str) -> list[tuple[str, str, str]]:
    run = cli("--format", "json", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    doc = json.loads(run.out)
    return [
        (f["path"], x["id"], x["severity"]) for f in doc["files"] for x in f["report"]["findings"]
    ]


def test_precedence_end_to_end(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "page.md": PAGE,
            "blog/post.md": PAGE,
            "pyproject.toml": (
                "[tool.redflag]\n"
                'min-severity = "error"\n'
                '[[tool.redflag.overrides]]\nfiles = ["blog/**"]\nmin-severity = "warning"\n'
                'severity = { "absolute-safety" = "warning" }\n'
            ),
        },
    )
    got = _ids(cli, tmp_path)
    assert ("page.md", "absolute-safety.risk-free", "error") in got
    assert not any(p == "page.md" and i.startswith("call-to-action") for p, i, _ in got)
    assert ("blog/post.md", "absolute-safety.risk-free", "warning") in got
    assert any(p == "blog/post.md" and i.startswith("call-to-action") for p, i, _ in got)
    # the command line wins over both
    got = _ids(cli, tmp_path, "--min-severity", "suggestion", "--severity", "absolute-safety=error")
    assert ("blog/post.md", "absolute-safety.risk-free", "error") in got
    assert any(p == "page.md" and i.startswith("call-to-action") for p, i, _ in got)
    # run from a subfolder: the same file is found by walking up
    got = _ids(cli, tmp_path / "blog", ".")
    assert got == [("post.md", "absolute-safety.risk-free", "warning")] + [
        x for x in got if x[1].startswith("call-to-action")
    ]


def test_disable_and_allowed_phrases_end_to_end(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"page.md": PAGE})
    assert any(i == "absolute-safety.risk-free" for _, i, _ in _ids(cli, tmp_path, "--no-config"))
    got = _ids(cli, tmp_path, "--no-config", "--disable", "absolute-safety.risk-free")
    assert not any(i == "absolute-safety.risk-free" for _, i, _ in got)
    got = _ids(cli, tmp_path, "--no-config", "--allow", "completely safe")
    assert not any(i.startswith("absolute-safety") for _, i, _ in got)
    got = _ids(cli, tmp_path, "--no-config", "--categories", "call-to-action")
    assert got and all(i.startswith("call-to-action") for _, i, _ in got)


def test_named_config_file(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "page.md": PAGE,
            ".redflag.toml": 'fail-on = "never"\n',
            "ci/strict.toml": 'fail-on = "warning"\ncategories = ["call-to-action"]\n',
        },
    )
    assert cli(cwd=tmp_path).code == 0
    run = cli("--config", "ci/strict.toml", cwd=tmp_path)
    assert run.code == 1
    assert "absolute-safety" not in run.out
