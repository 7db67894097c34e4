// The district map: an SVG drawn from /api/districts (GeoJSON, WGS 84), no tiles.
// Districts are filled by their most severe active warning; incidents are circles
// coloured by level. Longitude is scaled by cos(latitude) so shapes keep their proportions.

import { s, $ } from "./dom.js";
import { t, label, currentLang, formatNumber } from "./i18n.js";

const UNITS_PER_DEGREE = 1000;
const MARKER_RADIUS = { 1: 11, 2: 9, 3: 7, 4: 6 };

const CENTRAL = (code) => code < "310112"; // the seven central districts
let projection = null;
let features = [];
let zoomed = false;
let onDistrictClick = () => {};
let onMarkerClick = () => {};

function eachPosition(geometry, fn) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) for (const ring of polygon) for (const p of ring) fn(p);
}

function makeProjection(all) {
  let [minLon, minLat, maxLon, maxLat] = [180, 90, -180, -90];
  for (const f of all) {
    eachPosition(f.geometry, ([lon, lat]) => {
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    });
  }
  const kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180) * UNITS_PER_DEGREE;
  const pad = 10;
  return {
    width: (maxLon - minLon) * kx + 2 * pad,
    height: (maxLat - minLat) * UNITS_PER_DEGREE + 2 * pad,
    point: ([lon, lat]) => [
      ((lon - minLon) * kx + pad).toFixed(1),
      ((maxLat - lat) * UNITS_PER_DEGREE + pad).toFixed(1),
    ],
  };
}

function pathData(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const parts = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      parts.push("M" + ring.map((p) => projection.point(p).join(",")).join("L") + "Z");
    }
  }
  return parts.join("");
}

function districtName(props) {
  return currentLang() === "en" ? props.name_en : props.name_zh;
}

function tooltipText(props) {
  const lines = [
    districtName(props),
    `${t("population")}: ${formatNumber(props.population)}`,
    t("incidents_in", { n: props.incidents }),
  ];
  for (const w of props.warnings) lines.push(`${label("hazard", w.hazard)} ${label("warning_level", w.level)}`);
  return lines.join("\n");
}

function showTooltip(event, text) {
  const tip = $("map-tooltip");
  const box = $("map").parentElement.getBoundingClientRect();
  tip.textContent = text;
  tip.style.left = `${event.clientX - box.left + 12}px`;
  tip.style.top = `${event.clientY - box.top + 12}px`;
  tip.hidden = false;
}

function hideTooltip() {
  $("map-tooltip").hidden = true;
}

/** Draw (or redraw) the districts; `selected` is the district filter, if any. */
export function drawDistricts(collection, selected = []) {
  features = collection.features;
  projection ||= makeProjection(features);
  const svg = $("map");
  setView();
  let layer = svg.querySelector("#district-layer");
  if (!layer) {
    layer = s("g", { id: "district-layer" });
    svg.append(layer, s("g", { id: "label-layer" }), s("g", { id: "marker-layer" }));
  }
  const labels = svg.querySelector("#label-layer");
  layer.replaceChildren();
  labels.replaceChildren();
  for (const f of features) {
    const props = f.properties;
    const level = props.warning_level || "none";
    const path = s("path", {
      class: `district w-${level}${selected.includes(props.code) ? " selected" : ""}`,
      d: pathData(f.geometry),
      "fill-rule": "evenodd",
      dataset: { code: props.code, warning: level },
      onclick: () => onDistrictClick(props.code),
      onmousemove: (e) => showTooltip(e, tooltipText(props)),
      onmouseleave: hideTooltip,
    });
    layer.append(path);
    const [x, y] = projection.point(props.label);
    const small = CENTRAL(props.code);
    labels.append(
      s("text", { x, y, class: small ? "district-label small" : "district-label" }, districtName(props)),
    );
    if (props.incidents) {
      labels.append(
        s("text", { x, y: Number(y) + (small ? 13 : 20), class: "district-count" }, props.incidents),
      );
    }
  }
}

/** Draw incident markers (the current page plus live arrivals); most severe on top. */
export function drawMarkers(incidents) {
  const layer = $("map").querySelector("#marker-layer");
  if (!layer || !projection) return;
  layer.replaceChildren();
  const located = incidents.filter((i) => i.location);
  located.sort((a, b) => b.level - a.level);
  for (const incident of located) {
    const [cx, cy] = projection.point([incident.location.lon, incident.location.lat]);
    const text = `${label("level", incident.level)} ${label("type", incident.type)}\n${incident.message}`;
    layer.append(
      s("circle", {
        class: `marker lvl-${incident.level}`,
        cx, cy, r: MARKER_RADIUS[incident.level] || 6,
        dataset: { id: incident.id },
        onclick: (e) => { e.stopPropagation(); onMarkerClick(incident.id); },
        onmousemove: (e) => showTooltip(e, text),
        onmouseleave: hideTooltip,
      }),
    );
  }
}

function centralBox() {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features.filter((f) => CENTRAL(f.properties.code))) {
    eachPosition(f.geometry, (p) => {
      const [x, y] = projection.point(p).map(Number);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    });
  }
  const pad = 8;
  return [x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad];
}

function setView() {
  const svg = $("map");
  const box = zoomed ? centralBox() : [0, 0, projection.width, projection.height];
  svg.setAttribute("viewBox", box.map((v) => v.toFixed(0)).join(" "));
  svg.classList.toggle("zoomed", zoomed);
}

/** Show the central city (true) or the whole city (false). */
export function zoomCentral(value) {
  zoomed = value;
  if (projection) setView();
}

export function onMapClicks(district, marker) {
  onDistrictClick = district;
  onMarkerClick = marker;
}
