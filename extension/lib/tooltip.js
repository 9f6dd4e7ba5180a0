/* redflag extension: the tooltip shown when a highlight is hovered or focused.
 *
 * It lives in a shadow root, so the page's styles neither change it nor are changed by it, and it is
 * built with DOM calls only (the service's text is never parsed as HTML).
 */
(function (root) {
  "use strict";

  const STYLE = `
    :host { all: initial; }
    .tip {
      position: fixed; z-index: 2147483647; box-sizing: border-box;
      max-width: min(420px, calc(100vw - 16px)); max-height: min(60vh, 480px); overflow: auto;
      padding: 10px 12px; border-radius: 8px; border: 1px solid #c9ccd1;
      background: #ffffff; color: #1b1d21; box-shadow: 0 6px 24px rgba(0, 0, 0, .18);
      font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; text-align: left;
    }
    .tip[hidden] { display: none; }
    section + section { margin-top: 10px; padding-top: 10px; border-top: 1px solid #e3e5e8; }
    header { display: flex; align-items: center; gap: 6px; margin-bottom: 4px; }
    .cat { font-weight: 650; }
    .sev { font-size: 11px; padding: 0 6px; border-radius: 9px; color: #fff; background: #5f6368; }
    .sev.error { background: #c62828; }
    .sev.warning { background: #b85c00; }
    .sev.suggestion { background: #1a5fb4; }
    p { margin: 4px 0; }
    .suggestion { color: #2f3337; }
    .label { font-weight: 600; }
    ul { margin: 6px 0 0; padding-left: 18px; }
    li { margin: 3px 0; }
    .authority { color: #5f6368; }
    .contradicts { color: #c62828; font-weight: 600; }
    q { font-style: italic; }
    a { color: #1a5fb4; }
    .meta { margin-top: 6px; color: #5f6368; font-size: 11px; }
  `;

  function el(doc, tag, attrs, ...children) {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      e.append(typeof c === "string" ? doc.createTextNode(c) : c);
    }
    return e;
  }

  function factItem(doc, fact, contradicted, R) {
    const url = R.safeHttpUrl(fact.url) || R.safeHttpUrl(fact.source);
    const source = url
      ? el(doc, "a", { href: url, target: "_blank", rel: "noopener noreferrer" }, fact.authority || url)
      : el(doc, "span", { class: "authority" }, fact.authority || "");
    const item = el(
      doc,
      "li",
      { class: "fact", "data-fact-id": fact.id || "" },
      contradicted ? el(doc, "span", { class: "contradicts" }, "Contradicted by this claim: ") : null,
      fact.statement || "",
      " — ",
      source
    );
    if (fact.quote) {
      item.append(
        el(doc, "br"),
        el(doc, "q", {}, fact.quote),
        " ",
        el(doc, "cite", { class: "authority" }, "(" + (fact.source || "") + ")")
      );
    }
    return item;
  }

  function findingSection(doc, f, R) {
    const contradicts = new Set(f.contradicts || []);
    const facts = f.facts || [];
    return el(
      doc,
      "section",
      { class: "finding", "data-category": f.category },
      el(
        doc,
        "header",
        {},
        el(doc, "span", { class: "cat" }, R.categoryLabel(f.category)),
        el(doc, "span", { class: "sev " + f.severity }, f.severity)
      ),
      el(doc, "p", { class: "message" }, f.message || ""),
      f.suggestion
        ? el(doc, "p", { class: "suggestion" }, el(doc, "span", { class: "label" }, "Instead: "), f.suggestion)
        : null,
      facts.length
        ? el(doc, "ul", { class: "facts" }, ...facts.map((x) => factItem(doc, x, contradicts.has(x.id), R)))
        : null,
      el(
        doc,
        "div",
        { class: "meta" },
        `${f.source === "model" ? "classifier" : "rule " + f.id} · confidence ${Math.round((f.confidence ?? 1) * 100)}%`
      )
    );
  }

  function create(doc, R) {
    const host = doc.createElement("div");
    host.setAttribute("data-redflag-ui", "tooltip");
    host.id = "redflag-tooltip-host";
    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(el(doc, "style", {}, STYLE));
    const tip = el(doc, "div", { class: "tip", role: "tooltip", "aria-live": "polite", hidden: "" });
    shadow.append(tip);
    let current = null;
    let timer = 0;

    function attach() {
      if (!host.isConnected) doc.documentElement.append(host);
    }

    function place(mark) {
      const rects = mark.getClientRects();
      const r = rects.length ? rects[0] : mark.getBoundingClientRect();
      const vw = doc.documentElement.clientWidth;
      const vh = doc.documentElement.clientHeight;
      const w = tip.offsetWidth;
      const h = tip.offsetHeight;
      let left = Math.min(Math.max(8, r.left), Math.max(8, vw - w - 8));
      let top = r.bottom + 6;
      if (top + h > vh - 8 && r.top - h - 6 >= 8) top = r.top - h - 6;
      tip.style.left = `${Math.round(left)}px`;
      tip.style.top = `${Math.round(Math.max(8, top))}px`;
    }

    return {
      host,
      get current() {
        return current;
      },
      show(mark, findings) {
        clearTimeout(timer);
        attach();
        if (current !== mark) {
          tip.replaceChildren(...findings.map((f) => findingSection(doc, f, R)));
          current = mark;
        }
        tip.hidden = false;
        place(mark);
      },
      hide() {
        clearTimeout(timer);
        tip.hidden = true;
        current = null;
      },
      hideSoon(ms) {
        clearTimeout(timer);
        timer = setTimeout(() => this.hide(), ms ?? 250);
      },
      cancelHide() {
        clearTimeout(timer);
      },
      contains(node) {
        return !!node && (node === host || shadow.contains(node));
      },
      remove() {
        this.hide();
        host.remove();
      },
    };
  }

  root.RedflagTooltip = Object.freeze({ create });
})(globalThis);
