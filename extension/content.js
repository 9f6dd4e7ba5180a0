/* redflag extension: the content script.
 *
 * Reads the page's visible text blocks, asks the background worker to check the ones it has not
 * checked yet (the worker calls the service, so the page's CSP does not apply), marks each finding's
 * span, and tells the worker what it found (for the badge and the popup).  New text is picked up by
 * a MutationObserver, debounced; text already checked is never sent again.  Work is cut into short
 * slices so a page with thousands of paragraphs stays responsive.  Nothing here throws into the page.
 */
(function () {
  "use strict";
  if (globalThis.__redflagContentLoaded) return;
  globalThis.__redflagContentLoaded = true;

  const R = globalThis.Redflag;
  const D = globalThis.RedflagDom;
  const api = R.api;
  const SLICE_MS = 8;
  const DEBOUNCE_MS = 600;
  const OBSERVE = { childList: true, characterData: true, subtree: true };
  const SEPARATOR = "\n\n";

  let settings = null;
  let enabled = false;
  let status = "idle"; // idle | checking | ok | unreachable | error | disabled
  let errorMessage = "";
  const results = new Map(); // block text -> findings from the service (never asked twice)
  const inflight = new Map(); // block text being checked now -> the blocks waiting for it
  let pageRisk = null; // the service's { score, level } for the page
  let documentFindings = []; // the service's findings about the page as a whole
  let nextChunk = 1;
  let seen = new WeakMap(); // block element -> the text it had when last handled
  const spansById = new Map(); // mark id -> { id, findings, marks }
  let nextId = 1;
  let observer = null;
  let tooltip = null;
  const dirty = new Set();
  let removed = false;
  let debounceTimer = 0;
  let running = null;
  let reportTimer = 0;
  let pendingItems = 0;

  const noop = () => {};

  function send(message) {
    try {
      return api.runtime.sendMessage(message).catch(noop);
    } catch (_) {
      return Promise.resolve(undefined); // the extension was reloaded: this script is orphaned
    }
  }

  function idle() {
    return new Promise((resolve) => {
      if (typeof requestIdleCallback === "function") requestIdleCallback(() => resolve(), { timeout: 50 });
      else setTimeout(resolve, 0);
    });
  }

  /* Run `fn` (our own DOM writes) with the observer off, keeping the page's own changes seen so far. */
  function quietly(fn) {
    if (observer) {
      takeRecords(observer.takeRecords());
      observer.disconnect();
    }
    try {
      return fn();
    } finally {
      if (observer && enabled && document.body) observer.observe(document.body, OBSERVE);
    }
  }

  // ---- reading and checking ---------------------------------------------------------------

  function takeRecords(records) {
    for (const r of records) {
      const t = r.target;
      if (r.type === "characterData") {
        dirty.add(D.blockOf(t));
        continue;
      }
      // the target block's own text changed when text or inline elements came or went; a block
      // that came is read whole, one that went took its highlights with it
      let own = false;
      for (const n of r.addedNodes) {
        if (n.nodeType === 1 && D.isBlock(n)) dirty.add(n);
        else if (n.nodeType === 1 && n.hasAttribute("data-redflag-ui")) continue;
        else if (n.nodeType === 1 || n.nodeType === 3) own = true;
      }
      for (const n of r.removedNodes) {
        if (n.nodeType === 3 || (n.nodeType === 1 && !D.isBlock(n))) own = true;
        else removed = true;
      }
      if (own) dirty.add(D.blockOf(t));
    }
  }

  function scheduleScan(delay) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      if (!running) running = pump().finally(() => (running = null));
    }, delay ?? DEBOUNCE_MS);
  }

  async function pump() {
    while (enabled && dirty.size) {
      const roots = outermost([...dirty]);
      dirty.clear();
      await scan(roots);
    }
  }

  function outermost(els) {
    const set = new Set(els.filter((e) => e && e.isConnected));
    return [...set].filter((e) => {
      for (let p = e.parentElement; p; p = p.parentElement) if (set.has(p)) return false;
      return true;
    });
  }

  function ownMarks(el) {
    return [...el.querySelectorAll(D.MARK_SELECTOR)].filter((m) => D.blockOf(m) === el);
  }

  async function scan(roots) {
    const blocks = [];
    for (const rootEl of roots) {
      const c = D.createCollector(rootEl);
      while (!c.step(SLICE_MS)) await idle();
      blocks.push(...c.blocks());
      if (!enabled) return;
    }
    const ready = [];
    const fresh = []; // blocks whose text goes to the service now, in page order
    const sending = new Set();
    for (let b of blocks) {
      const marked = ownMarks(b.el).length > 0;
      // unchanged, and marked exactly when it should be (the page may have re-rendered it)
      if (seen.get(b.el) === b.text && (inflight.has(b.text) || marked === hasWanted(b.text))) continue;
      if (marked) {
        quietly(() => ownMarks(b.el).forEach((m) => D.clearMarks(m)));
        b = D.readBlock(b.el);
        if (!b) continue;
      }
      seen.set(b.el, b.text);
      if (results.has(b.text)) {
        ready.push(b);
        continue;
      }
      const waiting = inflight.get(b.text);
      if (waiting) waiting.push(b);
      else inflight.set(b.text, [b]);
      // a text asked for by an earlier scan is not sent again; a text repeated on the page is part
      // of the page, and goes with it
      if (!waiting || sending.has(b.text)) {
        sending.add(b.text);
        fresh.push(b);
      }
    }
    await highlight(ready);
    if (fresh.length) await check(fresh);
    else if (status === "checking" && inflight.size === 0) setStatus("ok");
  }

  function hasWanted(text) {
    const fs = results.get(text);
    return !!fs && fs.some((f) => R.wanted(f, settings));
  }

  /* The blocks go to the service as the page's text: blocks joined by blank lines, so that the engine
   * reads each sentence in its context and judges the page as a whole (risk score, document
   * findings).  A long page goes in several pieces of at most CHUNK_MAX_CHARS, one per call, and
   * each piece is highlighted as soon as its answer is in. */
  async function check(blocks) {
    const chunks = [];
    let cur = [];
    let chars = 0;
    for (const b of blocks) {
      if (cur.length && chars + b.text.length > R.CHUNK_MAX_CHARS) {
        chunks.push(cur);
        cur = [];
        chars = 0;
      }
      cur.push(b);
      chars += b.text.length + SEPARATOR.length;
    }
    if (cur.length) chunks.push(cur);
    pendingItems += blocks.length;
    setStatus("checking");
    for (let i = 0; i < chunks.length; i++) {
      const parts = chunks[i].map((b) => b.text);
      const text = parts.join(SEPARATOR);
      const answer = await send({ type: "check", items: [{ id: `chunk-${nextChunk++}`, text }] });
      if (!enabled) return;
      if (!answer || !answer.ok || !answer.items || answer.items.length !== 1) {
        // forget these blocks, so that the next scan (a retry, or new text) asks again
        for (const b of chunks.slice(i).flat()) {
          for (const w of inflight.get(b.text) || []) seen.delete(w.el);
          seen.delete(b.el);
          inflight.delete(b.text);
        }
        pendingItems = 0;
        setStatus(
          answer && answer.status ? answer.status : "error",
          answer && answer.message ? answer.message : "The extension's worker did not answer."
        );
        return;
      }
      const item = answer.items[0];
      const perPart = splitFindings(text, parts, item.findings || []);
      const done = [];
      parts.forEach((part, j) => {
        if (!results.has(part)) results.set(part, perPart[j]);
        const waiting = inflight.get(part);
        if (waiting) done.push(...waiting);
        inflight.delete(part);
      });
      notePage(item);
      pendingItems -= parts.length;
      await highlight(done);
    }
    setStatus("ok");
  }

  /* The service's findings on the joined text, as findings on each part, with UTF-16 offsets into the
   * part (the service counts code points). */
  function splitFindings(text, parts, findings) {
    const starts = [];
    let at = 0;
    for (const p of parts) {
      starts.push(at);
      at += p.length + SEPARATOR.length;
    }
    const units = D.unitIndex(text);
    const out = parts.map(() => []);
    for (const f of findings) {
      const s = units ? units[f.start] : f.start;
      const e = units ? units[f.end] : f.end;
      if (s == null || e == null || !(e > s) || text.slice(s, e) !== f.text) continue;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= s) lo = mid;
        else hi = mid - 1;
      }
      const bs = starts[lo];
      const be = bs + parts[lo].length;
      if (s >= be) continue; // in a separator
      const end = Math.min(e, be);
      out[lo].push(Object.assign({}, f, { start: s - bs, end: end - bs, text: parts[lo].slice(s - bs, end - bs) }));
    }
    return out;
  }

  /* The page's risk is the service's: the highest of its pieces (one piece for almost every page). */
  function notePage(item) {
    if (item.risk && (!pageRisk || item.risk.score > pageRisk.score)) {
      pageRisk = { score: item.risk.score, level: item.risk.level };
    }
    for (const d of item.document_findings || []) {
      if (!documentFindings.some((x) => x.id === d.id)) {
        documentFindings.push({ id: d.id, severity: d.severity, message: d.message, suggestion: d.suggestion });
      }
    }
  }

  // ---- highlighting --------------------------------------------------------------------------

  async function highlight(blocks) {
    let until = performance.now() + SLICE_MS;
    for (const b of blocks) {
      if (!enabled) return;
      if (performance.now() > until) {
        scheduleReport();
        await idle();
        until = performance.now() + SLICE_MS;
      }
      quietly(() => highlightBlock(b));
    }
    scheduleReport();
  }

  function highlightBlock(b) {
    if (!b.el.isConnected) return;
    const findings = (results.get(b.text) || []).filter((f) => R.wanted(f, settings));
    if (!findings.length) return;
    const spans = D.pickSpans(findings);
    D.markSpans(b, spans, makeMark);
  }

  function makeMark(span, part) {
    if (!span.markId) {
      span.markId = `rf-${nextId++}`;
      spansById.set(span.markId, { id: span.markId, findings: span.findings, marks: [] });
    }
    const entry = spansById.get(span.markId);
    const first = span.findings[0];
    const severity = span.findings.reduce(
      (s, f) => (R.severityRank(f.severity) > R.severityRank(s) ? f.severity : s),
      "suggestion"
    );
    const mark = document.createElement("mark");
    mark.setAttribute("data-redflag-id", span.markId);
    mark.setAttribute("data-redflag-category", first.category);
    mark.setAttribute("data-redflag-rule", first.id);
    mark.setAttribute("data-redflag-severity", severity);
    const cats = [...new Set(span.findings.map((f) => f.category))];
    if (cats.length > 1) mark.setAttribute("data-redflag-categories", cats.join(" "));
    mark.setAttribute("tabindex", part === 0 ? "0" : "-1");
    // ARIA forbids naming a mark, but it may carry a description
    mark.setAttribute("aria-description", `Red flag, ${R.categoryLabel(first.category)}: ${first.message}`);
    entry.marks.push(mark);
    return mark;
  }

  function clearAll() {
    quietly(() => D.clearMarks(document.body));
    spansById.clear();
    inflight.clear();
    seen = new WeakMap();
    if (tooltip) tooltip.hide();
  }

  // ---- tooltip -------------------------------------------------------------------------------

  function markFrom(target) {
    return target && target.nodeType === 1 ? target.closest(D.MARK_SELECTOR) : null;
  }

  function showFor(mark) {
    const entry = spansById.get(mark.getAttribute("data-redflag-id"));
    if (!entry) return;
    if (!tooltip) tooltip = globalThis.RedflagTooltip.create(document, R);
    quietly(() => tooltip.show(mark, entry.findings));
  }

  function onOver(e) {
    try {
      const mark = markFrom(e.target);
      if (mark) showFor(mark);
      else if (tooltip && tooltip.contains(e.target)) tooltip.cancelHide();
    } catch (_) {
      /* never disturb the page */
    }
  }

  function onOut(e) {
    try {
      if (!tooltip || !tooltip.current) return;
      if (markFrom(e.target) || tooltip.contains(e.target)) {
        const to = e.relatedTarget;
        if (to && (markFrom(to) === tooltip.current || tooltip.contains(to))) return;
        tooltip.hideSoon(300);
      }
    } catch (_) {
      /* never disturb the page */
    }
  }

  function onFocusOut(e) {
    try {
      if (!tooltip || !tooltip.current || !markFrom(e.target)) return;
      if (tooltip.contains(e.relatedTarget)) return;
      tooltip.hideSoon(150);
    } catch (_) {
      /* never disturb the page */
    }
  }

  function onKey(e) {
    if (e.key === "Escape" && tooltip && tooltip.current) tooltip.hide();
  }

  document.addEventListener("mouseover", onOver, true);
  document.addEventListener("mouseout", onOut, true);
  document.addEventListener("focusin", onOver, true);
  document.addEventListener("focusout", onFocusOut, true);
  document.addEventListener("keydown", onKey, true);

  // ---- talking to the worker -----------------------------------------------------------------

  function setStatus(s, message) {
    status = s;
    errorMessage = message || "";
    scheduleReport(0);
  }

  function scheduleReport(delay) {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(report, delay ?? 200);
  }

  function report() {
    // the highlights still on the page, in document order (one query, not a sort over the DOM)
    const entries = [];
    const listed = new Set();
    for (const m of document.querySelectorAll(D.MARK_SELECTOR)) {
      const id = m.getAttribute("data-redflag-id");
      const e = spansById.get(id);
      if (e && !listed.has(id)) {
        listed.add(id);
        entries.push(e);
      }
    }
    for (const id of [...spansById.keys()]) if (!listed.has(id)) spansById.delete(id);
    const findings = [];
    for (const e of entries) {
      for (const f of e.findings) {
        findings.push({
          markId: e.id,
          id: f.id,
          category: f.category,
          severity: f.severity,
          message: f.message,
          text: f.text,
          source: f.source,
          confidence: f.confidence,
        });
      }
    }
    send({
      type: "report",
      url: location.href,
      status,
      message: errorMessage,
      pending: pendingItems,
      risk: pageRisk,
      documentFindings,
      findings,
    });
  }

  function reveal(markId) {
    const entry = spansById.get(markId);
    const mark = entry && entry.marks.find((m) => m.isConnected);
    if (!mark) return false;
    mark.scrollIntoView({ block: "center", inline: "nearest" });
    mark.focus({ preventScroll: true });
    showFor(mark);
    return true;
  }

  function onMessage(msg, _sender, sendResponse) {
    try {
      if (!msg || typeof msg !== "object") return false;
      if (msg.type === "reveal") sendResponse({ ok: reveal(msg.markId) });
      else if (msg.type === "rescan") {
        if (enabled) {
          dirty.add(document.body);
          scheduleScan(0);
        }
        sendResponse({ ok: enabled });
      } else if (msg.type === "report-now") {
        report();
        sendResponse({ ok: true });
      }
    } catch (_) {
      /* never disturb the page */
    }
    return false;
  }

  // ---- life cycle ----------------------------------------------------------------------------

  async function applySettings(changed) {
    const before = settings;
    settings = await R.loadSettings();
    const nowEnabled = !settings.disabledSites.includes(location.host);
    if (!nowEnabled) {
      if (enabled || !before) {
        enabled = false;
        if (observer) observer.disconnect();
        clearAll();
      }
      setStatus("disabled");
      return;
    }
    const serviceChanged = before && (before.serviceUrl !== settings.serviceUrl || before.apiKey !== settings.apiKey);
    if (serviceChanged) {
      results.clear();
      pageRisk = null;
      documentFindings = [];
    }
    if (!enabled || serviceChanged || (changed && (changed.categories || changed.minSeverity))) {
      enabled = true;
      clearAll();
      if (!observer) observer = new MutationObserver((records) => {
        takeRecords(records);
        if (enabled && dirty.size) scheduleScan();
        if (removed) {
          removed = false;
          scheduleReport(DEBOUNCE_MS); // highlights may have gone with the page's own removals
        }
      });
      if (document.body) observer.observe(document.body, OBSERVE);
      dirty.add(document.body);
      if (status === "disabled" || status === "idle") status = "checking";
      scheduleScan(0);
    }
  }

  try {
    api.runtime.onMessage.addListener(onMessage);
    api.storage.onChanged.addListener((changes, area) => {
      if (area === "local") applySettings(changes).catch(noop);
    });
    if (document.body) applySettings(null).catch(noop);
  } catch (_) {
    /* the extension's context is gone: stay silent */
  }
})();
