// The incident view (description, grade and its history, rule explanation, merged
// reports, resources and facilities nearby, audit trail) and the operators' action dialog.

import { h, $, api } from "./dom.js";
import { t, label, formatTime, formatNumber, currentLang } from "./i18n.js";

const COUNTS = ["deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated"];

function field(name, ...value) {
  return [h("dt", null, t(name)), h("dd", null, ...value)];
}

function section(title, ...content) {
  return h("section", { class: "detail-section" }, h("h3", null, t(title)), ...content);
}

function facilityList(facilities) {
  if (!facilities.length) return h("p", { class: "muted" }, t("none"));
  return h("ul", { class: "facilities" },
    ...facilities.map((f) =>
      h("li", null,
        h("span", { class: "facility-kind" }, label("facility", f.kind)), " ",
        h("span", null, f.name), " ",
        f.distance_m != null ? h("span", { class: "muted" }, t("distance", { d: Math.round(f.distance_m) })) : null,
        f.reason_zh ? h("div", { class: "muted reason" }, currentLang() === "zh" ? f.reason_zh : f.reason_en) : null,
        f.by ? h("span", { class: "muted" }, " · ", f.by, " · ", formatTime(f.at, true)) : null),
    ),
  );
}

function gradeHistory(history) {
  return h("table", { class: "grade-history" },
    h("tbody", null,
      ...history.map((g) =>
        h("tr", null,
          h("td", null, h("span", { class: `level-badge lvl-${g.level}` }, label("level", g.level))),
          h("td", null, formatTime(g.at, true)),
          h("td", null, g.rule_id),
          h("td", { class: "muted" }, g.report_id)),
      ),
    ),
  );
}

function explanation(inc) {
  const ex = inc.explanation || {};
  return h("dl", null,
    ...field("rule", `${inc.rule?.id ?? ""} (${inc.rule?.version ?? ""})`),
    ...field("matched_terms", ...(ex.matched_terms || []).map((term) => h("span", { class: "chip" }, term))),
    ...field("criterion", ex.criterion || t("none")),
    ...field("regulation", ex.regulation || t("none")),
    ...field("type_source", ex.type_source || ""),
    ...field("confidence", inc.confidence != null ? `${Math.round(inc.confidence * 100)}%` : ""),
  );
}

function casualties(inc) {
  const c = inc.casualties || {};
  const parts = COUNTS.filter((k) => c[k]).map((k) => `${t(k)} ${c[k]}`);
  if (inc.economic_loss_cny) parts.push(`${t("economic_loss_cny")} ${formatNumber(inc.economic_loss_cny)}`);
  return parts.length ? parts.join(" · ") : t("none");
}

function auditTrail(audit) {
  if (!audit.length) return h("p", { class: "muted" }, t("none"));
  return h("ul", { class: "audit" },
    ...audit.map((a) =>
      h("li", null, formatTime(a.at, true), " · ", a.actor, " · ", a.action, " · ", a.reason)),
  );
}

/** Render the detail of one incident; `ctx` has `operator` and `onAction(id, action)`. */
export function renderDetail(detail, ctx) {
  const doc = detail.document;
  const inc = doc.incident;
  const body = $("detail-body");
  const parts = [
    h("h2", null, t("incident"), " ", h("span", { class: `level-badge lvl-${inc.level}` }, label("level", inc.level))),
    h("p", { class: "detail-message" }, doc.message),
    h("dl", { class: "detail-facts" },
      ...field("type", label("type", inc.type)),
      ...field("category", label("category", inc.category)),
      ...field("district", inc.district ? label("district", inc.district.code) : t("outside_city")),
      ...field("address", inc.address || ""),
      ...field("reported", formatTime(inc.reported_at, true)),
      ...field("source", label("source", inc.source)),
      ...field("population", inc.exposure?.district_population ? formatNumber(inc.exposure.district_population) : ""),
      ...field("casualties", casualties(inc)),
      ...field("status", h("span", { class: `status status-${detail.status}` }, t(`status_${detail.status}`))),
    ),
    ctx.operator ? h("div", { class: "actions" },
      h("button", { type: "button", class: "verify", disabled: detail.status !== "reported", onclick: () => ctx.onAction(inc.id, "verify") }, t("verify")),
      h("button", { type: "button", class: "respond", disabled: detail.status !== "verified" && detail.status !== "resolved", onclick: () => ctx.onAction(inc.id, "respond") }, t("respond")),
      h("button", { type: "button", class: "resolve", disabled: !["reported", "verified", "responding"].includes(detail.status), onclick: () => ctx.onAction(inc.id, "resolve") }, t("resolve")),
      h("button", { type: "button", class: "close", disabled: detail.status !== "resolved", onclick: () => ctx.onAction(inc.id, "close") }, t("close")),
    ) : null,
    section("grade_history", gradeHistory(inc.grade_history || [])),
    section("explanation", explanation(inc)),
    section("merged_reports", h("p", null, detail.merged_reports.join(", ") || t("none"))),
    section("resources", facilityList(detail.resources)),
    detail.committed.length ? section("committed", facilityList(detail.committed)) : null,
    section("facilities", facilityList(inc.exposure?.facilities || [])),
    section("audit", auditTrail(detail.audit)),
  ];
  body.replaceChildren(...parts.filter(Boolean));
  $("detail").hidden = false;
  $("detail").dataset.id = inc.id;
}

export async function openDetail(id, ctx) {
  const detail = await api(`/api/incidents/${encodeURIComponent(id)}`);
  renderDetail(detail, ctx);
}

export function closeDetail() {
  $("detail").hidden = true;
  delete $("detail").dataset.id;
}

/** Ask for the operator's name and reason, then POST; resolves with the audit record. */
export function askForAction(title, submit) {
  const dialog = $("action-dialog");
  $("action-title").textContent = title;
  $("action-actor").value = localStorage.getItem("citywatch.actor") || "";
  $("action-reason").value = "";
  $("action-error").hidden = true;
  return new Promise((resolve) => {
    const form = $("action-form");
    const done = (result) => {
      form.onsubmit = null;
      $("action-cancel").onclick = null;
      dialog.close();
      resolve(result);
    };
    $("action-cancel").onclick = () => done(null);
    form.onsubmit = async (event) => {
      event.preventDefault();
      const actor = $("action-actor").value.trim();
      const reason = $("action-reason").value.trim();
      localStorage.setItem("citywatch.actor", actor);
      try {
        done(await submit({ actor, reason }));
      } catch (err) {
        $("action-error").textContent = t("action_failed", { e: err.message });
        $("action-error").hidden = false;
      }
    };
    dialog.showModal();
  });
}
