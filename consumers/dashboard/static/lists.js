// The lists and counts: incidents (newest first), active warnings with their timeline,
// and bar charts of the server-side counts by category, level and district.

import { h, $, api } from "./dom.js";
import { t, label, formatTime, formatNumber } from "./i18n.js";

const ROMAN = { 1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ" };

function districtLabel(district) {
  return district ? label("district", district.code) || district.name : t("outside_city");
}

/** One incident row; `fresh` marks a live arrival for a short highlight. */
export function incidentRow(item, onOpen, fresh = false) {
  return h(
    "li",
    {
      class: `incident lvl-${item.level}${fresh ? " fresh" : ""}`,
      dataset: { id: item.id, level: item.level },
      tabindex: 0,
      onclick: () => onOpen(item.id),
      onkeydown: (e) => { if (e.key === "Enter") onOpen(item.id); },
    },
    h("div", { class: "row-head" },
      h("span", { class: `level-badge lvl-${item.level}` }, label("level", item.level) || ROMAN[item.level]),
      h("span", { class: "incident-type" }, label("type", item.type)),
      h("span", { class: "incident-district" }, districtLabel(item.district)),
      h("time", { datetime: item.at }, formatTime(item.at)),
    ),
    h("div", { class: "incident-message" }, item.message),
    h("div", { class: "row-foot" },
      h("span", { class: "reports" }, t("reports", { n: item.report_count || 1 })),
      h("span", { class: `status status-${item.status || "reported"}` }, t(`status_${item.status || "reported"}`)),
    ),
  );
}

export function renderIncidents(items, onOpen) {
  const list = $("incident-list");
  list.replaceChildren(...items.map((item) => incidentRow(item, onOpen)));
  if (!items.length) list.append(h("li", { class: "empty" }, t("empty")));
}

export function renderPager(page, size, total) {
  const pages = Math.max(1, Math.ceil(total / size));
  $("incident-total").textContent = t("total", { n: formatNumber(total) });
  $("page-label").textContent = t("page", { p: page, n: pages });
  $("prev-page").disabled = page <= 1;
  $("next-page").disabled = page >= pages || page * size >= 10000;
}

function warningTitle(w) {
  return `${districtLabel(w.district)} ${label("hazard", w.hazard)} ${label("warning_level", w.level)}`;
}

async function toggleTimeline(li, warningId) {
  const open = li.querySelector(".timeline");
  if (open) { open.remove(); return; }
  const { changes } = await api(`/api/warnings/${encodeURIComponent(warningId)}`);
  li.append(
    h("ol", { class: "timeline" },
      ...changes.map((c) =>
        h("li", { class: `w-${c.level}` },
          h("time", { datetime: c.at }, formatTime(c.at)), " ",
          label("action", c.action), " · ", label("warning_level", c.level),
          c.trigger ? ` · ${c.trigger.metric} ${c.trigger.value}${c.trigger.unit}` : ""),
      ),
    ),
  );
}

export function renderWarnings(items, { operator, onLift }) {
  const list = $("warning-list");
  if (!items.length) {
    list.replaceChildren(h("li", { class: "empty" }, t("no_active_warnings")));
    return;
  }
  list.replaceChildren(
    ...items.map((w) => {
      const li = h("li", { class: `warning w-${w.level}`, dataset: { warningId: w.warning_id, level: w.level } });
      const parts = [
        h("div", { class: "row-head", onclick: () => toggleTimeline(li, w.warning_id) },
          h("span", { class: `swatch w-${w.level}` }),
          h("span", { class: "warning-title" }, warningTitle(w)),
          h("span", { class: "warning-action" }, label("action", w.action)),
          h("time", { datetime: w.at }, formatTime(w.at)),
        ),
        w.lift_requested ? h("div", { class: "muted" }, t("lift_requested", { who: w.lift_requested.actor })) : null,
        operator ? h("button", { type: "button", class: "lift", onclick: () => onLift(w) }, t("lift")) : null,
      ];
      li.append(...parts.filter(Boolean));
      return li;
    }),
  );
}

function bars(container, rows) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  container.replaceChildren(
    ...rows.map((r) =>
      h("div", { class: `bar-row ${r.cls || ""}`, dataset: { key: r.key } },
        h("span", { class: "bar-label" }, r.label),
        h("span", { class: "bar" }, h("span", { class: "bar-fill", style: null, dataset: { pct: Math.round((100 * r.count) / max) } })),
        h("span", { class: "bar-count" }, formatNumber(r.count)),
      ),
    ),
  );
  for (const fill of container.querySelectorAll(".bar-fill")) fill.style.width = `${fill.dataset.pct}%`;
}

export function renderStats(stats) {
  const categories = stats.by_category.map((b) => ({ key: b.key, label: label("category", b.key), count: b.count }));
  if (stats.unclassified) categories.push({ key: "unclassified", label: label("type", "unclassified"), count: stats.unclassified });
  bars($("stats-category"), categories);
  const levels = [...stats.by_level].sort((a, b) => a.key - b.key);
  bars($("stats-level"), levels.map((b) => ({ key: b.key, label: label("level", b.key), count: b.count, cls: `lvl-${b.key}` })));
  const districts = stats.by_district.map((b) => ({ key: b.key, label: label("district", b.key), count: b.count }));
  if (stats.outside_city) districts.push({ key: "outside", label: t("outside_city"), count: stats.outside_city });
  bars($("stats-district"), districts);
}
