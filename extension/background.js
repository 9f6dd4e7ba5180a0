/* redflag extension: the background worker.
 *
 * The only part that talks to the service: content scripts hand it their text blocks and it calls
 * POST /check/batch (an extension's own request, so the page's Content-Security-Policy does not
 * apply).  It keeps each tab's findings (in storage.session, memory only, so they survive the worker
 * being stopped but never reach the disk), sets the toolbar badge, and answers the popup.
 */
"use strict";

if (typeof importScripts === "function" && !globalThis.Redflag) importScripts("lib/shared.js");

const R = globalThis.Redflag;
const api = R.api;
const CHECK_TIMEOUT_MS = 60000;
const HEALTH_TIMEOUT_MS = 3000;
const COLORS = { high: "#b3261e", medium: "#b85c00", low: "#5f6368", error: "#b3261e" };

const memory = new Map();
const session = api.storage && api.storage.session;

function key(tabId) {
  return `tab:${tabId}`;
}

async function getTab(tabId) {
  if (tabId == null) return null;
  if (memory.has(tabId)) return memory.get(tabId);
  if (!session) return null;
  try {
    const got = await session.get(key(tabId));
    const state = got[key(tabId)] || null;
    if (state) memory.set(tabId, state);
    return state;
  } catch (_) {
    return null;
  }
}

async function setTab(tabId, state) {
  memory.set(tabId, state);
  if (session) await session.set({ [key(tabId)]: state }).catch(() => {});
  api.runtime.sendMessage({ type: "tab-state", tabId, state }).catch(() => {});
}

async function dropTab(tabId) {
  memory.delete(tabId);
  if (session) await session.remove(key(tabId)).catch(() => {});
}

function base(settings) {
  return settings.serviceUrl;
}

