"""``redflag``: the command line, a thin shell over the engine.

Subcommands: ``serve``, ``check``, ``train``, ``eval`` (and ``scan`` when its
extras are installed).  Exit codes: 0 clean, 1 findings at or above
``--fail-on``, 2 usage or input error (with a message on standard error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2


class UsageError(Exception):
    """A usage or input error: the CLI prints ``redflag: <message>`` and exits 2."""


def build_parser() -> argparse.ArgumentParser:
    from app import __version__
    from app.cli import check_args, eval_cmd, serve_cmd, train_cmd

    parser = argparse.ArgumentParser(
        prog="redflag",
        description="Find promotional red flags in regenerative-medicine health writing.",
    )
    parser.add_argument("--version", action="version", version=f"redflag {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (check_args, serve_cmd, train_cmd, eval_cmd):
        module.register(sub)
    try:
        from app.cli import scan_cmd
    except ImportError:
        pass
    else:
        scan_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except UsageError as exc:
        print(f"redflag: {exc}", file=sys.stderr)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    # ``python -m app.cli.main``: run the package's own module, so that the UsageError the
    # subcommands raise is the class caught above (this file's copy as __main__ is another)
    from app.cli.main import main as package_main

    sys.exit(package_main())
