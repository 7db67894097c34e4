// The dashboard page: loads history and counts from the API, keeps them current from the
// live feed (/api/stream, server-sent events), and wires filters, paging, the language
// toggle, sign-in and the operators' actions.

import { h, $, api, debounce, ApiError } from "./dom.js";
import { t, setLang, currentLang, setLabels, labelsOf, translatePage } from "./i18n.js";
import { drawDistricts, drawMarkers, onMapClicks, zoomCentral } from "./map.js";
import { incidentRow, renderIncidents, renderPager, renderWarnings, renderStats } from "./lists.js";
import { openDetail, closeDetail, askForAction } from "./detail.js";

const PAGE_SIZE = 50;
const REFRESH_MS = 60_000;

const state = {
  role: "viewer",
  operatorActions: false,
  filter: { district: [], category: [], level: [], since: null, until: null, q: null },
  page: 1,
  total: 0,
  incidents: [],
  warnings: [],
  districts: null,
  stats: null,
  pendingNew: 0,
  central: false,
};

const isOperator = () => state.role === "operator";

function filterParams() {
  return { ...state.filter };
}

async function loadIncidents() {
  const body = await api("/api/incidents", { params: { ...filterParams(), page: state.page, size: PAGE_SIZE } });
  state.incidents = body.items;
  state.total = body.total;
  state.pendingNew = 0;
  renderAllIncidents();
}

function renderAllIncidents() {
  renderIncidents(state.incidents, showDetail);
  renderPager(state.page, PAGE_SIZE, state.total);
  drawMarkers(state.incidents);
  const badge = $("new-incidents");
  badge.hidden = state.pendingNew === 0;
  badge.textContent = t("new_incidents", { n: state.pendingNew });
}

async function loadDistricts() {
  state.districts = await api("/api/districts", { params: filterParams() });
  drawDistricts(state.districts, state.filter.district);
  drawMarkers(state.incidents);
}

async function loadStats() {
  state.stats = await api("/api/stats", { params: filterParams() });
  renderStats(state.stats);
}

async function loadWarnings() {
  state.warnings = (await api("/api/warnings/active")).items;
  renderWarnings(state.warnings, { operator: isOperator(), onLift: liftWarning });
}

const refreshCounts = debounce(() => Promise.all([loadStats(), loadDistricts()]).catch(report), 1500);
const refreshWarnings = debounce(() => Promise.all([loadWarnings(), loadDistricts()]).catch(report), 500);

async function loadAll() {
  await Promise.all([loadIncidents(), loadDistricts(), loadStats(), loadWarnings()]);
}

function report(err) {
  if (err instanceof ApiError && err.status === 401) openLogin();
  else console.error(err);
}

function matchesFilter(item) {
  const f = state.filter;
  if (f.q || f.since || f.until) return false;
  if (f.district.length && !(item.district && f.district.includes(item.district.code))) return false;
  if (f.category.length && !f.category.includes(item.category)) return false;
  if (f.level.length && !f.level.includes(String(item.level))) return false;
  return true;
}

function onLiveIncident(item) {
  const index = state.incidents.findIndex((i) => i.id === item.id);
  if (index >= 0) {
    item.status = state.incidents[index].status;
    state.incidents[index] = item;
  } else if (state.page === 1 && matchesFilter(item)) {
    item.status = item.status || "reported";
    state.incidents.unshift(item);
    state.incidents.length = Math.min(state.incidents.length, PAGE_SIZE);
    state.total += 1;
  } else {
    state.pendingNew += 1;
  }
  renderAllIncidents();
  const row = $("incident-list").querySelector(`li[data-id="${CSS.escape(item.id)}"]`);
  if (row) row.replaceWith(incidentRow(item, showDetail, true));
  refreshCounts();
}

function onLiveAudit(item) {
  const target = item.target || {};
  if (target.kind === "incident") {
    const incident = state.incidents.find((i) => i.id === target.id);
    if (incident) { incident.status = item.status; renderAllIncidents(); }
    if ($("detail").dataset.id === target.id) showDetail(target.id);
  } else if (target.kind === "warning") {
    refreshWarnings();
  }
}

function setLive(stateName) {
  const el = $("live-status");
  el.className = `live ${stateName}`;
  el.dataset.state = stateName;
  $("live-label").textContent = t(stateName === "on" ? "live" : stateName === "off" ? "offline" : "connecting");
}

function connectLive() {
  const source = new EventSource("/api/stream");
  source.addEventListener("hello", (e) => {
    setLive(JSON.parse(e.data).live.ready ? "on" : "connecting");
  });
  source.addEventListener("incident", (e) => { setLive("on"); onLiveIncident(JSON.parse(e.data).item); });
  source.addEventListener("warning", () => { setLive("on"); refreshWarnings(); });
  source.addEventListener("audit", (e) => onLiveAudit(JSON.parse(e.data).item));
  source.addEventListener("dropped", () => { source.close(); setTimeout(() => { connectLive(); loadAll().catch(report); }, 1000); });
  source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? "off" : "connecting");
  return source;
}

