/* redflag extension: constants and helpers shared by every part (background, content, popup, options).
 *
 * A classic script that defines `globalThis.Redflag`, so that it loads the same way in a Chromium
 * service worker (importScripts), a Firefox event page (background.scripts), content scripts and
 * extension pages (<script src>).
 */
(function (root) {
  "use strict";

  const api = root.browser ?? root.chrome;

  /* The eight categories of the engine (app/engine/finding.py CATEGORIES), in the same order. */
  const CATEGORIES = [
    { id: "absolute-safety", label: "Absolute safety claim" },
    { id: "efficacy-overclaim", label: "Efficacy overclaim" },
    { id: "approval-misrepresentation", label: "Approval misrepresentation" },
    { id: "broad-spectrum", label: "Broad-spectrum promotion" },
    { id: "call-to-action", label: "Sales pressure" },
    { id: "availability-normalization", label: "Presented as routine" },
    { id: "testimonial", label: "Testimonial as evidence" },
    { id: "evidence-inflation", label: "Evidence inflation" },
  ];
  const CATEGORY_IDS = CATEGORIES.map((c) => c.id);
  const SEVERITIES = ["suggestion", "warning", "error"];

  /* The page risk, computed as the engine computes a document's (app/engine/risk.py risk_of):
   * tests/extension/test_risk_constants.py checks that these numbers are the engine's. */
  const RISK = {
    severityWeight: { suggestion: 1.0, warning: 2.0, error: 3.0 },
    categoryBonus: 2.0,
    scale: 12.0,
    high: 60,
    medium: 25,
  };

  const DEFAULTS = Object.freeze({
    serviceUrl: "http://localhost:8000",
    apiKey: "",
    categories: CATEGORY_IDS.slice(),
    minSeverity: "suggestion",
    disabledSites: [],
  });

  /* Request limits: a page is sent in as few /check/batch calls as fit under these (the service's
   * defaults are 500 items and 5 MB per call; staying well below keeps each answer quick). */
  const BATCH_MAX_ITEMS = 200;
  const BATCH_MAX_CHARS = 150000;

  function categoryLabel(id) {
    const c = CATEGORIES.find((x) => x.id === id);
    return c ? c.label : id;
  }

  function severityRank(s) {
    const i = SEVERITIES.indexOf(s);
    return i < 0 ? 0 : i;
  }

  function riskOf(findings) {
    const counts = {};
    for (const id of CATEGORY_IDS) counts[id] = 0;
    let s = 0;
    for (const f of findings) {
      counts[f.category] = (counts[f.category] || 0) + 1;
      s += (RISK.severityWeight[f.severity] || 0) * (typeof f.confidence === "number" ? f.confidence : 1);
    }
    const distinct = Object.values(counts).filter((n) => n > 0).length;
    s += RISK.categoryBonus * distinct;
    const score = Math.round(100 * (1 - Math.exp(-s / RISK.scale)));
    const level = score >= RISK.high ? "high" : score >= RISK.medium ? "medium" : "low";
    return { score, level, counts };
  }

  /* Keep a finding when the user shows its category and it is at or above the minimum severity. */
  function wanted(finding, settings) {
    return (
      settings.categories.includes(finding.category) &&
      severityRank(finding.severity) >= severityRank(settings.minSeverity)
    );
  }

  async function loadSettings() {
    const stored = await api.storage.local.get(Object.keys(DEFAULTS));
    const s = Object.assign({}, DEFAULTS, stored);
    if (!Array.isArray(s.categories)) s.categories = DEFAULTS.categories.slice();
    if (!SEVERITIES.includes(s.minSeverity)) s.minSeverity = DEFAULTS.minSeverity;
    if (!Array.isArray(s.disabledSites)) s.disabledSites = [];
    s.serviceUrl = normalizeServiceUrl(s.serviceUrl) || DEFAULTS.serviceUrl;
    return s;
  }

  /* "http://host:8000/" -> "http://host:8000"; null when it is not an http(s) URL. */
  function normalizeServiceUrl(value) {
    if (typeof value !== "string") return null;
    try {
      const u = new URL(value.trim());
      if (u.protocol !== "http:" && u.protocol !== "https:") return null;
      return (u.origin + u.pathname).replace(/\/+$/, "");
    } catch (_) {
      return null;
    }
  }

  /* Only http(s) links from the service become clickable. */
  function safeHttpUrl(value) {
    if (typeof value !== "string") return null;
    try {
      const u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function siteOf(url) {
    try {
      return new URL(url).host;
    } catch (_) {
      return "";
    }
  }

  root.Redflag = Object.freeze({
    api,
    CATEGORIES,
    CATEGORY_IDS,
    SEVERITIES,
    RISK,
    DEFAULTS,
    BATCH_MAX_ITEMS,
    BATCH_MAX_CHARS,
    categoryLabel,
    severityRank,
    riskOf,
    wanted,
    loadSettings,
    normalizeServiceUrl,
    safeHttpUrl,
    siteOf,
  });
})(globalThis);
