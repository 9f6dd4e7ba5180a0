"""Which files are checked (folders, globs, .gitignore, standard input) and where findings land."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.cli.files import _under, blank_front_matter
from tests.cli.conftest import Cli, write_site

BAD = "Our injections are completely safe.\n"


def _checked(cli: Cli, cwd: Path, *args: str) -> list[str]:
    run = cli("--format", "json", "--no-config", *args, cwd=cwd)
    assert run.code in (0, 1), run.err
    return [f["path"] for f in json.loads(run.out)["files"]]


def test_folders_are_walked_by_extension_sorted(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "b.md": BAD,
            "a/x.HTML": "<p>x</p>",
            "a/y.markdown": BAD,
            "c.txt": "ok",
            "d.htm": "<p>x</p>",
            "script.py": BAD,
            "image.png": "",
            ".git/HEAD.md": BAD,
        },
    )
    assert _checked(cli, tmp_path) == ["a/x.HTML", "a/y.markdown", "b.md", "c.txt", "d.htm"]


def test_include_and_exclude(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path, {"docs/a.md": BAD, "docs/b.html": BAD, "drafts/c.md": BAD, "README.md": BAD}
    )
    assert _checked(cli, tmp_path, "--exclude", "drafts/") == [
        "README.md",
        "docs/a.md",
        "docs/b.html",
    ]
    assert _checked(cli, tmp_path, "--include", "docs/*.md") == ["docs/a.md"]
    assert _checked(cli, tmp_path, "--exclude", "*.md") == ["docs/b.html"]
    # explicitly named files are checked whatever their extension, unless excluded
    write_site(tmp_path, {"notes.rst": BAD})
    assert _checked(cli, tmp_path, "notes.rst", "drafts/c.md", "--exclude", "drafts/") == [
        "notes.rst"
    ]


def test_gitignore_is_respected(cli: Cli, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_site(
        tmp_path,
        {
            ".gitignore": "_site/\n*.tmp.md\n",
            "_site/index.html": BAD,
            "keep.md": BAD,
            "scratch.tmp.md": BAD,
            "docs/.gitignore": "private/\n!important.tmp.md\n",
            "docs/private/p.md": BAD,
            "docs/important.tmp.md": BAD,
            "docs/ok.md": BAD,
            ".git/info/exclude": "local.md\n",
            "local.md": BAD,
        },
    )
    expected = ["docs/important.tmp.md", "docs/ok.md", "keep.md"]
    assert _checked(cli, tmp_path) == expected
    assert _checked(cli, tmp_path / "docs", ".") == ["important.tmp.md", "ok.md"]
    assert len(_checked(cli, tmp_path, "--no-gitignore")) == 7


def test_duplicates_are_checked_once(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"docs/a.md": BAD})
    assert _checked(cli, tmp_path, "docs", "docs/a.md", "./docs/../docs/a.md") == ["docs/a.md"]


def test_stdin(cli: Cli, tmp_path: Path) -> None:
    run = cli("--no-config", "-", cwd=tmp_path, stdin=BAD)
    assert run.code == 1
    assert run.out.startswith("<stdin>\n") and " error " in run.out
    html = "<p hidden>completely safe</p><p>It is risk-free.</p>"
    run = cli(
        "--no-config",
        "--format",
        "json",
        "--stdin-filename",
        "page.html",
        "-",
        cwd=tmp_path,
        stdin=html,
    )
    doc = json.loads(run.out)
    assert doc["files"][0]["path"] == "page.html"
    assert doc["files"][0]["format"] == "html"
    texts = [x["text"] for x in doc["files"][0]["report"]["findings"]]
    assert texts and all("completely safe" not in t for t in texts)
    run = cli(
        "--no-config", "--format-in", "text", "--format", "json", "-", cwd=tmp_path, stdin=html
    )
    assert json.loads(run.out)["files"][0]["format"] == "text"


def _findings(cli: Cli, cwd: Path, name: str) -> list[dict[str, object]]:
    run = cli("--format", "json", "--no-config", name, cwd=cwd)
    return list(json.loads(run.out)["files"][0]["report"]["findings"])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_locations_are_those_of_the_file_on_disk(cli: Cli, tmp_path: Path, newline: str) -> None:
    lines = [
        "---",
        "title: completely safe",
        "---",
        "",
        "# Knee",
        "",
        "Ça — it is completely safe.",
    ]
    raw = newline.join(lines) + newline
    (tmp_path / "page.md").write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))  # with a BOM
    (f,) = _findings(cli, tmp_path, "page.md")
    start = raw.rindex("completely safe")
    assert f["start"] <= start < f["end"]  # the body's, not the front matter's
    assert raw[f["start"] : f["end"]] == f["text"]  # offsets count \r, not the BOM
    assert f["line"] == 7
    assert f["column"] == f["start"] - raw.rindex(newline, 0, f["start"]) - len(newline) + 1


def test_front_matter_in_html_and_text_is_skipped(cli: Cli, tmp_path: Path) -> None:
    write_site(
        tmp_path,
        {
            "page.html": "---\nlayout: completely safe\n---\n<p>It is risk-free.</p>\n",
            "page.txt": "+++\ntitle = 'completely safe'\n+++\nIt is risk-free.\n",
        },
    )
    for name in ("page.html", "page.txt"):
        (f,) = _findings(cli, tmp_path, name)
        assert "risk-free" in str(f["text"]) and f["line"] == 4


def test_blank_front_matter_keeps_length_and_lines() -> None:
    text = "---\r\na: b\r\n---\r\nbody\n"
    out = blank_front_matter(text)
    assert len(out) == len(text) and out.endswith("body\n")
    assert out.count("\r\n") == 3 and out[:3] == "   "
    assert blank_front_matter("--- not front matter\n") == "--- not front matter\n"
    assert blank_front_matter("---\nno end\n") == "---\nno end\n"


def test_symbolic_links_keep_their_name_and_count_once(cli: Cli, tmp_path: Path) -> None:
    write_site(tmp_path, {"shared/page.md": BAD})
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "alias.md").symlink_to(tmp_path / "shared" / "page.md")
    assert _checked(cli, tmp_path, "site") == ["site/alias.md"]
    assert _checked(cli, tmp_path, "site", "shared") == ["site/alias.md"]


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("/a/b/c.md", "/a/b"),
        ("/a/b", "/a/b"),
        ("/a/bc/d.md", "/a/b"),  # a sibling that shares the folder's name as a prefix
        ("/a/b/../c/d.md", "/a/c"),
        ("/a/b/c.md", "/"),
        ("/", "/"),
        ("/x/y.md", "/a"),
        ("/a/b/c d/é.md", "/a/b/"),
    ],
)
def test_relative_paths_are_those_pathlib_gives(path: str, folder: str) -> None:
    try:
        expected: str | None = Path(path).resolve().relative_to(Path(folder).resolve()).as_posix()
    except ValueError:
        expected = None
    assert _under(os.path.abspath(path), os.path.abspath(folder)) == expected
