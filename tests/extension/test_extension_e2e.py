"""End to end: the unpacked extension in Debian's chromium (Playwright), the real service, local pages.

One service, one browser and one web server for the module; the tests run in order on the same
pages (the last one stops the service).  Screenshots are saved in tests/artifacts/; with
``REDFLAG_DOCS_SCREENSHOT=1`` the README's screenshot docs/img/extension-004.png (the page with a
tooltip open, beside the popup) is written too.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import corpus_text
from tests.extension import pages
from tests.extension.conftest import EXTENSION_DIR, Service, Site, chromium_args
from tests.server import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]

OTHER_HOST = "redflag.test"
ADDED = "Our exosome shots are completely safe and are now widely available in clinics near you."
DOCS_SHOT = ROOT / "docs" / "img" / "extension-004.png"

# 004's red flags that must be highlighted, and their category (issue 2's list).
FLAGGED_004 = [
    ("consistently safe", "absolute-safety"),
    ("vanishingly small", "absolute-safety"),
    ("widely available in clinics", "availability-normalization"),
    ("FREE information packet", "call-to-action"),
    ("Request Information Packet", "call-to-action"),
]
CATEGORIES_004 = ["broad-spectrum", "efficacy-overclaim"]

# 003's regulatory cautions: nothing in them may be highlighted.
CAUTIONS_003 = [
    "there are no FDA-approved exosome products",
    "The therapies offered have not undergone the large-scale clinical trials",
    "are considered investigational",
    "The FDA has issued consumer alerts about unapproved regenerative medicine products",
    "more extensive human studies are needed to establish the treatment’s efficacy and safety",
    "Patients should know that research is in its early stages",
    "The safety profile of exosome therapy is still being established",
]

# For each visible occurrence of a phrase, the categories of the highlights that overlap it.
OVERLAPS_JS = """
(phrase) => {
  const out = [];
  for (const block of document.querySelectorAll("p, li, h1, h2, h3, h4, td, th, blockquote")) {
    if (!block.checkVisibility() || block.closest("[aria-hidden=true]")) continue;
    const text = block.textContent;
    for (let i = text.indexOf(phrase); i >= 0; i = text.indexOf(phrase, i + 1)) {
      const cats = new Set();
      for (const m of block.querySelectorAll("mark[data-redflag-id]")) {
        const r = document.createRange();
        r.setStart(block, 0);
        r.setEndBefore(m);
        const s = r.toString().length, e = s + m.textContent.length;
        if (s < i + phrase.length && i < e) cats.add(m.dataset.redflagCategory);
      }
      out.push([...cats]);
    }
  }
  return out;
}
"""


@dataclass
class Browser:
    context: Any
    worker: Any
    extension_id: str

    def tab_id(self, url: str) -> int:
        tabs = self.worker.evaluate(
            "async (url) => (await chrome.tabs.query({})).filter(t => t.url === url).map(t => t.id)",
            url,
        )
        assert len(tabs) == 1, f"expected one tab on {url}, got {tabs}"
        return int(tabs[0])

    def state(self, tab_id: int) -> dict[str, Any] | None:
        key = f"tab:{tab_id}"
        got = self.worker.evaluate(
            "async (k) => (await chrome.storage.session.get(k))[k] ?? null", key
        )
        return got  # type: ignore[no-any-return]

    def badge(self, tab_id: int) -> str:
        return str(self.worker.evaluate("(id) => chrome.action.getBadgeText({tabId: id})", tab_id))

    def wait_state(
        self, tab_id: int, done: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.state(tab_id)
            if last is not None and done(last):
                return last
            time.sleep(0.1)
        brief = last and {k: last[k] for k in ("status", "message", "pending", "risk")}
        raise AssertionError(f"tab {tab_id} did not reach the expected state; last state: {brief}")

    def popup(self, tab_id: int) -> Any:
        pop = self.context.new_page()
        pop.goto(f"chrome-extension://{self.extension_id}/popup.html?tab={tab_id}")
        pop.wait_for_selector("body[data-ready]")
        return pop


@pytest.fixture(scope="module")
def browser(chromium_path: str, service: Service) -> Iterator[Browser]:
    profile = tempfile.mkdtemp(prefix="redflag-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path,
            headless=False,  # "--headless=new" below: the headless mode that runs extensions
            # redflag.test: a host outside the extension's host_permissions
            args=[
                *chromium_args(EXTENSION_DIR),
                f"--host-resolver-rules=MAP {OTHER_HOST} 127.0.0.1",
            ],
            viewport={"width": 1100, "height": 760},
        )
        try:
            worker = (
                context.service_workers[0]
                if context.service_workers
                else context.wait_for_event("serviceworker", timeout=15000)
            )
            extension_id = worker.url.split("/")[2]
            b = Browser(context, worker, extension_id)
            # configure the service through the options page, as a user would
            opts = context.new_page()
            opts.goto(f"chrome-extension://{extension_id}/options.html")
            opts.wait_for_selector("body[data-ready]")
            opts.fill("#serviceUrl", service.base + "/")
            opts.click("#save")
            opts.wait_for_function("document.getElementById('saved').textContent.length > 0")
            opts.close()
            yield b
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@dataclass
class LoadedPage:
    page: Any
    url: str
    tab_id: int
    state: dict[str, Any]
    console: list[str]


def open_checked(browser: Browser, url: str) -> LoadedPage:
    page = browser.context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(url)
    tab_id = browser.tab_id(url)
    state = browser.wait_state(tab_id, lambda s: s["status"] == "ok" and s["pending"] == 0)
    page.wait_for_timeout(300)  # the last highlight slices and report
    state = browser.state(tab_id) or state
    return LoadedPage(page, url, tab_id, state, console)


@pytest.fixture(scope="module")
def page_004(browser: Browser, site: Site) -> LoadedPage:
    return open_checked(browser, site.add("004.html", pages.page_004(corpus_text("004"))))


@pytest.fixture(scope="module")
def page_003(browser: Browser, site: Site) -> LoadedPage:
    return open_checked(browser, site.add("003.html", pages.page_003(corpus_text("003"))))


def docs_screenshot(page_png: Path, popup_png: Path) -> None:
    """The README's picture: the highlighted page with a tooltip open, and the popup beside it."""
    from PIL import Image

    page_img, popup_img = Image.open(page_png), Image.open(popup_png)
    gap = 16
    out = Image.new(
        "RGB",
        (page_img.width + gap + popup_img.width, max(page_img.height, popup_img.height)),
        "#d0d4d9",
    )
    out.paste(page_img, (0, 0))
    out.paste(popup_img, (page_img.width + gap, 0))
    DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
    out.save(DOCS_SHOT, optimize=True)


