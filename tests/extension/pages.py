"""Local HTML pages made from corpus files, for the browser tests.

Short lines without a final stop become headings, lines of the form ``Name – description`` become
list items, everything else paragraphs.  ``page_004`` also plants things a highlighter must not
break or read: a red-flag phrase split across ``<strong>`` and a link, a click handler of the
page's own, and the same kind of claim in hidden elements, a form field and a script.
"""

from __future__ import annotations

import html

HIDDEN_CLAIM = "Treatment with these cells is consistently safe for every patient."


def _is_heading(line: str) -> bool:
    return len(line) < 90 and not line.rstrip().endswith((".", "!", "?", ":", ";", ",", "”", '"'))


def body_html(text: str) -> list[str]:
    out: list[str] = []
    in_list = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        is_item = " – " in line and len(line.split(" – ", 1)[0]) < 40
        if is_item and not in_list:
            out.append("<ul>")
            in_list = True
        elif not is_item and in_list:
            out.append("</ul>")
            in_list = False
        esc = html.escape(line, quote=False)
        if is_item:
            out.append(f"<li>{esc}</li>")
        elif _is_heading(line):
            out.append(f"<h2>{esc}</h2>")
        else:
            out.append(f"<p>{esc}</p>")
    if in_list:
        out.append("</ul>")
    return out


def page(title: str, body: list[str], head: str = "") -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:17px/1.55 Georgia,serif;max-width:760px;margin:24px auto;padding:0 16px;"
        "color:#222}h2{font:600 22px/1.3 system-ui,sans-serif;margin:28px 0 8px}"
        f"</style>{head}</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def page_004(text: str) -> str:
    body = body_html(text)
    i = next(n for n, line in enumerate(body) if line.startswith("<p>We'll send your FREE"))
    body[i] = (
        '<p id="cta">We\'ll send your <strong>FREE</strong> information packet\u00a0that outlines our '
        'entire personalized, <a id="cta-link" href="#packet">stress-free stem cell treatment '
        "process</a>!</p>"
    )
    claim = html.escape(HIDDEN_CLAIM)
    body += [
        f'<p id="hidden-attr" hidden>{claim}</p>',
        f'<div style="display:none"><p id="hidden-css">{claim}</p></div>',
        f'<p id="hidden-aria" aria-hidden="true">{claim}</p>',
        f'<form><textarea id="field">{claim}</textarea><input id="input" value="{claim}"></form>',
        f'<script>window.planted = "{claim}";</script>',
        '<h2 id="packet">Packet</h2>',
    ]
    head = (
        "<script>window.ctaClicks = 0; document.addEventListener('DOMContentLoaded', () => "
        "document.getElementById('cta').addEventListener('click', () => window.ctaClicks++));</script>"
    )
    return page("Mesenchymal stem cell treatment", body, head)


def page_003(text: str) -> str:
    return page("Exosome therapy for knee pain", body_html(text))


def page_many(paragraphs: int, text: str) -> str:
    """A long page: ``paragraphs`` paragraphs, each different, cycling through ``text``'s sentences."""
    sentences = [
        s.strip() + "." for s in text.replace("\n", " ").split(". ") if len(s.strip()) > 20
    ]
    body = [
        f"<p>{i}. {html.escape(sentences[i % len(sentences)], quote=False)}</p>"
        for i in range(paragraphs)
    ]
    return page("A very long page", body)
