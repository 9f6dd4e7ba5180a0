"""Which files ``redflag check`` reads, in which format, and how.

Folders are walked recursively; their files come out sorted by path, so
output is stable.  A file in a
folder is checked when its extension is a known one (or it matches
``--include``), it does not match ``--exclude`` and git would not ignore it:
``.gitignore`` files from the repository's root down, and ``.git/info/exclude``,
are read with pathspec's gitignore semantics.  Files named on the command line
are checked whatever their extension, unless excluded.  ``-`` is standard input.

Files are read as UTF-8 (a byte-order mark is dropped) without newline
translation, so offsets, lines and columns are those of the file on disk.
Front matter (YAML ``---`` or TOML ``+++``) at the top of any file is blanked
out with spaces, keeping every other character where it was.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

FORMAT_BY_SUFFIX = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
STDIN = "-"
_FRONT_MATTER = re.compile(
    r"\A(?:---[ \t]*\r?\n.*?^---[ \t]*\r?$|\+\+\+[ \t]*\r?\n.*?^\+\+\+[ \t]*\r?$)",
    re.DOTALL | re.MULTILINE,
)


class InputError(ValueError):
    """A path that does not exist or a file that cannot be read."""


@dataclass(frozen=True)
class Target:
    """One input: a file (``path``) or standard input (``path is None``)."""

    display: str  # as shown in output: posix, relative to the working folder when under it
    path: Path | None
    format: str
    rel: str | None  # posix path relative to the configuration root, for globs


@dataclass(frozen=True)
class Source:
    target: Target
    text: str


def _absolute(path: Path) -> Path:
    """Absolute and normalised (``..`` folded), without resolving symbolic links."""
    return Path(os.path.abspath(path))


def _under(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` (both absolute and normalised), with ``/``
    separators, ``.`` for the folder itself; ``None`` when it is not under it.  What
    ``Path.relative_to`` answers, on strings: a site's walk asks it several times a
    file, and making ``Path`` objects was most of the walk's time."""
    if path == folder:
        return "."
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :].replace(os.sep, "/")


def format_of(name: str, override: str | None) -> str:
    if override:
        return override
    return FORMAT_BY_SUFFIX.get(Path(name).suffix.lower(), "text")


class GitIgnore:
    """gitignore rules for a tree: every ``.gitignore`` from the repository root down."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._roots: dict[Path, Path] = {}

    def _spec(self, folder: Path, repo_root: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            if folder == repo_root:
                lines += _read_lines(folder / ".git" / "info" / "exclude")
            lines += _read_lines(folder / ".gitignore")
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[folder]

    def repo_root(self, folder: Path) -> Path:
        """The nearest folder at or above ``folder`` that holds ``.git`` (else ``folder``)."""
        if folder not in self._roots:
            root = folder
            for parent in (folder, *folder.parents):
                if (parent / ".git").exists():
                    root = parent
                    break
            self._roots[folder] = root
        return self._roots[folder]

    def ignored(self, path: Path, is_dir: bool, top: Path) -> bool:
        """Whether git ignores ``path`` (absolute), with ``top`` the walk's starting folder."""
        root = self.repo_root(top)
        folder = path.parent
        # the deepest .gitignore that has an opinion decides
        while True:
            spec = self._spec(folder, root)
            if spec is not None:
                rel = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                result = spec.check_file(rel)
                if result.include is not None:
                    return bool(result.include)
            if folder == root or folder == folder.parent:
                return False
            folder = folder.parent


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []


@dataclass
class Finder:
    cwd: Path
    root: Path  # the configuration root: globs are relative to it
    include: pathspec.PathSpec[Any] | None  # None: by extension
    exclude: pathspec.PathSpec[Any]
    format_in: str | None = None
    stdin_name: str | None = None
    respect_gitignore: bool = True

    def __post_init__(self) -> None:
        self._git = GitIgnore()
        self._root = os.path.abspath(self.root)
        self._cwd = os.path.abspath(self.cwd)

    def _rel(self, path: Path) -> str | None:
        return _under(os.path.abspath(path), self._root)

    def _excluded(self, path: Path, is_dir: bool = False) -> bool:
        rel = self._rel(path)
        if rel is None or rel == ".":
            return False
        return self.exclude.match_file(rel + ("/" if is_dir else ""))

    def _wanted(self, path: Path) -> bool:
        if self.include is None:
            return path.suffix.lower() in FORMAT_BY_SUFFIX
        rel = self._rel(path)
        return self.include.match_file(rel if rel is not None else path.name)

    def targets(self, args: Sequence[str]) -> list[Target]:
        seen: set[str] = set()  # real paths: a file reached twice is checked once
        out: list[Target] = []
        for raw in args:
            if raw == STDIN:
                name = self.stdin_name or "<stdin>"
                rel = self._rel(self.cwd / self.stdin_name) if self.stdin_name else None
                out.append(Target(name, None, format_of(name, self.format_in), rel))
                continue
            path = _absolute(self.cwd / raw)
            if path.is_dir():
                found: Iterable[Path] = sorted(self._walk(path), key=_posix_key)
            elif path.is_file():
                found = [] if self._excluded(path) else [path]
            elif path.exists():
                raise InputError(f"{raw}: not a regular file or folder")
            else:
                raise InputError(f"{raw}: no such file or folder")
            for p in found:  # absolute and normalised
                name = str(p)
                real = os.path.realpath(name)
                if real in seen:
                    continue
                seen.add(real)
                shown = _under(name, self._cwd)
                out.append(
                    Target(
                        shown if shown is not None else p.as_posix(),
                        p,
                        format_of(p.name, self.format_in),
                        _under(name, self._root),
                    )
                )
        return out

    def _walk(self, top: Path) -> Iterator[Path]:
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            keep = []
            for d in sorted(dirs):
                p = here / d
                if d == ".git" or self._excluded(p, is_dir=True):
                    continue
                if self.respect_gitignore and self._git.ignored(p, True, top):
                    continue
                keep.append(d)
            dirs[:] = keep
            for name in sorted(files):
                p = here / name
                if not self._wanted(p) or self._excluded(p):
                    continue
                if self.respect_gitignore and self._git.ignored(p, False, top):
                    continue
                if p.is_file():
                    yield p


def _posix_key(path: Path) -> tuple[str, ...]:
    return path.parts


def blank_front_matter(text: str) -> str:
    """``text`` with leading front matter replaced by spaces (line breaks kept)."""
    m = _FRONT_MATTER.match(text)
    if m is None:
        return text
    blanked = re.sub(r"[^\r\n]", " ", m.group(0))
    return blanked + text[m.end() :]


def read(target: Target) -> Source:
    """Read one target; :class:`InputError` says why when it cannot be read."""
    try:
        if target.path is None:
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
        else:
            data = target.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{target.display}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{target.display}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None
    return Source(target, blank_front_matter(text))