def page_blocks(page: Any) -> list[str]:
    """The page's text blocks as the content script reads them (lib/dom.js run in the page's world)."""
    page.add_script_tag(path=str(EXTENSION_DIR / "lib" / "dom.js"))
    texts: list[str] = page.evaluate(
        """() => { const c = RedflagDom.createCollector(document.body); c.step(Infinity);
             return c.blocks().map(b => b.text); }"""
    )
    return texts


def check_requests(service: Service) -> list[dict[str, Any]]:
    out = []
    for line in service.log_lines():
        if '"event":"request"' in line and '"text_sha256"' in line:  # a check's line
            out.append(json.loads(line))
    return out


# ---- configuration -------------------------------------------------------------------------


def test_options_page_stores_the_service_url(browser: Browser, service: Service) -> None:
    stored = browser.worker.evaluate("() => chrome.storage.local.get(null)")
    assert stored["serviceUrl"] == service.base  # trailing slash removed
    assert len(stored["categories"]) == 8
    assert stored["minSeverity"] == "suggestion"


# ---- 004: highlights -----------------------------------------------------------------------


@pytest.mark.parametrize(("phrase", "category"), FLAGGED_004)
def test_004_red_flag_is_highlighted(page_004: LoadedPage, phrase: str, category: str) -> None:
    occurrences = page_004.page.evaluate(OVERLAPS_JS, phrase)
    assert occurrences, f"{phrase!r} is not on the page"
    assert all(category in cats for cats in occurrences), (
        f"{phrase!r}: highlights overlapping each occurrence: {occurrences}"
    )


@pytest.mark.parametrize("category", CATEGORIES_004)
def test_004_category_is_highlighted(page_004: LoadedPage, category: str) -> None:
    n = page_004.page.locator(f'mark[data-redflag-category="{category}"]').count()
    assert n > 0, f"no {category} highlight on 004"


def test_004_marks_are_complete_and_keyboard_reachable(page_004: LoadedPage) -> None:
    marks = page_004.page.eval_on_selector_all(
        "mark[data-redflag-id]",
        """ms => ms.map(m => ({id: m.dataset.redflagId, cat: m.dataset.redflagCategory,
             rule: m.dataset.redflagRule, sev: m.dataset.redflagSeverity, tab: m.tabIndex,
             display: getComputedStyle(m).display, desc: m.getAttribute('aria-description')}))""",
    )
    assert len(marks) >= 10
    for m in marks:
        assert m["cat"] and m["rule"] and m["sev"] in ("suggestion", "warning", "error")
        assert m["display"] == "inline"
        assert m["desc"].startswith("Red flag, ")  # what a screen reader says about it
    firsts: dict[str, dict[str, Any]] = {}
    for m in marks:
        firsts.setdefault(m["id"], m)
    # the first piece of every highlight is reachable with the keyboard
    assert all(m["tab"] == 0 for m in firsts.values())
    ids = {f["markId"] for f in page_004.state["findings"]}
    assert ids == set(firsts)  # the popup's list and the page's highlights are the same


