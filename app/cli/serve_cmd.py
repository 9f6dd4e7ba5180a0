"""``redflag serve``: the REST service under uvicorn."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="start the REST service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--max-requests",
        type=int,
        default=0,
        metavar="N",
        help=(
            "restart each worker after about N requests (up to 10%% more, so that workers "
            "do not restart together), handing back the memory it built up reading new text; "
            "needs --workers 2 or more (default 0: never)"
        ),
    )
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
    if args.max_requests < 0:
        raise UsageError("--max-requests must be 0 (never) or more")
    if args.max_requests and args.workers < 2:
        # a single worker is the server itself: it would stop, not restart
        raise UsageError("--max-requests needs --workers 2 or more, so that workers restart")
    from app.api.metrics import multiprocess_dir

    with multiprocess_dir(args.workers):  # one /metrics for all workers
        uvicorn.run(
            "app.api.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=30,
            limit_max_requests=args.max_requests or None,
            limit_max_requests_jitter=args.max_requests // 10,
        )
    return 0
