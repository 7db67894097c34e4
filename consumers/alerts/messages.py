"""From a citywatch document and the earlier messages of its chain to a CAP message (pure).

Identifiers follow GB/T 35965.1 in beginning with the 6-digit GB/T 2260 code of the area
(``310000`` for an incident outside any district), then ``W`` (warning) or ``I``
(incident), then the source document id with ``:`` written as ``~``, ``+<n>`` for the n-th
grading of a re-graded incident and ``+resolved`` once it is resolved or closed:
``310101-W-w-310101-rainstorm-7~2``, ``310101-I-hotline_119~r-1+2``. The same
document always gives the same identifier and the same bytes (``sent`` is the change's own
time), so a redelivered input is recognised and never becomes a second message.

A chain is what successive messages share (the warning id, or the incident id); it is
written in the CAP ``incidents`` element. Each message references all earlier messages of
its chain. See :mod:`consumers.alerts.mapping` for the field mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from consumers.alerts import mapping as m
from consumers.alerts.areas import DEFAULT_MAX_POINTS, circle, district_polygons
from consumers.alerts.cap import Alert, Area, Info, Summary, cap_time
from consumers.common.documents import Change, parse_time
from pipeline.geo.districts import get_district
from schemas.enums import EndReason, Hazard, IncidentType, Level, WarningAction

CITY_CODE = "310000"
"""GB/T 2260 code of Shanghai, for incidents outside every district."""
LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class MessageOptions:
    """What a deployment sets about its messages."""

    sender: str = "citywatch.local"
    sender_name_zh: str = "citywatch 上海市城市运行应急指挥"
    sender_name_en: str = "citywatch Shanghai emergency operations"
    status: str = "Actual"
    min_incident_level: int = 2
    incident_expiry_h: float = 24.0
    max_points: int = DEFAULT_MAX_POINTS
    web_base: str | None = None


def identifier_for(change: Change) -> str:
    """The deterministic CAP identifier of a change (see the module docstring)."""
    code = change.district_code or CITY_CODE
    kind = "W" if change.kind == "warning" else "I"
    suffix = f"+{change.version}" if change.version > 1 else ""
    suffix += "+resolved" if change.over else ""
    return f"{code}-{kind}-{change.doc_id.replace(':', '~')}{suffix}"


def msg_type_for(change: Change, earlier: list[Summary], min_level: int) -> str | None:
    """Alert, Update or Cancel for this change given its chain; None when nothing is sent.

    Warnings: issue -> Alert, escalate/deescalate -> Update (Alert when no earlier message
    is known), end -> Cancel (nothing when no earlier message is known). Incidents: the
    first grading at ``min_level`` or more serious -> Alert, later gradings -> Update, the
    incident resolved or closed -> Cancel (nothing when no earlier message is known).
    """
    live = bool(earlier) and earlier[-1].msg_type != "Cancel"
    if change.kind == "warning":
        wanted = m.MSG_TYPE_OF_ACTION[change.action or "issue"]
        if wanted == "Alert" or live:
            return wanted
        return "Alert" if wanted == "Update" else None
    if change.over:
        return "Cancel" if live else None
    if live:
        return "Update"
    return "Alert" if change.level <= min_level else None


def _area_desc(code: str | None) -> tuple[str, str]:
    if code is None or code == CITY_CODE:
        return "上海市", "Shanghai"
    district = get_district(code)
    suffix = "" if district.name_en.endswith("Area") else " District"
    return f"上海市{district.name_zh}", f"{district.name_en}{suffix}, Shanghai"


def _areas(
    code: str | None, opts: MessageOptions, point: Any = None, radius_km: float = 1.0
) -> tuple[Area, Area]:
    """The zh-CN and en ``area`` of a district (and of the incident's point, when given)."""
    zh, en = _area_desc(code)
    polygons = district_polygons(code, opts.max_points) if code else ()
    circles = (circle(point["lat"], point["lon"], radius_km),) if point else ()
    geocodes = (("GB/T 2260", code or CITY_CODE),)
    return (
        Area(zh, polygons, circles, geocodes),
        Area(en, polygons, circles, geocodes),
    )


CASUALTIES = {
    "deaths": ("死亡", "dead"),
    "missing": ("失踪", "missing"),
    "serious_injuries": ("重伤", "seriously injured"),
    "injuries": ("受伤", "injured"),
    "affected": ("受影响", "affected"),
    "evacuated": ("疏散", "evacuated"),
}
WARNING_INSTRUCTIONS = {
    "end": (
        "预警已解除,请继续关注官方发布的信息。",
        "The warning has ended; follow official news.",
    ),
    "severe": (
        "请立即做好防范,避免不必要的外出。",
        "Take precautions now; avoid unnecessary travel.",
    ),
    "other": ("请关注天气和官方信息,做好防范准备。", "Stay informed and be prepared."),
}
INCIDENT_INSTRUCTION = (
    "请远离事发区域,听从现场指挥。",
    "Keep away from the area; follow instructions on site.",
)


def _web(opts: MessageOptions) -> str | None:
    return f"{opts.web_base.rstrip('/')}/cap/feed.atom" if opts.web_base else None


def _pair(common: dict[str, Any], zh: dict[str, Any], en: dict[str, Any], opts: MessageOptions):
    """The zh-CN and en ``info`` blocks: shared fields plus each language's texts."""
    web = _web(opts)
    return (
        Info("zh-CN", sender_name=opts.sender_name_zh, web=web, **common, **zh),
        Info("en", sender_name=opts.sender_name_en, web=web, **common, **en),
    )


def _warning_infos(change: Change, w: dict[str, Any], opts: MessageOptions) -> tuple[Info, ...]:
    hazard, act = Hazard(w["hazard"]), WarningAction(w["action"])
    colour, end = w["level"], w.get("end_reason")
    zh_area, en_area = _areas(change.district_code, opts)
    event_zh = f"{hazard.label_zh}{m.COLOUR_ZH[colour]}预警"
    event_en = f"{hazard.label_en.capitalize()} {colour} warning"
    head_zh = f"{zh_area.desc}{event_zh}{act.label_zh}"
    head_en = f"{event_en} for {en_area.desc}: {act.label_en}"
    if end:
        head_zh += f"({EndReason(end).label_zh})"
        head_en += f" ({EndReason(end).label_en})"
    desc_zh, desc_en = [head_zh + "。"], [head_en + "."]
    trigger = w.get("trigger") or {}
    if trigger and not end:
        reading = f"{trigger['metric']} = {trigger['value']:g} {trigger['unit']}"
        if trigger.get("threshold") is not None:
            reading += f" (≥ {trigger['threshold']:g} {trigger['unit']})"
        desc_zh.append(f"实测 {reading}。")
        desc_en.append(f"Observed {reading}.")
    level = w.get("suggested_response_level")
    if level and not end:
        desc_zh.append(f"建议启动{m.ROMAN[level]}级应急响应。")
        desc_en.append(f"Suggested emergency response level {m.ROMAN_ASCII[level]}.")
    if not end:
        until = cap_time(parse_time(w["valid_until"]))
        desc_zh.append(f"有效期至 {until}。")
        desc_en.append(f"Valid until {until}.")
    kind = "end" if end else ("severe" if colour in ("red", "orange") else "other")
    params = [("citywatch:doc_id", change.doc_id), ("citywatch:warning_id", w["id"])]
    params += [("citywatch:sequence", str(w["sequence"])), ("citywatch:level", colour)]
    if level:
        params.append(("citywatch:suggested_response_level", str(level)))
    common = {
        "categories": (m.HAZARD_CAP_CATEGORY.get(hazard.value, "Other"),),
        "urgency": m.warning_urgency(colour, act.value),
        "severity": m.SEVERITY_OF_COLOUR[colour],
        "certainty": "Observed",
        "response_types": (m.warning_response(colour, act.value),),
        "event_codes": (("citywatch:hazard", hazard.value),),
        "effective": cap_time(parse_time(w["at"])),
        "onset": cap_time(parse_time(w["issued_at"])),
        "expires": cap_time(parse_time(w["at"] if end else w["valid_until"])),
        "parameters": tuple(params),
    }
    zh = {"event": event_zh, "headline": head_zh, "description": "".join(desc_zh)}
    en = {"event": event_en, "headline": head_en, "description": " ".join(desc_en)}
    zh_text, en_text = WARNING_INSTRUCTIONS[kind]
    zh |= {"instruction": zh_text, "areas": (zh_area,)}
    en |= {"instruction": en_text, "areas": (en_area,)}
    return _pair(common, zh, en, opts)


def _incident_infos(change: Change, doc: dict[str, Any], opts: MessageOptions) -> tuple[Info, ...]:
    i = doc["incident"]
    kind, grade = IncidentType(i["type"]), Level(int(i["level"]))
    radius_km = float((i.get("exposure") or {}).get("radius_m") or 1000.0) / 1000.0
    zh_area, en_area = _areas(change.district_code, opts, doc["geo"]["location"], radius_km)
    roman = m.ROMAN_ASCII[grade.value]
    head_zh = f"{zh_area.desc}{kind.label_zh}({grade.roman}级 {grade.label_zh})"
    head_en = f"{kind.label_en.capitalize()} in {en_area.desc} (level {roman}, {grade.label_en})"
    if change.over:
        head_zh += ",已处置完毕"
        head_en += ": resolved"
    text = doc.get("message") or ""
    desc_zh, desc_en = f"{head_zh}。{text}", f"{head_en}. {text}"
    counts = {k: v for k, v in (i.get("casualties") or {}).items() if v and k in CASUALTIES}
    if counts:
        desc_zh += " " + ",".join(f"{CASUALTIES[k][0]}{v}人" for k, v in counts.items()) + "。"
        desc_en += " " + ", ".join(f"{v} {CASUALTIES[k][1]}" for k, v in counts.items()) + "."
    if i.get("address"):
        desc_zh += f" 地点:{i['address']}"
        desc_en += f" Location: {i['address']}"
    at = parse_time(change.at)
    common = {
        "categories": (m.INCIDENT_CATEGORY.get(kind.value, "Other"),),
        "urgency": "Past" if change.over else "Immediate",
        "severity": m.SEVERITY_OF_LEVEL[grade.value],
        "certainty": m.incident_certainty(i.get("source", "")),
        "response_types": ("AllClear" if change.over else m.incident_response(grade.value),),
        "event_codes": (("citywatch:type", kind.value),),
        "effective": cap_time(at),
        "onset": cap_time(parse_time(i["reported_at"])),
        "expires": cap_time(at if change.over else at + timedelta(hours=opts.incident_expiry_h)),
        "parameters": (
            ("citywatch:doc_id", change.doc_id),
            ("citywatch:level", str(grade.value)),
            ("citywatch:grading", str(change.version)),
        ),
    }
    serious = grade.value <= 2 and not change.over
    zh = {"event": kind.label_zh, "headline": head_zh, "description": desc_zh}
    en = {"event": kind.label_en, "headline": head_en, "description": desc_en}
    zh |= {"instruction": INCIDENT_INSTRUCTION[0] if serious else None, "areas": (zh_area,)}
    en |= {"instruction": INCIDENT_INSTRUCTION[1] if serious else None, "areas": (en_area,)}
    return _pair(common, zh, en, opts)


def build_message(
    change: Change, doc: dict[str, Any], earlier: list[Summary], opts: MessageOptions
) -> Alert | None:
    """The CAP message for ``change`` (None when the change is not to be sent)."""
    msg_type = msg_type_for(change, earlier, opts.min_incident_level)
    if msg_type is None:
        return None
    if change.kind == "warning":
        infos = _warning_infos(change, doc["warning"], opts)
    else:
        infos = _incident_infos(change, doc, opts)
    return Alert(
        identifier=identifier_for(change),
        sender=opts.sender,
        sent=cap_time(parse_time(change.at)),
        status=opts.status,
        msg_type=msg_type,
        references=tuple(s.reference for s in earlier) if msg_type != "Alert" else (),
        incidents=change.chain,
        infos=infos,
    )