def test_004_page_structure_links_and_scripts_survive(page_004: LoadedPage) -> None:
    page = page_004.page
    cta = page.locator("#cta")
    assert cta.evaluate("p => p.textContent") == (
        "We'll send your FREE information packet\u00a0that outlines our entire personalized, "
        "stress-free stem cell treatment process!"
    )
    # "FREE information packet" crosses <strong>: one highlight in two pieces, <strong> intact
    pieces = cta.evaluate(
        """p => [...p.querySelectorAll('mark[data-redflag-id]')]
              .filter(m => m.dataset.redflagRule.startsWith('call-to-action'))
              .map(m => [m.dataset.redflagId, m.textContent, m.parentElement.tagName])"""
    )
    free = [p for p in pieces if p[1].strip() in ("FREE", "information packet")]
    assert {p[2] for p in free} == {"STRONG", "P"}, pieces
    assert len({p[0] for p in free}) == 1, pieces
    assert cta.locator("strong").text_content() == "FREE"
    link = page.locator("#cta-link")
    assert link.get_attribute("href") == "#packet"
    assert link.text_content() == "stress-free stem cell treatment process"
    # the page's own click handler still runs when a highlight is clicked
    cta.locator("mark[data-redflag-id]").first.click()
    assert page.evaluate("window.ctaClicks") == 1
    # nothing hidden, aria-hidden, in a form field or in a script was read or changed
    for sel in ("#hidden-attr", "#hidden-css", "#hidden-aria"):
        assert page.locator(f"{sel} mark").count() == 0, sel
    assert page.locator("#field").input_value() == pages.HIDDEN_CLAIM
    assert page.locator("#input").input_value() == pages.HIDDEN_CLAIM
    assert page.locator("form mark, script mark").count() == 0
    assert page.evaluate("window.planted") == pages.HIDDEN_CLAIM


def test_004_hover_shows_message_suggestion_and_fact(
    page_004: LoadedPage, service: Service, artifacts: Path
) -> None:
    page = page_004.page
    mark = page.locator(
        'mark[data-redflag-category="absolute-safety"]', has_text="consistently safe"
    )
    mark.first.scroll_into_view_if_needed()
    # the service's own finding for that sentence, to compare with the tooltip
    block = mark.first.evaluate("m => m.closest('p').textContent")
    report = httpx.post(service.base + "/check", json={"text": block}, timeout=30).json()
    rule, text = mark.first.get_attribute("data-redflag-rule"), mark.first.text_content()
    (finding,) = [f for f in report["findings"] if f["id"] == rule and f["text"] == text]
    mark.first.hover()
    tip = page.locator("#redflag-tooltip-host .tip")
    tip.wait_for(state="visible")
    section = tip.locator("section.finding").first
    assert section.locator(".cat").text_content() == "Absolute safety claim"
    assert section.locator(".message").text_content() == finding["message"]
    assert finding["suggestion"] in (section.locator(".suggestion").text_content() or "")
    assert finding["facts"], "the finding cites no fact"
    fact = finding["facts"][0]
    first_fact = section.locator("li.fact").first
    assert fact["statement"] in (first_fact.text_content() or "")
    if fact["url"]:
        assert first_fact.locator("a").get_attribute("href") == fact["url"]
    else:
        assert first_fact.locator("q").text_content() == fact["quote"]
        assert fact["source"] in (first_fact.locator("cite").text_content() or "")
    page.screenshot(path=str(artifacts / "extension-004-tooltip.png"))
    # keyboard: focus shows it too, Escape hides it
    page.mouse.move(5, 5)
    tip.wait_for(state="hidden")
    mark.first.focus()
    tip.wait_for(state="visible")
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")


