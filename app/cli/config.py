"""Configuration of ``redflag check``: ``.redflag.toml`` or ``[tool.redflag]`` in ``pyproject.toml``.

The file is found by walking up from the working folder (``--config`` names
one, ``--no-config`` ignores them all).  In each folder ``.redflag.toml`` comes
first; a ``pyproject.toml`` counts only when it has a ``[tool.redflag]`` table.

Settings come in layers, each applied over the one before, for each file:

1. the defaults (every category, minimum severity ``suggestion``, fail on ``error``);
2. the top level of the configuration file;
3. each ``[[overrides]]`` entry whose ``files`` globs match the file, in order;
4. the command line.

So the command line wins over the file, and an override wins over the top
level.  Within a layer, ``categories`` replaces the set of categories,
``disable`` then ``enable`` turn rules or categories off and back on,
``severity`` entries replace earlier ones with the same key, ``min-severity``
and ``fail-on`` replace earlier values, and ``allowed-phrases`` add up.
Globs are gitignore-style and match paths relative to the folder of the
configuration file (or the working folder when there is none).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pathspec
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.cli.catalog import Catalog
from app.engine import CATEGORIES, CheckOptions

Severity = Literal["suggestion", "warning", "error"]
FailOn = Literal["suggestion", "warning", "error", "never"]
CONFIG_NAMES = (".redflag.toml", "pyproject.toml")


class ConfigError(ValueError):
    """A configuration file or option is invalid; the message says where and why."""


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class RuleSettings(BaseModel):
    """The settings that a layer (file, override, command line) may set."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True
    )

    categories: list[str] | None = Field(None, description="Only these categories")
    disable: list[str] = Field(default_factory=list, description="Rules or categories to turn off")
    enable: list[str] = Field(
        default_factory=list, description="Rules or categories to turn back on"
    )
    severity: dict[str, Severity] = Field(
        default_factory=dict, description="Rule id or category -> severity"
    )
    min_severity: Severity | None = Field(None, description="Report nothing below this severity")
    fail_on: FailOn | None = Field(None, description="Lowest severity that fails the run")
    allowed_phrases: list[str] = Field(
        default_factory=list, description="Phrases never to flag, wherever they occur"
    )


class Override(RuleSettings):
    files: list[str] = Field(min_length=1, description="Globs of the files this entry applies to")


class FileSettings(RuleSettings):
    include: list[str] | None = Field(None, description="Globs of the files to check in folders")
    exclude: list[str] = Field(default_factory=list, description="Globs of files never to check")
    overrides: list[Override] = Field(default_factory=list)


@dataclass(frozen=True)
class LoadedConfig:
    settings: FileSettings
    path: Path | None  # None: no configuration file
    root: Path  # globs are relative to this folder

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "(no configuration file)"


