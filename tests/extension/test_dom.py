"""The content script's DOM code (extension/lib/dom.js) in chromium, on plain pages without the
extension or the service: which text is read, how offsets map back to text nodes, and that marking
and unmarking leave the page as it was."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from app.engine.finding import CATEGORIES
from tests.extension.conftest import EXTENSION_DIR, chromium_args

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><style>.gone{display:none}</style></head><body>
<h1>Stem   cell
   clinic</h1>
<p id="inline">Our <a href="/x">cells are <strong>completely</strong> safe</a>, really.</p>
<ul><li id="li">Item text <p id="nested">Nested paragraph here.</p> tail words</li></ul>
<p id="br">First line<br>second line</p>
<div id="bare">Text straight in a div with <em>emphasis</em>.</div>
<p id="emoji">Great 😀 results: completely safe.</p>
<p hidden>Hidden attribute text.</p>
<p class="gone">Hidden by CSS text.</p>
<p aria-hidden="true">Hidden from assistive technology.</p>
<div contenteditable="true">Editable text area.</div>
<form><textarea>Textarea text here.</textarea><input value="Input text here"><button>Button text here</button></form>
<pre>Preformatted code text.</pre><p>Some <code>inline code text</code> around.</p>
<script>var s = "Script text here.";</script><style>p { color: black }</style>
<table><tr><td id="td">Cell text here</td><th>Header cell</th></tr></table>
<blockquote id="bq">Quoted words here.</blockquote>
</body></html>"""


@pytest.fixture(scope="module")
def page(chromium_path: str) -> Iterator[Any]:
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="redflag-dom-"),
            executable_path=chromium_path,
            headless=False,
            args=chromium_args(None),
        )
        try:
            pg = context.new_page()
            yield pg
        finally:
            context.close()


def load(page: Any, html: str) -> None:
    page.set_content(html)
    page.add_script_tag(path=str(EXTENSION_DIR / "lib" / "shared.js"))
    page.add_script_tag(path=str(EXTENSION_DIR / "lib" / "dom.js"))


def blocks(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => { const c = RedflagDom.createCollector(document.body); c.step(Infinity);
                 return c.blocks().map(b => [b.el.id || b.el.tagName, b.text]); }"""
        )
    )


def test_reads_visible_blocks_only(page: Any) -> None:
    load(page, PAGE)
    got = blocks(page)
    assert got == {
        "H1": "Stem cell clinic",
        "inline": "Our cells are completely safe, really.",
        "li": "Item text tail words",
        "nested": "Nested paragraph here.",
        "br": "First line\nsecond line",
        "bare": "Text straight in a div with emphasis.",
        "emoji": "Great 😀 results: completely safe.",
        "P": "Some around.",
        "td": "Cell text here",
        "TH": "Header cell",
        "bq": "Quoted words here.",
    }


MARK_JS = """([id, spans]) => {
  const c = RedflagDom.createCollector(document.getElementById(id)); c.step(Infinity);
  const b = c.blocks().find(x => x.el.id === id);
  const units = RedflagDom.unitIndex(b.text);
  const sp = spans.map(([s, e]) => ({start: units ? units[s] : s, end: units ? units[e] : e,
                                     findings: [{category: 'absolute-safety', id: 'r'}]}));
  let n = 0;
  const marks = RedflagDom.markSpans(b, sp, (span) => {
    const m = document.createElement('mark');
    m.dataset.redflagId = span.id ||= 'm' + (n++);
    return m;
  });
  return marks.map(m => [m.dataset.redflagId, m.textContent, m.parentElement.tagName]);
}"""


def test_marks_exact_spans_across_inline_elements_and_restores(page: Any) -> None:
    load(page, PAGE)
    before = page.inner_html("#inline")
    text = "Our cells are completely safe, really."
    start = text.index("completely safe")
    marks = page.evaluate(MARK_JS, ["inline", [[start, start + len("completely safe")], [0, 3]]])
    # one span crosses <strong>: two pieces with one id, in document order
    assert [m[1:] for m in marks] == [["completely", "STRONG"], [" safe", "A"], ["Our", "P"]]
    assert marks[0][0] == marks[1][0] != marks[2][0]
    assert page.text_content("#inline") == "Our cells are completely safe, really."
    assert page.get_attribute("#inline a", "href") == "/x"
    page.evaluate("RedflagDom.clearMarks(document.getElementById('inline'))")
    assert page.inner_html("#inline") == before
    assert page.evaluate("document.getElementById('inline').firstChild.data") == "Our "


def test_collapsed_white_space_maps_back(page: Any) -> None:
    load(page, PAGE)
    text = "Stem cell clinic"
    # the title is written "Stem   cell\n   clinic": the span "cell clinic" covers the raw newline
    page.evaluate("document.querySelector('h1').id = 'h'")
    marks = page.evaluate(MARK_JS, ["h", [[text.index("cell"), len(text)]]])
    assert marks == [["m0", "cell\n   clinic", "H1"]]


def test_code_point_offsets_after_an_emoji(page: Any) -> None:
    load(page, PAGE)
    py_text = "Great 😀 results: completely safe."
    start = py_text.index("completely safe")  # Python counts the emoji as one character
    marks = page.evaluate(MARK_JS, ["emoji", [[start, start + len("completely safe")]]])
    assert marks == [["m0", "completely safe", "P"]]


def test_line_break_is_not_marked(page: Any) -> None:
    load(page, PAGE)
    marks = page.evaluate(MARK_JS, ["br", [[6, 17]]])  # "line\nsecond"
    assert marks == [["m0", "line", "P"], ["m0", "second", "P"]]


def test_changed_text_node_is_left_alone(page: Any) -> None:
    load(page, PAGE)
    got = page.evaluate(
        """() => { const el = document.getElementById('td');
             const c = RedflagDom.createCollector(el); c.step(Infinity); const b = c.blocks()[0];
             el.firstChild.data = 'Cell text changed';
             return RedflagDom.markSpans(b, [{start: 0, end: 4, findings: []}],
                                         () => document.createElement('mark')).length; }"""
    )
    assert got == 0
    assert page.text_content("#td") == "Cell text changed"


def test_overlapping_findings_share_one_highlight(page: Any) -> None:
    load(page, "<p>x</p>")
    spans = page.evaluate(
        """() => RedflagDom.pickSpans([
             {id: 'model.efficacy-overclaim', source: 'model', severity: 'warning', start: 0, end: 40},
             {id: 'absolute-safety.risk-free', source: 'rule', severity: 'error', start: 10, end: 25},
             {id: 'call-to-action.free-offer', source: 'rule', severity: 'warning', start: 50, end: 60},
           ]).map(s => [s.start, s.end, s.findings.map(f => f.id)])"""
    )
    assert spans == [
        [10, 25, ["absolute-safety.risk-free", "model.efficacy-overclaim"]],
        [50, 60, ["call-to-action.free-offer"]],
    ]


def test_long_page_is_read_in_slices(page: Any) -> None:
    paragraphs = "".join(f"<p>Paragraph number {i} of a long page.</p>" for i in range(3000))
    load(page, f"<body>{paragraphs}</body>")
    steps, count = page.evaluate(
        """() => { const c = RedflagDom.createCollector(document.body); let steps = 1;
             while (!c.step(0)) steps++; return [steps, c.blocks().length]; }"""
    )
    assert count == 3000
    assert steps >= 3000 // 64  # with no time budget, a step stops after 64 text nodes


def test_categories_are_the_engines(page: Any) -> None:
    load(page, "<p>x</p>")
    assert page.evaluate("Redflag.CATEGORY_IDS") == list(CATEGORIES)