def test_004_popup_shows_risk_counts_and_findings(
    browser: Browser, page_004: LoadedPage, service: Service, artifacts: Path
) -> None:
    pop = browser.popup(page_004.tab_id)
    try:
        assert pop.locator("#risk-level").text_content() == "high"
        # the page's risk is the service's for the page's text, as the extension read it
        text = "\n\n".join(page_blocks(page_004.page))
        report = httpx.post(service.base + "/check", json={"text": text}, timeout=30).json()
        assert report["risk"]["level"] == "high"
        assert pop.locator("#risk-score").text_content() == f"{report['risk']['score']}/100"
        counted = pop.eval_on_selector_all("#counts li", "ls => ls.map(l => l.dataset.category)")
        assert {"absolute-safety", "call-to-action"} <= set(counted)
        n = len(page_004.state["findings"])
        assert pop.locator("#findings button.finding").count() == n
        assert browser.badge(page_004.tab_id) == str(n)
        assert pop.locator("#problem").is_hidden()
        pop.screenshot(path=str(artifacts / "extension-popup.png"), full_page=True)
        # opened without ?tab= in a tab of its own, it shows the last page checked
        plain = browser.context.new_page()
        plain.goto(f"chrome-extension://{browser.extension_id}/popup.html")
        plain.wait_for_selector("body[data-ready]")
        assert plain.locator("#risk-score").text_content() == f"{report['risk']['score']}/100"
        assert plain.locator("#site").text_content() == page_004.url.split("/")[2]
        plain.close()
        if os.environ.get("REDFLAG_DOCS_SCREENSHOT"):
            pop.set_viewport_size({"width": 396, "height": 760})
            pop.screenshot(path=str(artifacts / "extension-popup-top.png"))
            docs_screenshot(
                artifacts / "extension-004-tooltip.png", artifacts / "extension-popup-top.png"
            )
        # clicking a finding scrolls the page to its highlight and focuses it
        page = page_004.page
        page.evaluate("window.scrollTo(0, 0)")
        target = pop.locator("#findings button.finding", has_text="vanishingly small").first
        mark_id = target.get_attribute("data-mark-id")
        target.click()
        page.wait_for_function(
            """(id) => { const m = document.querySelector(`mark[data-redflag-id="${id}"]`);
                 const r = m.getBoundingClientRect();
                 return document.activeElement === m && r.top >= 0 && r.bottom <= innerHeight; }""",
            arg=mark_id,
        )
    finally:
        pop.close()


# ---- 003: quiet on cautions ----------------------------------------------------------------


def test_003_no_highlight_on_regulatory_cautions(
    browser: Browser, page_003: LoadedPage, artifacts: Path
) -> None:
    page_003.page.screenshot(path=str(artifacts / "extension-003.png"), full_page=True)
    for phrase in CAUTIONS_003:
        occurrences = page_003.page.evaluate(OVERLAPS_JS, phrase)
        assert occurrences, f"{phrase!r} is not on the page"
        assert occurrences == [[]] * len(occurrences), f"{phrase!r} is highlighted: {occurrences}"
    pop = browser.popup(page_003.tab_id)
    try:
        assert pop.locator("#risk-level").text_content() == "low"
    finally:
        pop.close()


# ---- changing pages ------------------------------------------------------------------------


def test_new_text_is_checked_once_and_old_text_never_again(
    browser: Browser, page_004: LoadedPage, service: Service
) -> None:
    page = page_004.page
    before = len(check_requests(service))
    page.evaluate(
        """(text) => {
            const p = document.createElement('p');
            p.id = 'added';
            p.textContent = text;
            document.body.append(p);
            const copy = [...document.querySelectorAll('p')].find(x => x.textContent.includes('vanishingly small'));
            const clone = copy.cloneNode(false);
            clone.id = 'copied';
            clone.textContent = copy.textContent;
            document.body.append(clone);
        }""",
        ADDED,
    )
    page.wait_for_selector("#added mark[data-redflag-category='absolute-safety']")
    page.wait_for_selector("#copied mark[data-redflag-category='absolute-safety']")
    browser.wait_state(page_004.tab_id, lambda s: s["status"] == "ok" and s["pending"] == 0)
    new = check_requests(service)[before:]
    # only the new paragraph was sent
    assert [(r["items"], r["characters"]) for r in new] == [(1, len(ADDED))], new


def test_site_switch_turns_highlighting_off_and_on(
    browser: Browser, page_004: LoadedPage, service: Service
) -> None:
    page = page_004.page
    marks = page.locator("mark[data-redflag-id]").count()
    before = len(check_requests(service))
    pop = browser.popup(page_004.tab_id)
    try:
        pop.locator("#site-switch").uncheck()
        page.wait_for_function("document.querySelectorAll('mark[data-redflag-id]').length === 0")
        browser.wait_state(page_004.tab_id, lambda s: s["status"] == "disabled")
        assert browser.badge(page_004.tab_id) == ""
        assert pop.locator("#status").text_content() == "Highlighting is off on this site."
        pop.locator("#site-switch").check()
        page.wait_for_function(
            f"document.querySelectorAll('mark[data-redflag-id]').length === {marks}"
        )
        browser.wait_state(
            page_004.tab_id, lambda s: s["status"] == "ok" and len(s["findings"]) > 0
        )
    finally:
        pop.close()
    assert len(check_requests(service)) == before  # turned back on from what was already checked