def _format_validation(where: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = "unknown setting"
        parts.append(f"{loc}: {msg}" if loc else msg)
    return f"{where}: " + "; ".join(parts)


def parse_settings(data: Mapping[str, Any], where: str) -> FileSettings:
    try:
        return FileSettings.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_format_validation(where, exc)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8: {exc}") from None


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The redflag table of a configuration file, or None when it has none."""
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    table = tool.get("redflag") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.redflag] must be a table")
    return table


def load_file(path: Path) -> LoadedConfig:
    """Load a named configuration file (``--config``)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    table = _table(path, _read_toml(path))
    if table is None:
        raise ConfigError(f"{path}: has no [tool.redflag] table")
    where = f"{path} [tool.redflag]" if path.name == "pyproject.toml" else str(path)
    return LoadedConfig(parse_settings(table, where), path, path.resolve().parent)


def discover(cwd: Path) -> LoadedConfig:
    """The nearest configuration file at or above ``cwd``, or the defaults."""
    here = cwd.resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            data = _read_toml(candidate)
            table = _table(candidate, data)
            if table is None:
                continue
            where = (
                f"{candidate} [tool.redflag]"
                if candidate.name == "pyproject.toml"
                else str(candidate)
            )
            return LoadedConfig(parse_settings(table, where), candidate, folder)
    return LoadedConfig(FileSettings(), None, here)


# -- resolution -------------------------------------------------------------------------


@dataclass(frozen=True)
class FileOptions:
    """Everything that decides how one file is checked and judged."""

    options: CheckOptions
    fail_on: str
    disabled_ids: frozenset[str]  # for findings the engine does not filter (document findings)


@dataclass
class Resolver:
    """Turns the layers into :class:`FileOptions` for each file (cached per set of layers)."""

    config: LoadedConfig
    cli: RuleSettings
    catalog: Catalog
    use_model: bool = True
    _specs: list[pathspec.PathSpec[Any]] = field(default_factory=list)
    _cache: dict[tuple[int, ...], FileOptions] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = self.config.name
        self._check_ids(self.config.settings, where)
        for i, ov in enumerate(self.config.settings.overrides):
            self._check_ids(ov, f"{where}: overrides[{i}]")
            self._specs.append(compile_globs(ov.files, f"{where}: overrides[{i}].files"))
        self._check_ids(self.cli, "command line")

    def _check_ids(self, layer: RuleSettings, where: str) -> None:
        known = self.catalog.ids
        for key, ids in (
            ("categories", layer.categories or []),
            ("disable", layer.disable),
            ("enable", layer.enable),
            ("severity", list(layer.severity)),
        ):
            for rid in ids:
                if key == "categories" and rid not in CATEGORIES:
                    raise ConfigError(
                        f"{where}: {key}: unknown category {rid!r}; expected some of {list(CATEGORIES)}"
                    )
                if rid not in known:
                    raise ConfigError(
                        f"{where}: {key}: unknown rule or category {rid!r} "
                        "(see `GET /rules` or docs/rules.md for the ids)"
                    )

    def for_path(self, rel: str | None) -> FileOptions:
        """Options for a file at ``rel`` (posix, relative to the config root; None for stdin)."""
        matched = tuple(
            i for i, spec in enumerate(self._specs) if rel is not None and spec.match_file(rel)
        )
        cached = self._cache.get(matched)
        if cached is None:
            layers = [
                self.config.settings,
                *(self.config.settings.overrides[i] for i in matched),
                self.cli,
            ]
            cached = self._resolve(layers)
            self._cache[matched] = cached
        return cached

    def _resolve(self, layers: Sequence[RuleSettings]) -> FileOptions:
        cats = set(CATEGORIES)
        disabled: set[str] = set()
        forced: set[str] = set()  # rules enabled while their category is off
        severity: dict[str, str] = {}
        min_severity = "suggestion"
        fail_on = "error"
        allowed: list[str] = []
        for layer in layers:
            if layer.categories is not None:
                cats = set(layer.categories)
                forced.clear()
            for rid in layer.disable:
                if rid in CATEGORIES:
                    cats.discard(rid)
                    forced = {r for r in forced if self.catalog.category_of(r) != rid}
                else:
                    disabled.add(rid)
                    forced.discard(rid)
            for rid in layer.enable:
                if rid in CATEGORIES:
                    cats.add(rid)
                else:
                    disabled.discard(rid)
                    cat = self.catalog.category_of(rid)
                    if cat is not None and cat not in cats:
                        forced.add(rid)
            severity.update(layer.severity)
            min_severity = layer.min_severity or min_severity
            fail_on = layer.fail_on or fail_on
            allowed.extend(p for p in layer.allowed_phrases if p not in allowed)
        # a rule enabled inside a disabled category: keep the category, drop its other rules
        for rid in forced:
            cat = self.catalog.category_of(rid)
            assert cat is not None
            cats.add(cat)
            disabled.update(r for r in self.catalog.rules_of(cat) if r not in forced)
            if rid != f"model.{cat}":
                disabled.add(f"model.{cat}")
        options = CheckOptions(
            categories=None if cats == set(CATEGORIES) else frozenset(cats),
            min_severity=min_severity,  # type: ignore[arg-type]
            disabled_rules=frozenset(disabled),
            severity_overrides=dict(severity),  # type: ignore[arg-type]
            allowed_phrases=tuple(allowed),
            use_model=self.use_model,
        )
        return FileOptions(options, fail_on, frozenset(disabled))


def compile_globs(globs: Iterable[str], where: str) -> pathspec.PathSpec[Any]:
    try:
        return pathspec.PathSpec.from_lines("gitignore", list(globs))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: bad glob: {exc}") from None