async function showDetail(id, attempt = 1) {
  try {
    await openDetail(id, { operator: isOperator(), onAction: changeStatus });
  } catch (err) {
    // A live incident can arrive a moment before it is searchable: try again shortly.
    if (err instanceof ApiError && err.status === 404 && attempt < 4) {
      setTimeout(() => showDetail(id, attempt + 1), 1000);
    } else {
      report(err);
    }
  }
}

async function changeStatus(id, action) {
  const record = await askForAction(`${t(action)} · ${id}`, (body) =>
    api(`/api/incidents/${encodeURIComponent(id)}/status`, { method: "POST", body: { action, ...body } }));
  if (record) { await showDetail(id); await loadIncidents(); }
}

async function liftWarning(w) {
  const record = await askForAction(`${t("lift")} · ${w.warning_id}`, (body) =>
    api(`/api/warnings/${encodeURIComponent(w.warning_id)}/lift`, { method: "POST", body }));
  if (record) await loadWarnings();
}

function fillSelect(select, allKey, kind, selected) {
  select.replaceChildren(
    h("option", { value: "" }, t(allKey)),
    ...labelsOf(kind).map(([value, text]) => h("option", { value, selected: selected.includes(value) }, text)),
  );
}

function fillFilters() {
  fillSelect($("f-district"), "all_districts", "district", state.filter.district);
  fillSelect($("f-category"), "all_categories", "category", state.filter.category);
  fillSelect($("f-level"), "all_levels", "level", state.filter.level);
}

function shanghaiTime(local) {
  return local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : null;
}

function readFilters() {
  const one = (id) => ($(id).value ? [$(id).value] : []);
  state.filter = {
    district: one("f-district"),
    category: one("f-category"),
    level: one("f-level"),
    since: shanghaiTime($("f-since").value),
    until: shanghaiTime($("f-until").value),
    q: $("f-q").value.trim() || null,
  };
  state.page = 1;
}

function applyLanguage() {
  translatePage();
  $("lang-toggle").textContent = currentLang() === "zh" ? "EN" : "中文";
  $("zoom-toggle").textContent = t(state.central ? "whole_city" : "central_city");
  $("role-label").textContent = t(`role_${state.role}`);
  $("login-button").textContent = t(state.authenticated ? "logout" : "login");
  setLive($("live-status").dataset.state);
  fillFilters();
  renderAllIncidents();
  if (state.districts) drawDistricts(state.districts, state.filter.district);
  drawMarkers(state.incidents);
  if (state.stats) renderStats(state.stats);
  renderWarnings(state.warnings, { operator: isOperator(), onLift: liftWarning });
  const open = $("detail").dataset.id;
  if (open) showDetail(open);
}

function openLogin() {
  $("login-error").hidden = true;
  $("login-token").value = "";
  if (!$("login-dialog").open) $("login-dialog").showModal();
}

async function loadMeta() {
  const meta = await api("/api/meta");
  setLabels(meta.labels);
  state.role = meta.role;
  state.authenticated = meta.authenticated;
  state.operatorActions = meta.operator_actions;
}

function wire() {
  $("lang-toggle").addEventListener("click", () => { setLang(currentLang() === "zh" ? "en" : "zh"); applyLanguage(); });
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); readFilters(); loadAll().catch(report); });
  $("filters").addEventListener("reset", () => setTimeout(() => { readFilters(); loadAll().catch(report); }));
  $("prev-page").addEventListener("click", () => { state.page -= 1; loadIncidents().catch(report); });
  $("next-page").addEventListener("click", () => { state.page += 1; loadIncidents().catch(report); });
  $("new-incidents").addEventListener("click", () => { state.page = 1; loadIncidents().catch(report); });
  $("detail-close").addEventListener("click", closeDetail);
  $("zoom-toggle").addEventListener("click", () => {
    state.central = !state.central;
    zoomCentral(state.central);
    $("zoom-toggle").textContent = t(state.central ? "whole_city" : "central_city");
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeDetail(); });
  onMapClicks((code) => {
    $("f-district").value = state.filter.district.includes(code) ? "" : code;
    readFilters();
    loadAll().catch(report);
  }, showDetail);
  $("login-button").addEventListener("click", async () => {
    if (state.authenticated) { await api("/api/session", { method: "DELETE" }); location.reload(); } else openLogin();
  });
  $("login-cancel").addEventListener("click", () => $("login-dialog").close());
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("/api/session", { method: "POST", body: { token: $("login-token").value } });
      location.reload();
    } catch {
      $("login-error").textContent = t("bad_token");
      $("login-error").hidden = false;
    }
  });
}

function tick() {
  $("clock").textContent = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(new Date());
}

async function main() {
  setLang(currentLang());
  wire();
  tick();
  setInterval(tick, 1000);
  try {
    await loadMeta();
  } catch (err) {
    applyLanguage();
    report(err);
    return;
  }
  applyLanguage();
  connectLive();
  await loadAll().catch(report);
  document.body.dataset.ready = "true";
  setInterval(() => loadAll().catch(report), REFRESH_MS);
}

main();