def test_long_page_is_checked_in_pieces(browser: Browser, site: Site, service: Service) -> None:
    n = 1500
    url = site.add("long.html", pages.page_many(n, corpus_text("004")))
    before = len(check_requests(service))
    loaded = open_checked(browser, url)
    try:
        new = check_requests(service)[before:]
        texts = page_blocks(loaded.page)
        assert len(texts) == n + 1  # the paragraphs and the title
        # every block once, in pieces of one text each, blocks joined by blank lines
        assert len(new) > 1 and all(r["items"] == 1 for r in new)
        assert sum(r["characters"] for r in new) == sum(map(len, texts)) + 2 * (
            len(texts) - len(new)
        )
        assert loaded.page.locator("mark[data-redflag-id]").count() > 0
        assert not [c for c in loaded.console if c.startswith(("error", "pageerror"))]
    finally:
        loaded.page.close()


def test_strict_csp_page_is_checked_and_styled(browser: Browser, site: Site) -> None:
    csp = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'none'; script-src 'none'; connect-src 'none'\">"
    )
    url = site.add(
        "csp.html", pages.page("CSP", ["<p>Our exosome shots are completely safe.</p>"], csp)
    )
    loaded = open_checked(browser, url)
    try:
        mark = loaded.page.locator("mark[data-redflag-category='absolute-safety']")
        assert mark.count() == 1
        mark.hover()
        tip = loaded.page.locator("#redflag-tooltip-host .tip")
        tip.wait_for(state="visible")
        style = tip.evaluate(
            "t => { const s = getComputedStyle(t); return [s.position, s.backgroundColor]; }"
        )
        assert style == ["fixed", "rgb(255, 255, 255)"]
        # the policy is in force: a style the page adds itself is refused
        color = loaded.page.evaluate(
            """() => { const s = document.createElement('style');
                 s.textContent = 'p { color: rgb(1, 2, 3) }'; document.head.append(s);
                 return getComputedStyle(document.querySelector('p')).color; }"""
        )
        assert color != "rgb(1, 2, 3)"
    finally:
        loaded.page.close()


def test_service_on_another_host_allows_this_extension(
    browser: Browser, site: Site, service: Service
) -> None:
    # the live service (REDFLAG_CORS_ALLOW_EXTENSIONS=true) allows this extension's own origin ...
    origin = f"chrome-extension://{browser.extension_id}"
    r = httpx.options(
        service.base + "/check/batch",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.headers.get("access-control-allow-origin") == origin
    # ... and the extension reaches a service on a host outside its host_permissions
    other = service.base.replace("127.0.0.1", OTHER_HOST)
    assert not browser.worker.evaluate(
        "(o) => chrome.permissions.contains({origins: [o + '/*']})", other
    )
    browser.worker.evaluate("(u) => chrome.storage.local.set({serviceUrl: u})", other)
    try:
        url = site.add(
            "other-host.html",
            pages.page(
                "Other host", ["<p>Our exosome shots are completely safe for everyone.</p>"]
            ),
        )
        loaded = open_checked(browser, url)
        assert loaded.page.locator("mark[data-redflag-category='absolute-safety']").count() == 1
        loaded.page.close()
    finally:
        browser.worker.evaluate("(u) => chrome.storage.local.set({serviceUrl: u})", service.base)


# ---- the service goes away (last: it stops the service) ----------------------------------------


def test_stopped_service_is_reported_plainly(
    browser: Browser, page_004: LoadedPage, service: Service, artifacts: Path
) -> None:
    service.stop()
    page = page_004.page
    console_before = len(page_004.console)
    page.reload()
    browser.wait_state(page_004.tab_id, lambda s: s["status"] == "unreachable")
    assert browser.badge(page_004.tab_id) == "!"
    pop = browser.popup(page_004.tab_id)
    try:
        problem = pop.locator("#problem")
        problem.wait_for(state="visible")
        assert "cannot be reached" in (problem.text_content() or "")
        assert service.base in (problem.text_content() or "")
        pop.screenshot(path=str(artifacts / "extension-popup-unreachable.png"))
    finally:
        pop.close()
    assert page.locator("mark[data-redflag-id]").count() == 0
    errors = [c for c in page_004.console[console_before:] if c.startswith(("error", "pageerror"))]
    assert errors == []
