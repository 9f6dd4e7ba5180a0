"""``redflag check [PATH ...]``: the CI check for Markdown, HTML and text sites.

The steps: read the configuration (:mod:`app.cli.config`), find and read the
files (:mod:`app.cli.files`), check them on all cores or on a service
(:mod:`app.cli.runner`, :mod:`app.cli.remote`), leave out what the baseline
already has (:mod:`app.cli.baseline`), write one of the output formats
(:mod:`app.cli.output`) and exit 0, 1 (something at or above ``--fail-on``)
or 2 (a usage, configuration or input error, with a message).  docs/cli.md
has the details.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from app.cli import baseline as baseline_mod
from app.cli.catalog import Catalog
from app.cli.check_args import OUTPUT_FORMATS
from app.cli.config import (
    ConfigError,
    FileOptions,
    FileSettings,
    LoadedConfig,
    Resolver,
    RuleSettings,
    compile_globs,
    discover,
    load_file,
)
from app.cli.files import Finder, InputError, Source, read
from app.cli.results import CheckedFile, RunResult
from app.cli.runner import (
    CheckFailed,
    check_local,
    check_remote,
    cpu_count,
    local_engine,
    start_workers,
)
from app.engine import SEVERITIES, CheckOptions, Report, severity_rank


def _ids(values: list[str] | None) -> list[str]:
    """Repeatable, comma-separated ids: ``--disable a,b --disable c``."""
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


def _cli_layer(args: argparse.Namespace) -> RuleSettings:
    from app.cli.main import UsageError

    severity: dict[str, str] = {}
    for item in args.severity or []:
        rid, sep, level = item.partition("=")
        if not sep or not rid.strip() or level.strip() not in SEVERITIES:
            raise UsageError(
                f"--severity {item!r}: expected ID=LEVEL with LEVEL one of {', '.join(SEVERITIES)}"
            )
        severity[rid.strip()] = level.strip()
    return RuleSettings.model_validate(
        {
            "categories": _ids([args.categories]) if args.categories is not None else None,
            "disable": _ids(args.disable),
            "enable": _ids(args.enable),
            "severity": severity,
            "min_severity": args.min_severity,
            "fail_on": args.fail_on,
            "allowed_phrases": list(args.allow or []),
        }
    )


def _reports(values: list[str] | None) -> list[tuple[str, Path]]:
    from app.cli.main import UsageError

    out = []
    for item in values or []:
        fmt, sep, file = item.partition("=")
        if not sep or fmt not in OUTPUT_FORMATS or not file:
            raise UsageError(
                f"--report {item!r}: expected FORMAT=FILE with FORMAT one of {', '.join(OUTPUT_FORMATS)}"
            )
        out.append((fmt, Path(file)))
    return out


def _load_config(args: argparse.Namespace, cwd: Path) -> LoadedConfig:
    if args.no_config:
        if args.config:
            raise ConfigError("--config and --no-config exclude each other")
        return LoadedConfig(FileSettings(), None, cwd.resolve())
    if args.config:
        path = args.config if args.config.is_absolute() else cwd / args.config
        return load_file(path)
    return discover(cwd)


def _finder(args: argparse.Namespace, config: LoadedConfig, cwd: Path) -> Finder:
    include = args.include if args.include is not None else config.settings.include
    exclude = args.exclude if args.exclude is not None else config.settings.exclude
    return Finder(
        cwd=cwd,
        root=config.root,
        include=compile_globs(include, "include") if include is not None else None,
        exclude=compile_globs(exclude, "exclude"),
        format_in=args.format_in,
        stdin_name=args.stdin_filename,
        respect_gitignore=not args.no_gitignore,
    )


def _document_findings(report: Report, fo: FileOptions) -> Report:
    """Apply the options to findings about the whole page (the engine leaves them be)."""
    opts = fo.options
    kept = []
    for d in report.document_findings:
        if d.id in fo.disabled_ids:
            continue
        sev = opts.severity_overrides.get(d.id, d.severity)
        if severity_rank(sev) < severity_rank(opts.min_severity):
            continue
        kept.append(replace(d, severity=sev) if sev != d.severity else d)
    return replace(report, document_findings=tuple(kept))


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        fh = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the output: {exc.strerror or exc}") from None
    with fh:
        yield fh


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def run(args: argparse.Namespace) -> int:
    from app.cli.main import UsageError

    try:
        return _run(args)
    except (ConfigError, InputError, CheckFailed, baseline_mod.BaselineError) as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    from app.cli.main import ExitStatus, UsageError

    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    if args.update_baseline and args.baseline is None:
        raise UsageError("--update-baseline needs --baseline FILE")
    if args.paths.count("-") > 1:
        raise UsageError("standard input (-) can be named only once")
    reports_to_write = _reports(args.report)
    cwd = Path.cwd()
    config = _load_config(args, cwd)
    cli = _cli_layer(args)
    targets = _finder(args, config, cwd).targets(args.paths)
    if not targets:
        print("redflag: warning: no files to check", file=sys.stderr)
    jobs = args.jobs or cpu_count()
    sources = [read(t) for t in targets]
    with _local_workers(args, sources, jobs) as pool:
        plan = _Plan(args, config, cli, sources, jobs)
        checked = _check_remote(plan) if args.server else _check_local(plan, pool)
    catalog, reports, file_opts = checked

    files = [
        CheckedFile(s.target, s.text, _document_findings(r, fo), fo.fail_on)
        for s, r, fo in zip(sources, reports, file_opts, strict=True)
    ]
    fail_on = cli.fail_on or config.settings.fail_on or "error"
    baseline_name = None
    if args.baseline is not None:
        path = args.baseline if args.baseline.is_absolute() else cwd / args.baseline
        baseline_name = args.baseline.as_posix()
        if args.update_baseline or not path.exists():
            n = baseline_mod.write(path, files)
            print(
                f"redflag: recorded {n} findings in the baseline {args.baseline}", file=sys.stderr
            )
        files = baseline_mod.apply(path, files, baseline_mod.load(path))
    versions = dict(reports[0].versions) if reports else {}
    result = RunResult(files, catalog, fail_on, versions, baseline_name)
    from app.cli.output import WRITERS

    with _output(args.output) as stream:
        color = _use_color(args.color, stream) if args.format == "text" else False
        WRITERS[args.format](result, stream, color)
    for fmt, path in reports_to_write:
        with _output(path) as stream:
            WRITERS[fmt](result, stream, False)
    return ExitStatus.FINDINGS if result.summary().failing else ExitStatus.OK


@dataclass(frozen=True)
class _Plan:
    """What to check and how, before the rules (local or the service's) are known."""

    args: argparse.Namespace
    config: LoadedConfig
    cli: RuleSettings
    sources: Sequence[Source]
    jobs: int

    @property
    def items(self) -> list[tuple[str, str]]:
        return [(s.text, s.target.format) for s in self.sources]

    @property
    def names(self) -> list[str]:
        return [s.target.display for s in self.sources]

    def options(
        self, catalog: Catalog, use_model: bool
    ) -> tuple[list[FileOptions], list[CheckOptions], list[int]]:
        """Each file's options, the distinct engine options, and which one each file uses."""
        resolver = Resolver(self.config, self.cli, catalog, use_model=use_model)
        file_opts = [resolver.for_path(s.target.rel) for s in self.sources]
        distinct: list[CheckOptions] = []
        option_of: list[int] = []
        for fo in file_opts:
            if fo.options not in distinct:
                distinct.append(fo.options)
            option_of.append(distinct.index(fo.options))
        return file_opts, distinct, option_of


Checked = tuple[Catalog, list[Report], list[FileOptions]]


@contextmanager
def _local_workers(
    args: argparse.Namespace, sources: Sequence[Source], jobs: int
) -> Iterator[Executor | None]:
    """The worker processes of a local check of these files (``runner.start_workers``,
    which loads this process's engine first and forks them with it); ``None`` with
    ``--server`` or for a run one process does better."""
    if args.server:
        yield None
        return
    from app.core.config import Settings

    settings = Settings()
    with start_workers(
        [len(s.text) for s in sources],
        jobs,
        model_dir=settings.model_dir,
        use_model=settings.use_model,
    ) as pool:
        yield pool


def _check_local(plan: _Plan, pool: Executor | None) -> Checked:
    from app.core.config import Settings

    settings = Settings()
    model_dir, use_model = settings.model_dir, settings.use_model
    # the engine start_workers loaded before forking the pool, or loaded now for one process
    rules = local_engine(model_dir, use_model).rules
    catalog = Catalog.from_ruleset(rules.categories, rules.version)
    file_opts, distinct, option_of = plan.options(catalog, use_model)
    reports = check_local(
        plan.items,
        option_of,
        distinct,
        plan.names,
        model_dir=model_dir,
        use_model=use_model,
        jobs=plan.jobs,
        pool=pool,
        progress=plan.args.progress,
    )
    return catalog, reports, file_opts


def _check_remote(plan: _Plan) -> Checked:
    from app.cli.remote import ServiceClient

    with ServiceClient(plan.args.server, timeout=plan.args.timeout) as client:
        catalog = client.catalog()
        file_opts, distinct, option_of = plan.options(catalog, True)
        reports = check_remote(
            client,
            plan.items,
            option_of,
            distinct,
            plan.names,
            jobs=plan.jobs,
            progress=plan.args.progress,
        )
    return catalog, reports, file_opts
