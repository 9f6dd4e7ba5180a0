"""``redflag serve``: the REST service under uvicorn."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the REST service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from app.cli.main import UsageError
    from app.core.config import get_settings
    from app.engine.model import ModelError, verify_model

    try:
        settings = get_settings()
    except ValidationError as exc:  # a bad REDFLAG_* variable: say which, exit 2
        problems = "; ".join(
            f"REDFLAG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise UsageError(f"invalid settings: {problems}") from None
    if settings.use_model:
        try:  # fail here, with the reason, rather than in every worker
            verify_model(settings.model_dir)
        except ModelError as exc:
            raise UsageError(str(exc)) from None
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    from app.api.metrics_dir import multiprocess_dir

    with multiprocess_dir(args.workers):  # one /metrics for all workers
        uvicorn.run(
            "app.api.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=30,
        )
    return 0
