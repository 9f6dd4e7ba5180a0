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

  const DEFAULTS = Object.freeze({
    serviceUrl: "http://localhost:8000",
    apiKey: "",
    categories: CATEGORY_IDS.slice(),
    minSeverity: "suggestion",
    disabledSites: [],
  });

  /* A page goes to the service in pieces of at most this many characters (one per call); the
   * service's default limits are 2,000,000 characters per text and 5 MB per call. */
  const CHUNK_MAX_CHARS = 100000;

  function categoryLabel(id) {
    const c = CATEGORIES.find((x) => x.id === id);
    return c ? c.label : id;
  }

  function severityRank(s) {
    const i = SEVERITIES.indexOf(s);
    return i < 0 ? 0 : i;
  }

  /* Findings per category, every category present. */
  function countsOf(findings) {
    const counts = {};
    for (const id of CATEGORY_IDS) counts[id] = 0;
    for (const f of findings) counts[f.category] = (counts[f.category] || 0) + 1;
    return counts;
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
    DEFAULTS,
    CHUNK_MAX_CHARS,
    categoryLabel,
    severityRank,
    countsOf,
    wanted,
    loadSettings,
    normalizeServiceUrl,
    safeHttpUrl,
    siteOf,
  });
})(globalThis);