/* One call to the service: { ok: true, data } or { ok: false, status, message } with a plain reason. */
async function callService(path, init, timeoutMs) {
  const settings = await R.loadSettings();
  const url = base(settings) + path;
  const headers = { Accept: "application/json" };
  if (init && init.body) headers["Content-Type"] = "application/json";
  if (settings.apiKey) headers["X-API-Key"] = settings.apiKey;
  let resp;
  try {
    resp = await fetch(url, {
      ...init,
      headers,
      credentials: "omit",
      cache: "no-store",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      ok: false,
      status: "unreachable",
      serviceUrl: base(settings),
      message: timedOut
        ? `The redflag service at ${base(settings)} did not answer in time.`
        : `The redflag service at ${base(settings)} cannot be reached. Is it running?`,
    };
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (_) {
    data = null;
  }
  if (!resp.ok) {
    const detail = data && (data.message || (typeof data.detail === "string" ? data.detail : ""));
    const why =
      resp.status === 401 || resp.status === 403
        ? "refused the API key (set it in the extension's options)"
        : resp.status === 429
          ? "is busy (too many requests); try again in a minute"
          : `answered ${resp.status}${detail ? ": " + detail : ""}`;
    return { ok: false, status: "error", serviceUrl: base(settings), message: `The redflag service at ${base(settings)} ${why}.` };
  }
  return { ok: true, data, serviceUrl: base(settings) };
}

async function checkItems(items) {
  const body = JSON.stringify({
    items: items.map((it) => ({ id: String(it.id), text: String(it.text), format: "text" })),
  });
  const res = await callService("/check/batch", { method: "POST", body }, CHECK_TIMEOUT_MS);
  if (!res.ok) return res;
  const out = (res.data && res.data.items) || [];
  return {
    ok: true,
    items: out.map((it) => ({
      id: it.id,
      findings: it.findings || [],
      risk: it.risk || null,
      document_findings: it.document_findings || [],
    })),
  };
}

async function probe(tabId) {
  const res = await callService("/health", { method: "GET" }, HEALTH_TIMEOUT_MS);
  const state = await getTab(tabId);
  if (state) {
    if (!res.ok) {
      await setTab(tabId, { ...state, status: res.status, message: res.message });
      await paint(tabId);
    } else if (state.status === "unreachable" || state.status === "error") {
      // the service is back: ask the page to try again
      api.tabs.sendMessage(tabId, { type: "rescan" }).catch(() => {});
    }
  }
  return res.ok
    ? { ok: true, serviceUrl: res.serviceUrl }
    : { ok: false, status: res.status, message: res.message, serviceUrl: res.serviceUrl };
}

async function paint(tabId) {
  const state = await getTab(tabId);
  const action = api.action;
  if (!action) return;
  let text = "";
  let color = COLORS.low;
  let title = "redflag";
  if (!state) {
    text = "";
  } else if (state.status === "unreachable" || state.status === "error") {
    text = "!";
    color = COLORS.error;
    title = `redflag: ${state.message || "the service cannot be reached"}`;
  } else if (state.status === "disabled") {
    title = "redflag: off on this site";
  } else {
    const n = state.findings.length;
    text = n ? (n > 999 ? "999+" : String(n)) : "";
    color = (state.risk && COLORS[state.risk.level]) || COLORS.low;
    title =
      n === 0
        ? state.status === "checking"
          ? "redflag: checking this page"
          : "redflag: no red flags on this page"
        : `redflag: ${n} red flag${n === 1 ? "" : "s"}` +
          (state.risk ? `, risk ${state.risk.level} (${state.risk.score}/100)` : "");
  }
  try {
    await action.setBadgeText({ tabId, text });
    await action.setBadgeBackgroundColor({ tabId, color });
    await action.setTitle({ tabId, title });
  } catch (_) {
    /* the tab is gone */
  }
}

/* The page's risk score and level are the service's (sent on by the content script); the counts are
 * those of the findings shown. */
async function onReport(msg, tabId) {
  const findings = Array.isArray(msg.findings) ? msg.findings : [];
  const risk = msg.risk && typeof msg.risk.score === "number" ? msg.risk : null;
  await setTab(tabId, {
    url: String(msg.url || ""),
    status: String(msg.status || "ok"),
    message: String(msg.message || ""),
    pending: Number(msg.pending || 0),
    findings,
    documentFindings: Array.isArray(msg.documentFindings) ? msg.documentFindings : [],
    risk: risk && { score: risk.score, level: String(risk.level) },
    counts: R.countsOf(findings),
    updated: Date.now(),
  });
  await paint(tabId);
}

async function lastPageTab() {
  if (memory.has("last")) return memory.get("last");
  if (!session) return null;
  const got = await session.get("lastTab").catch(() => ({}));
  return got.lastTab ?? null;
}

api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg !== "object") return false;
  const tabId = sender.tab ? sender.tab.id : msg.tabId;
  let work = null;
  if (msg.type === "check" && Array.isArray(msg.items)) work = checkItems(msg.items);
  else if (msg.type === "report" && sender.tab) {
    if (sender.tab.active) remember(tabId);
    work = onReport(msg, tabId).then(() => ({ ok: true }));
  }
  else if (msg.type === "get-tab-state") work = getTab(msg.tabId).then((state) => ({ state }));
  else if (msg.type === "probe") work = probe(msg.tabId);
  else if (msg.type === "last-tab") work = lastPageTab().then((id) => ({ tabId: id }));
  if (!work) return false;
  work
    .then((res) => sendResponse(res))
    .catch((err) => sendResponse({ ok: false, status: "error", message: String((err && err.message) || err) }));
  return true; // answers asynchronously
});

function remember(tabId) {
  memory.set("last", tabId);
  if (session) session.set({ lastTab: tabId }).catch(() => {});
}

api.tabs.onActivated.addListener(async ({ tabId }) => {
  if (await getTab(tabId)) remember(tabId);
});

api.tabs.onUpdated.addListener((tabId, change) => {
  // a new page or a reload: its content script starts over
  if (change.status === "loading") dropTab(tabId).then(() => paint(tabId));
});

api.tabs.onRemoved.addListener((tabId) => {
  dropTab(tabId);
});
