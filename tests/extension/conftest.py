"""Fixtures for the browser tests: Debian's chromium under Playwright, the unpacked extension, a
real redflag service and a tiny web server for local pages.  Screenshots go to tests/artifacts/."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.server import ROOT, free_port, running_server

EXTENSION_DIR = ROOT / "extension"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium_args(extension: Path | None) -> list[str]:
    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]
    if extension is not None:
        args += [f"--disable-extensions-except={extension}", f"--load-extension={extension}"]
    return args


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium: apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Site:
    """Static pages served from a folder on 127.0.0.1."""

    root: Path
    base: str

    def add(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, "utf-8")
        return f"{self.base}/{name}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Service:
    """The real service (uvicorn subprocess), which a test may stop early."""

    base: str
    log_path: Path
    _stack: ExitStack = field(repr=False)

    def stop(self) -> None:
        self._stack.close()

    def log_lines(self) -> list[str]:
        return self.log_path.read_text("utf-8", "replace").splitlines()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    log_path = tmp_path_factory.mktemp("service") / "service.log"
    stack = ExitStack()
    base = stack.enter_context(
        running_server(env={"REDFLAG_CORS_ALLOW_EXTENSIONS": "true"}, log_path=log_path)
    )
    svc = Service(base, log_path, stack)
    try:
        yield svc
    finally:
        stack.close()
