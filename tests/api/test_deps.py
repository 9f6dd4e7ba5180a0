"""Request dependencies and endpoints never cost a thread-pool hop.

FastAPI runs a plain ``def`` dependency or endpoint in its thread pool; for the
two attribute reads in ``deps.py`` those hand-offs (and the GIL traffic they
bring beside RE2's releases) cost a worker about 2 ms of CPU a 5 KB request
(issue 7). Everything on a route's path is ``async``."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute

from app.api.main import create_app
from app.core.config import Settings
from app.engine import Engine


def _calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The API routes, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", route)  # an included router
        if inner is not route or not isinstance(route, APIRoute):
            yield from _api_routes(list(getattr(inner, "routes", [])))


def test_every_route_and_dependency_is_async(rules_engine: Engine) -> None:
    app = create_app(Settings(), engine=rules_engine)
    routes = list(_api_routes(app.routes))
    assert any(r.path == "/check" for r in routes)
    for route in routes:
        assert inspect.iscoroutinefunction(route.endpoint), route.path
        for call in _calls(route.dependant):
            assert inspect.iscoroutinefunction(call), (route.path, call)
