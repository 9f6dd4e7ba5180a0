/* redflag extension: reading a page's visible text blocks and marking spans in them.
 *
 * Pure DOM code (no extension APIs), so tests can run it in a plain page.
 *
 * A block is a paragraph-like element (p, li, h1-h6, td, th, blockquote, ...) or a container (div,
 * section, ...) that holds text directly.  Its text is built from its own text nodes in document
 * order, with white space collapsed as the browser renders it and <br> read as a line break; text in
 * nested blocks belongs to those blocks.  For every character of that text the block keeps the text
 * node and the offset it came from, so a finding's [start, end) (character offsets into the text that
 * was sent) maps back to exact ranges of text nodes, which are wrapped in <mark> elements.
 */
(function (root) {
  "use strict";

  const PARAGRAPHS = [
    "P", "LI", "H1", "H2", "H3", "H4", "H5", "H6", "TD", "TH", "BLOCKQUOTE", "DD", "DT",
    "FIGCAPTION", "CAPTION", "SUMMARY", "LEGEND", "ADDRESS",
  ];
  const CONTAINERS = [
    "BODY", "DIV", "SECTION", "ARTICLE", "MAIN", "ASIDE", "HEADER", "FOOTER", "NAV", "FORM",
    "UL", "OL", "DL", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "DETAILS", "FIGURE", "FIELDSET",
    "CENTER", "DIALOG", "HGROUP", "SEARCH",
  ];
  const BLOCK_TAGS = new Set([...PARAGRAPHS, ...CONTAINERS]);
  /* Never read: code, scripts, styles, form fields and controls, embedded content. */
  const SKIP_TAGS = new Set([
    "SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "TITLE", "TEXTAREA", "INPUT", "SELECT",
    "OPTION", "OPTGROUP", "BUTTON", "CODE", "PRE", "KBD", "SAMP", "IFRAME", "OBJECT", "EMBED",
    "CANVAS", "VIDEO", "AUDIO", "MATH", "SVG",
  ]);
  const SKIP_SELECTOR =
    "script,style,noscript,template,textarea,input,select,option,button,code,pre,kbd,samp," +
    "iframe,object,embed,canvas,video,audio,math,svg,[hidden],[aria-hidden='true'],[inert]," +
    "[contenteditable=''],[contenteditable='true'],[data-redflag-ui]";
  const MARK_SELECTOR = "mark[data-redflag-id]";
  const MIN_LETTERS = /\p{L}[^]*\p{L}/u;
  const VIS_OPTIONS = {
    checkOpacity: true,
    opacityProperty: true,
    checkVisibilityCSS: true,
    visibilityProperty: true,
  };

  function isBlock(el) {
    return BLOCK_TAGS.has(el.tagName);
  }

  /* The block an element or text node belongs to: the closest paragraph or container, itself included. */
  function blockOf(node) {
    let el = node.nodeType === 1 ? node : node.parentElement;
    while (el && !isBlock(el)) el = el.parentElement;
    return el || node.ownerDocument.body;
  }

  function isVisible(el) {
    if (typeof el.checkVisibility !== "function") return true;
    if (el.checkVisibility(VIS_OPTIONS)) return true;
    // display: contents has no box of its own but shows its children
    return getComputedStyle(el).display === "contents";
  }

  function skippedElement(el) {
    if (SKIP_TAGS.has(el.tagName.toUpperCase())) return true;
    if (el.hasAttribute("hidden") || el.hasAttribute("inert") || el.hasAttribute("data-redflag-ui")) {
      return true;
    }
    if (el.getAttribute("aria-hidden") === "true") return true;
    if (el.isContentEditable) return true;
    return !isVisible(el);
  }

  /* True when nothing under `el` may be read (it or an ancestor is skipped or hidden). */
  function insideSkipped(el) {
    if (!el || !el.isConnected) return true;
    if (el.closest(SKIP_SELECTOR)) return true;
    if (el.parentElement && el.parentElement.isContentEditable) return true;
    return !isVisible(el);
  }

  /* Walks the text under `rootEl` in steps, so a huge page is read without one long task.
   * `step(budgetMs)` returns true when the walk is finished; `blocks()` then builds the blocks. */
  function createCollector(rootEl) {
    const doc = rootEl.ownerDocument;
    const groups = new Map(); // block element -> array of text nodes and "\n" for <br>
    const walker = doc.createTreeWalker(rootEl, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        if (node.nodeType === 3) {
          return node.data.length ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
        }
        if (node.tagName === "BR") return NodeFilter.FILTER_ACCEPT;
        if (node.matches(MARK_SELECTOR)) return NodeFilter.FILTER_SKIP;
        return skippedElement(node) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
      },
    });
    let finished = insideSkipped(rootEl);

    function add(node, item) {
      const block = blockOf(node);
      let g = groups.get(block);
      if (!g) groups.set(block, (g = []));
      g.push(item);
    }

    return {
      step(budgetMs) {
        const until = performance.now() + budgetMs;
        let n = 0;
        while (!finished) {
          const node = walker.nextNode();
          if (!node) {
            finished = true;
            break;
          }
          add(node, node.nodeType === 3 ? node : "\n");
          if (++n % 64 === 0 && performance.now() > until) break;
        }
        return finished;
      },
      blocks() {
        const out = [];
        for (const [el, items] of groups) {
          const b = buildBlock(el, items);
          if (b) out.push(b);
        }
        return out;
      },
    };
  }

  function isSpace(c) {
    return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
  }

  /* One block's text with, for each character, its text node (index into `nodes`, -1 for a line
   * break that stands for a <br>) and its offset in that node. */
  function buildBlock(el, items) {
    let total = 0;
    for (const it of items) total += typeof it === "string" ? 1 : it.data.length;
    const chars = [];
    const seg = new Int32Array(total + 1);
    const off = new Int32Array(total + 1);
    const nodes = [];
    const datas = [];
    let n = 0;
    let pending = -1; // segment of a pending collapsed space, or -1
    let pendingOff = 0;
    let afterBreak = true;
    for (const it of items) {
      if (typeof it === "string") {
        if (n > 0 && chars[chars.length - 1] !== "\n") {
          chars.push("\n");
          seg[n] = -1;
          off[n] = 0;
          n++;
        }
        pending = -1;
        afterBreak = true;
        continue;
      }
      const s = nodes.length;
      nodes.push(it);
      const data = it.data;
      datas.push(data);
      let runStart = -1; // start of a run of non-space characters, pushed as one slice
      for (let i = 0; i <= data.length; i++) {
        const space = i === data.length || isSpace(data.charCodeAt(i));
        if (!space) {
          if (runStart < 0) {
            if (pending >= 0) {
              chars.push(" ");
              seg[n] = pending;
              off[n] = pendingOff;
              n++;
              pending = -1;
            }
            runStart = i;
          }
          continue;
        }
        if (runStart >= 0) {
          chars.push(data.slice(runStart, i));
          for (let j = runStart; j < i; j++) {
            seg[n] = s;
            off[n] = j;
            n++;
          }
          runStart = -1;
          afterBreak = false;
        }
        if (i < data.length && pending < 0 && !afterBreak && n > 0) {
          pending = s;
          pendingOff = i;
        }
      }
    }
    const text = chars.join("");
    if (text.length < 4 || !MIN_LETTERS.test(text)) return null;
    return { el, text, nodes, datas, seg: seg.subarray(0, n), off: off.subarray(0, n) };
  }

  /* Python counts code points, JavaScript UTF-16 units: the unit index of each code-point offset of
   * `text` (length + 1 entries), or null when the two agree (no characters outside the BMP). */
  function unitIndex(text) {
    if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text)) return null;
    const idx = [];
    for (let i = 0; i < text.length; i++) {
      idx.push(i);
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
    }
    idx.push(text.length);
    return idx;
  }

  /* The same block's text read again now (to see whether the page changed it). */
  function readBlock(el) {
    const c = createCollector(el);
    c.step(Infinity);
    return c.blocks().find((b) => b.el === el) || null;
  }

  /* Choose the spans to mark in one block: findings by priority (rule before model, higher severity,
   * shorter span), a finding that overlaps one already chosen joins that one's list instead. */
  function pickSpans(findings) {
    const order = findings.slice().sort((a, b) => {
      const rs = (a.source === "rule" ? 0 : 1) - (b.source === "rule" ? 0 : 1);
      if (rs) return rs;
      const sv = sevRank(b.severity) - sevRank(a.severity);
      if (sv) return sv;
      return a.end - a.start - (b.end - b.start) || a.start - b.start;
    });
    const spans = [];
    for (const f of order) {
      if (!(f.end > f.start)) continue;
      const hit = spans.find((s) => f.start < s.end && s.start < f.end);
      if (hit) hit.findings.push(f);
      else spans.push({ start: f.start, end: f.end, findings: [f] });
    }
    return spans.sort((a, b) => a.start - b.start);
  }

  function sevRank(s) {
    return s === "error" ? 2 : s === "warning" ? 1 : 0;
  }

  /* Wrap each span of `block` in <mark> elements (one per text node it crosses).  `makeMark(span,
   * part)` returns a new, empty mark element; part is 0 for the first piece.  Returns the marks made,
   * in document order; spans whose text nodes changed since the block was read are left out. */
  function markSpans(block, spans, makeMark) {
    const pieces = [];
    spans.forEach((span, si) => {
      let cur = null;
      for (let i = span.start; i < span.end && i < block.seg.length; i++) {
        const s = block.seg[i];
        if (s < 0) continue;
        if (cur && cur.seg === s) {
          cur.rawEnd = block.off[i] + 1;
        } else {
          cur = { si, seg: s, rawStart: block.off[i], rawEnd: block.off[i] + 1, part: 0 };
          pieces.push(cur);
        }
      }
    });
    const parts = new Map();
    for (const p of pieces) {
      p.part = parts.get(p.si) || 0;
      parts.set(p.si, p.part + 1);
    }
    const fresh = block.nodes.map((node, i) => node.isConnected && node.data === block.datas[i]);
    const stale = new Set(pieces.filter((p) => !fresh[p.seg]).map((p) => p.si));
    const marks = [];
    pieces
      .filter((p) => !stale.has(p.si))
      .sort((a, b) => a.seg - b.seg || b.rawStart - a.rawStart)
      .forEach((p) => {
        const node = block.nodes[p.seg];
        if (p.rawEnd < node.data.length) node.splitText(p.rawEnd);
        const mid = p.rawStart > 0 ? node.splitText(p.rawStart) : node;
        const mark = makeMark(spans[p.si], p.part);
        mid.parentNode.insertBefore(mark, mid);
        mark.appendChild(mid);
        marks.push({ mark, si: p.si, seg: p.seg, rawStart: p.rawStart });
      });
    marks.sort((a, b) => a.si - b.si || a.seg - b.seg || a.rawStart - b.rawStart);
    return marks.map((m) => m.mark);
  }

  function mergeText(node) {
    if (!node || node.nodeType !== 3) return;
    let first = node;
    while (first.previousSibling && first.previousSibling.nodeType === 3) first = first.previousSibling;
    while (first.nextSibling && first.nextSibling.nodeType === 3) {
      first.appendData(first.nextSibling.data);
      first.nextSibling.remove();
    }
  }

  /* Remove the marks under `rootEl` (or `rootEl` itself), putting their text back as it was. */
  function clearMarks(rootEl) {
    const marks = [];
    if (rootEl.matches && rootEl.matches(MARK_SELECTOR)) marks.push(rootEl);
    if (rootEl.querySelectorAll) marks.push(...rootEl.querySelectorAll(MARK_SELECTOR));
    for (const mark of marks.reverse()) {
      const parent = mark.parentNode;
      if (!parent) continue;
      const first = mark.firstChild;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      mark.remove();
      mergeText(first);
    }
    return marks.length;
  }

  root.RedflagDom = Object.freeze({
    MARK_SELECTOR,
    isBlock,
    blockOf,
    insideSkipped,
    createCollector,
    readBlock,
    unitIndex,
    pickSpans,
    markSpans,
    clearMarks,
  });
})(globalThis);
