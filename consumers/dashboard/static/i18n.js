// Interface strings in Chinese (default) and English, and the labels of coded values.
// Coded values (categories, types, levels, hazards ...) are labelled from /api/meta, so
// the page and the data contract share one set of names.

const STRINGS = {
  zh: {
    title: "上海市应急管理 · 城市运行态势",
    live: "实时", offline: "连接中断", connecting: "连接中",
    map: "区域态势", central_city: "中心城区", whole_city: "全市", warning_level: "预警等级", incident_level: "事件等级", no_warning: "无预警",
    blue: "蓝色", yellow: "黄色", orange: "橙色", red: "红色",
    incidents: "事件列表", total: "共 {n} 起", new_incidents: "{n} 起新事件",
    all_districts: "全部区", all_categories: "全部类别", all_levels: "全部等级",
    since: "自", until: "至", search_placeholder: "搜索(中文或英文)", apply: "查询", reset: "重置",
    prev: "上一页", next: "下一页", page: "第 {p} / {n} 页", empty: "没有符合条件的事件",
    reports: "{n} 份报告", outside_city: "市外",
    active_warnings: "生效预警", no_active_warnings: "暂无生效预警", timeline: "预警过程",
    lift_requested: "{who} 已申请解除",
    counts: "统计", by_category: "按类别", by_level: "按等级", by_district: "按区",
    status_reported: "待核实", status_verified: "已核实", status_responding: "处置中", status_resolved: "已办结", status_closed: "已归档",
    incident: "事件详情", description: "描述", level: "等级", type: "类型", category: "类别",
    district: "所属区", address: "地址", reported: "报告时间", source: "来源", status: "状态",
    population: "常住人口", casualties: "伤亡情况", grade_history: "定级记录",
    explanation: "规则说明", matched_terms: "匹配词", criterion: "判定依据", regulation: "依据",
    rule: "规则", confidence: "置信度", type_source: "类型来源",
    resources: "推荐救援力量", facilities: "周边设施", merged_reports: "合并报告",
    audit: "操作记录", none: "无", close: "关闭", distance: "{d} 米",
    deaths: "死亡", missing: "失踪", serious_injuries: "重伤", injuries: "受伤",
    affected: "受影响", evacuated: "疏散", economic_loss_cny: "经济损失(元)",
    verify: "核实", respond: "处置", resolve: "办结", close: "归档", committed: "已调派资源", lift: "解除预警", actor: "操作人", reason: "原因",
    submit: "提交", cancel: "取消", login: "登录", logout: "退出", token: "令牌",
    role_viewer: "只读", role_operator: "值班员", bad_token: "令牌无效",
    action_failed: "操作失败:{e}", incidents_in: "{n} 起事件",
  },
  en: {
    title: "Shanghai Emergency Management · City Situation",
    live: "Live", offline: "Disconnected", connecting: "Connecting",
    map: "Districts", central_city: "Central city", whole_city: "Whole city",
    warning_level: "Warning level", incident_level: "Incident level",
    no_warning: "No warning", blue: "Blue", yellow: "Yellow", orange: "Orange", red: "Red",
    incidents: "Incidents", total: "{n} incidents", new_incidents: "{n} new incidents",
    all_districts: "All districts", all_categories: "All categories", all_levels: "All levels",
    since: "From", until: "To", search_placeholder: "Search (Chinese or English)",
    apply: "Search", reset: "Reset", prev: "Previous", next: "Next", page: "Page {p} of {n}",
    empty: "No incidents match", reports: "{n} reports", reports_one: "1 report", outside_city: "Outside the city",
    active_warnings: "Active warnings", no_active_warnings: "No active warnings",
    timeline: "Timeline", lift_requested: "Lift requested by {who}",
    counts: "Counts", by_category: "By category", by_level: "By level", by_district: "By district",
    status_reported: "Reported", status_verified: "Verified", status_responding: "Responding", status_resolved: "Resolved", status_closed: "Closed",
    incident: "Incident", description: "Description", level: "Level", type: "Type",
    category: "Category", district: "District", address: "Address", reported: "Reported",
    source: "Source", status: "Status", population: "Population", casualties: "Casualties",
    grade_history: "Grade history", explanation: "Rule explanation",
    matched_terms: "Matched terms", criterion: "Criterion", regulation: "Regulation",
    rule: "Rule", confidence: "Confidence", type_source: "Type from",
    resources: "Recommended resources", facilities: "Nearby facilities",
    merged_reports: "Merged reports", audit: "Audit trail", none: "None", close: "Close",
    distance: "{d} m", deaths: "Deaths", missing: "Missing", serious_injuries: "Seriously injured",
    injuries: "Injured", affected: "Affected", evacuated: "Evacuated",
    economic_loss_cny: "Economic loss (CNY)",
    verify: "Verify", respond: "Respond", resolve: "Resolve", close: "Close", committed: "Committed resources", lift: "Lift warning", actor: "Operator name",
    reason: "Reason", submit: "Submit", cancel: "Cancel", login: "Sign in", logout: "Sign out",
    token: "Token", role_viewer: "Viewer", role_operator: "Operator", bad_token: "Invalid token",
    action_failed: "Action failed: {e}", incidents_in: "{n} incidents",
  },
};

let lang = localStorage.getItem("citywatch.lang") === "en" ? "en" : "zh";
let labels = {};

export function currentLang() {
  return lang;
}

export function setLang(value) {
  lang = value === "en" ? "en" : "zh";
  localStorage.setItem("citywatch.lang", lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
}

export function setLabels(value) {
  labels = value || {};
}

/** An interface string, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  if (vars.n === 1 && STRINGS[lang][`${key}_one`]) key = `${key}_one`;
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** The label of a coded value, e.g. label("type", "fire") -> 火灾 / fire. */
export function label(kind, value) {
  if (value === null || value === undefined) return "";
  const entry = (labels[kind] || {})[String(value)];
  return entry ? entry[lang] : String(value);
}

/** Every label of one kind, as [value, label] pairs in the order /api/meta gave them. */
export function labelsOf(kind) {
  return Object.keys(labels[kind] || {}).map((value) => [value, label(kind, value)]);
}

/** Apply the interface strings to every element marked with data-i18n. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  document.title = t("title");
}

const timeFormats = {};

/** A time in Shanghai, e.g. 11-29 12:05. */
export function formatTime(iso, withSeconds = false) {
  if (!iso) return "";
  const key = `${lang}:${withSeconds}`;
  timeFormats[key] ||= new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: withSeconds ? "2-digit" : undefined, hour12: false,
  });
  return timeFormats[key].format(new Date(iso));
}

export function formatNumber(n) {
  return new Intl.NumberFormat(lang === "en" ? "en-GB" : "zh-CN").format(n);
}
