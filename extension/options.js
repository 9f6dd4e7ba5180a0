/* redflag extension: the options page (service URL, API key, categories shown, minimum severity,
 * sites where highlighting is off), kept in storage.local. */
(function () {
  "use strict";

  const R = globalThis.Redflag;
  const api = R.api;
  const $ = (id) => document.getElementById(id);

  function renderCategories(selected) {
    const box = $("categories");
    box.replaceChildren();
    for (const c of R.CATEGORIES) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "category";
      input.value = c.id;
      input.checked = selected.includes(c.id);
      const name = document.createElement("span");
      name.textContent = `${c.label} `;
      const id = document.createElement("code");
      id.textContent = c.id;
      label.append(input, name, id);
      box.append(label);
    }
  }

  function renderSites(sites) {
    const list = $("sites");
    list.replaceChildren();
    for (const site of sites) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = site;
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = "Turn on again";
      btn.addEventListener("click", async () => {
        const s = await R.loadSettings();
        const left = s.disabledSites.filter((x) => x !== site);
        await api.storage.local.set({ disabledSites: left });
        renderSites(left);
      });
      li.append(name, " ", btn);
      list.append(li);
    }
    $("no-sites").hidden = sites.length > 0;
  }

  async function load() {
    const s = await R.loadSettings();
    $("serviceUrl").value = s.serviceUrl;
    $("apiKey").value = s.apiKey;
    $("minSeverity").value = s.minSeverity;
    renderCategories(s.categories);
    renderSites(s.disabledSites);
    document.body.dataset.ready = "true";
  }

  /* Reaching a service outside localhost needs the user's permission for its origin, unless the
   * service allows the extension's origin by CORS (REDFLAG_CORS_ALLOW_EXTENSIONS=true). */
  async function askPermission(url) {
    const origin = `${new URL(url).origin}/*`;
    if (!api.permissions) return true;
    try {
      if (await api.permissions.contains({ origins: [origin] })) return true;
      return await api.permissions.request({ origins: [origin] });
    } catch (_) {
      return false;
    }
  }

  async function save(e) {
    e.preventDefault();
    const url = R.normalizeServiceUrl($("serviceUrl").value);
    if (!url) {
      $("saved").textContent = "The service URL must start with http:// or https://.";
      return;
    }
    const granted = await askPermission(url);
    const categories = [...document.querySelectorAll("input[name=category]:checked")].map((i) => i.value);
    await api.storage.local.set({
      serviceUrl: url,
      apiKey: $("apiKey").value.trim(),
      categories,
      minSeverity: $("minSeverity").value,
    });
    $("serviceUrl").value = url;
    $("saved").textContent = granted
      ? "Saved."
      : "Saved. Without permission for that host, the service must allow the extension by CORS " +
        "(REDFLAG_CORS_ALLOW_EXTENSIONS=true).";
  }

  async function test() {
    const out = $("test-result");
    out.textContent = "Testing…";
    const url = R.normalizeServiceUrl($("serviceUrl").value);
    if (!url) {
      out.textContent = "The service URL must start with http:// or https://.";
      return;
    }
    try {
      const resp = await fetch(`${url}/version`, { cache: "no-store", signal: AbortSignal.timeout(3000) });
      const v = await resp.json();
      out.textContent = resp.ok
        ? `Connected: redflag ${v.app}, rules ${v.rules}, model ${v.model}.`
        : `The service answered ${resp.status}.`;
    } catch (_) {
      out.textContent = `Cannot reach ${url}. Is the service running, and does it allow the extension?`;
    }
  }

  $("form").addEventListener("submit", save);
  $("test").addEventListener("click", test);
  load();
})();
