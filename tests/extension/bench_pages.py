"""How the extension copes with long pages: time from navigation to the last highlight, and the page's
long tasks (main-thread work over 50 ms, which a reader feels), for file 004 and for generated pages
of 1,000 and 5,000 paragraphs.  One run, with the real service; figures depend on the machine.

    .venv/bin/python -m tests.extension.bench_pages
"""

from __future__ import annotations

import functools
import http.server
import json
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.conftest import corpus_text
from tests.extension import pages
from tests.extension.conftest import CHROMIUM, EXTENSION_DIR, Site, _QuietHandler, chromium_args
from tests.server import free_port, running_server

LONG_TASKS = (
    "<script>window.__longTasks = []; new PerformanceObserver((list) => { for (const e of "
    "list.getEntries()) window.__longTasks.push(e.duration); }).observe({type: 'longtask', "
    "buffered: true});</script>"
)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="redflag-bench-"))
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = Site(root, f"http://127.0.0.1:{server.server_address[1]}")
    cases = {
        "004": pages.page_004(corpus_text("004")),
        "004 again": pages.page_004(corpus_text("004")),
        "1000 paragraphs": pages.page_many(1000, corpus_text("004")),
        "5000 paragraphs": pages.page_many(5000, corpus_text("004")),
    }
    log = root / "service.log"
    env = {"REDFLAG_CORS_ALLOW_EXTENSIONS": "true"}
    with running_server(env=env, log_path=log) as base, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="redflag-bench-profile-"),
            executable_path=CHROMIUM,
            headless=False,
            args=chromium_args(EXTENSION_DIR),
        )
        worker = context.service_workers[0] if context.service_workers else None
        worker = worker or context.wait_for_event("serviceworker")
        worker.evaluate("(u) => chrome.storage.local.set({serviceUrl: u})", base)
        for i, (name, html) in enumerate(cases.items()):
            url = site.add(f"page{i}.html", html.replace("</head>", LONG_TASKS + "</head>"))
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            tab = worker.evaluate(
                "async (u) => (await chrome.tabs.query({})).find(t => t.url === u).id", url
            )
            while True:
                state = worker.evaluate(
                    "async (k) => (await chrome.storage.session.get(k))[k] ?? null",
                    f"tab:{tab}",
                )
                if state and state["status"] == "ok" and state["pending"] == 0:
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - t0
            page.wait_for_timeout(300)
            tasks = page.evaluate("window.__longTasks")
            marks = page.locator("mark[data-redflag-id]").count()
            print(
                f"{name:>16}: highlighted in {seconds:5.2f} s, {marks:5d} highlights, "
                f"{len(tasks)} long tasks, longest {max(tasks, default=0):4.0f} ms"
            )
            page.close()
        context.close()
    service_ms = [
        json.loads(line)["check_ms"]
        for line in log.read_text().splitlines()
        if '"event":"request"' in line and '"check_ms"' in line
    ]
    print(f"service: {len(service_ms)} calls, {sum(service_ms) / 1000:.2f} s in the engine")
    server.shutdown()


if __name__ == "__main__":
    main()
