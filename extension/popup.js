/* redflag extension: the toolbar popup.
 *
 * Shows the risk level and score of a tab's page, its red flags per category and one by one (a click
 * scrolls to the highlight), and the switch for the site.  The tab is the one named by `?tab=ID`
 * (so the popup also works opened in a tab of its own), else the active tab, else the last page tab
 * the extension saw.
 */
(function () {
  "use strict";

  const R = globalThis.Redflag;
  const api = R.api;
  const MAX_LISTED = 500;
  const $ = (id) => document.getElementById(id);

  let tabId = null;
  let tabUrl = "";
  let state = null;
  let service = null; // result of the last probe

  async function findTab() {
    const param = new URLSearchParams(location.search).get("tab");
    if (param !== null && param !== "") {
      tabId = Number(param);
    } else {
      const [active] = await api.tabs.query({ active: true, lastFocusedWindow: true });
      const self = location.href.split("?")[0];
      if (active && !(active.url || "").startsWith(self)) tabId = active.id;
      else {
        // this page is itself the active tab: show the last page the extension checked
        const res = await api.runtime.sendMessage({ type: "last-tab" }).catch(() => null);
        tabId = res && res.tabId != null ? res.tabId : null;
      }
    }
    if (tabId != null) {
      try {
        tabUrl = (await api.tabs.get(tabId)).url || "";
      } catch (_) {
        tabUrl = "";
      }
    }
  }

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function text(id, value) {
    $(id).textContent = value;
  }

  function render() {
    const url = tabUrl || (state && state.url) || "";
    text("site", R.siteOf(url));
    const isPage = /^https?:/.test(url);
    const serviceUp = !!service && service.ok;
    const broken =
      service && !service.ok
        ? service
        : !serviceUp && state && /unreachable|error/.test(state.status)
          ? state
          : null;

    show("problem", !!broken);
    if (broken) {
      text(
        "problem-title",
        broken.status === "error"
          ? "The redflag service answered with an error."
          : "The redflag service cannot be reached."
      );
      text(
        "problem-text",
        `${broken.message || ""} Start it with “bash scripts/serve.sh”, or set its address in the options.`
      );
    }

    let status = "";
    if (!isPage) status = "redflag checks web pages (http and https).";
    else if (!state) status = broken ? "" : "This page has not been checked yet. Reload it to check it.";
    else if (state.status === "disabled") status = "Highlighting is off on this site.";
    else if (state.status === "checking" && !state.findings.length) status = "Checking this page…";
    else if (state.findings.length === 0 && !broken) status = "No red flags found on this page.";
    text("status", status);
    show("status", !!status);

    $("site-switch").checked = !(state && state.status === "disabled");
    $("site-switch").disabled = !isPage;

    const findings = state && state.status !== "disabled" ? state.findings : [];
    show("summary", !!state && state.status !== "disabled" && !!state.risk);
    if (state && state.risk) {
      const level = state.risk.level;
      $("risk").className = `risk risk-${level}`;
      $("risk").dataset.level = level;
      text("risk-level", level);
      text("risk-score", `${state.risk.score}/100`);
      const counts = $("counts");
      counts.replaceChildren();
      for (const c of R.CATEGORIES) {
        const n = (state.counts && state.counts[c.id]) || 0;
        if (!n) continue;
        const li = document.createElement("li");
        li.dataset.category = c.id;
        li.className = "count";
        const label = document.createElement("span");
        label.textContent = c.label;
        const num = document.createElement("span");
        num.className = "num";
        num.textContent = String(n);
        li.append(label, num);
        counts.append(li);
      }
      const pageFindings = $("page-findings");
      pageFindings.replaceChildren();
      for (const d of state.documentFindings || []) {
        const li = document.createElement("li");
        li.className = `page-finding sev-${d.severity}`;
        li.dataset.id = d.id;
        const msg = document.createElement("span");
        msg.textContent = d.message;
        const sugg = document.createElement("span");
        sugg.className = "msg";
        sugg.textContent = d.suggestion;
        li.append(msg, sugg);
        pageFindings.append(li);
      }
    }

    show("list-section", findings.length > 0);
    text("list-title", `${findings.length} red flag${findings.length === 1 ? "" : "s"} on this page`);
    const list = $("findings");
    list.replaceChildren();
    for (const f of findings.slice(0, MAX_LISTED)) {
      const li = document.createElement("li");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = `finding sev-${f.severity}`;
      btn.dataset.markId = f.markId;
      btn.dataset.category = f.category;
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = R.categoryLabel(f.category);
      const quote = document.createElement("q");
      quote.textContent = f.text.length > 120 ? f.text.slice(0, 117) + "…" : f.text;
      const msg = document.createElement("span");
      msg.className = "msg";
      msg.textContent = f.message;
      btn.append(chip, quote, msg);
      btn.addEventListener("click", () => reveal(f.markId));
      li.append(btn);
      list.append(li);
    }
    if (findings.length > MAX_LISTED) {
      const li = document.createElement("li");
      li.className = "more";
      li.textContent = `and ${findings.length - MAX_LISTED} more`;
      list.append(li);
    }
    document.body.dataset.ready = "true";
  }

  async function reveal(markId) {
    if (tabId == null) return;
    await api.tabs.sendMessage(tabId, { type: "reveal", markId }).catch(() => null);
    const self = api.tabs.getCurrent ? await api.tabs.getCurrent().catch(() => null) : null;
    if (self) api.tabs.update(tabId, { active: true }).catch(() => {}); // the popup is a tab: show the page
  }

  async function refresh() {
    const res = await api.runtime.sendMessage({ type: "get-tab-state", tabId }).catch(() => null);
    state = res ? res.state : null;
    render();
  }

  async function probe() {
    service = await api.runtime.sendMessage({ type: "probe", tabId }).catch(() => null);
    if (!service) service = { ok: false, status: "error", message: "The extension's worker did not answer." };
    await refresh();
  }

  async function toggleSite(on) {
    const site = R.siteOf(tabUrl || (state && state.url) || "");
    if (!site) return;
    const settings = await R.loadSettings();
    const sites = new Set(settings.disabledSites);
    if (on) sites.delete(site);
    else sites.add(site);
    await api.storage.local.set({ disabledSites: [...sites] });
  }

  async function main() {
    await findTab();
    $("site-switch").addEventListener("change", (e) => toggleSite(e.target.checked));
    $("retry").addEventListener("click", async () => {
      if (tabId != null) await api.tabs.sendMessage(tabId, { type: "rescan" }).catch(() => null);
      await probe();
    });
    $("options").addEventListener("click", (e) => {
      e.preventDefault();
      api.runtime.openOptionsPage();
    });
    api.runtime.onMessage.addListener((msg) => {
      if (msg && msg.type === "tab-state" && msg.tabId === tabId) {
        state = msg.state;
        render();
      }
    });
    await refresh();
    await probe();
  }

  main().catch((err) => {
    text("status", `redflag could not read this tab: ${String((err && err.message) || err)}`);
    show("status", true);
  });
})();
