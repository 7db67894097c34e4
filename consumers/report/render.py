"""The situation report as sections, written as Markdown and as self-contained HTML (pure).

:func:`sections` turns the figures of this and the previous period and the active warnings
(and, when given, the overdue inspection findings and the inspection counts per district,
and the resources committed to incidents) into titled sections of bullets, tables and
charts; :func:`to_markdown` links the chart files, :func:`to_html` embeds them as
``data:image/png;base64`` so the HTML file stands alone.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from consumers.common.documents import parse_time
from consumers.report.queries import Figures, InspectionFigures, ResourceFigures
from consumers.report.text import (
    action_label,
    category_label,
    colour_label,
    district_label,
    hazard_label,
    hazard_level_label,
    level_label,
    phrase,
    resource_kind_label,
    response_label,
    site_kind_label,
    type_label,
)

CST = timezone(timedelta(hours=8))
TOP_TYPES = 10


@dataclass
class Section:
    title: str
    bullets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    images: list[tuple[str, Path]] = field(default_factory=list)


def _time(value: datetime | str) -> datetime:
    return parse_time(value) if isinstance(value, str) else value


def local(value: datetime | str) -> str:
    """``2025-07-01 08:00`` in China Standard Time."""
    return _time(value).astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _elapsed(since: datetime | str, at: datetime, unit_s: float) -> str:
    """Units from ``since`` to ``at`` (never negative), one decimal."""
    return f"{max((at - _time(since)).total_seconds(), 0.0) / unit_s:.1f}"


def delta(now: int, before: int) -> str:
    diff = now - before
    return f"+{diff}" if diff > 0 else (f"−{-diff}" if diff < 0 else "0")


def _compare(lang: str, label: str, now: int, before: int) -> str:
    return f"{label}: **{now}** ({phrase('previous', lang)} {before}, {delta(now, before)})"


def sections(
    now: Figures,
    before: Figures,
    active: list[dict[str, Any]],
    lang: str,
    charts: list[tuple[str, Path]],
    inspections: InspectionFigures | None = None,
    resources: ResourceFigures | None = None,
) -> list[Section]:
    """The report's sections, in reading order (the inspection and resource sections when
    given)."""
    p = lambda key: phrase(key, lang)  # noqa: E731 - a local shorthand
    serious_now = now.by_level.get(1, 0) + now.by_level.get(2, 0)
    serious_before = before.by_level.get(1, 0) + before.by_level.get(2, 0)
    actions = ", ".join(
        f"{action_label(a, lang)} {n}" for a, n in sorted(now.warnings_by_action.items())
    )
    summary = Section(
        p("summary"),
        bullets=[
            _compare(lang, p("incidents"), now.incidents, before.incidents),
            _compare(lang, p("serious"), serious_now, serious_before),
            f"{p('active_warnings')}: **{len(active)}**",
            _compare(lang, p("warning_changes"), now.warning_changes, before.warning_changes)
            + (f"; {actions}" if actions else ""),
        ],
    )
    if inspections is not None and inspections.available:
        summary.bullets.append(_overdue_bullet(inspections, lang))
    if resources is not None and resources.available:
        summary.bullets.append(f"{p('committed_resources')}: **{resources.committed_total}**")
    compare_header = [p("this_period"), p("previous"), p("change")]
    levels = Section(p("how_serious"), header=[p("level"), *compare_header])
    for level in (1, 2, 3, 4):
        a, b = now.by_level.get(level, 0), before.by_level.get(level, 0)
        levels.rows.append([level_label(level, lang), str(a), str(b), delta(a, b)])
    categories = Section(p("what"), header=[p("category"), *compare_header])
    for key in sorted(set(now.by_category) | set(before.by_category)):
        a, b = now.by_category.get(key, 0), before.by_category.get(key, 0)
        categories.rows.append([category_label(key, lang), str(a), str(b), delta(a, b)])
    types = Section(p("types"), header=[p("type"), p("count")])
    for key, n in sorted(now.by_type.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TYPES]:
        types.rows.append([type_label(key, lang), str(n)])
    where = Section(
        p("where"), header=[p("district"), p("this_period"), "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", p("previous")]
    )
    for code, d in sorted(now.by_district.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
        prev = before.by_district.get(code, {}).get("count", 0)
        lv = [str(d["levels"].get(n, 0)) for n in (1, 2, 3, 4)]
        where.rows.append([district_label(code, d["name"], lang), str(d["count"]), *lv, str(prev)])
    serious = Section(
        p("serious_list"),
        header=[p("time"), p("district"), p("type"), p("level"), p("description")],
    )
    for doc in now.serious:
        i = doc["incident"]
        district = i.get("district") or {"code": "outside", "name": ""}
        text = (doc.get("message") or "").replace("\n", " ")
        serious.rows.append(
            [
                local(doc["@timestamp"]),
                district_label(district["code"], district["name"], lang),
                type_label(i["type"], lang),
                level_label(int(i["level"]), lang),
                text[:120] + ("…" if len(text) > 120 else ""),
            ]
        )
    warnings = Section(
        p("active_warnings"),
        header=[
            p("district"),
            p("hazard"),
            p("colour"),
            p("since"),
            p("valid_until"),
            p("response"),
        ],
    )
    for w in active:
        level = w.get("suggested_response_level")
        warnings.rows.append(
            [
                district_label(w["district"]["code"], w["district"]["name"], lang),
                hazard_label(w["hazard"], lang),
                colour_label(w["level"], lang),
                local(w["issued_at"]),
                local(w["valid_until"]),
                response_label(level, lang) if level else "",
            ]
        )
    by_hazard = Section(p("warnings_by_hazard"), header=[p("hazard"), p("count")])
    for key, n in sorted(now.warnings_by_hazard.items(), key=lambda kv: (-kv[1], kv[0])):
        by_hazard.rows.append([hazard_label(key, lang), str(n)])
    out = [summary, levels, categories, types, where, serious, warnings]
    if by_hazard.rows:
        out.append(by_hazard)
    if inspections is not None:
        out += inspection_sections(inspections, lang)
    if resources is not None:
        out.append(resource_section(resources, lang))
    for section in out:
        if section.header and not section.rows and not section.bullets:
            section.bullets.append(p("none"))
    if charts:
        out.append(Section(p("charts"), images=charts))
    return out


def _overdue_bullet(figures: InspectionFigures, lang: str) -> str:
    text = f"{phrase('overdue_findings', lang)}: **{figures.overdue_total}**"
    major = figures.overdue_by_level.get("major", 0)
    return text + (f" ({phrase('of_which_major', lang)} {major})" if major else "")


def days_overdue(deadline: datetime | str, at: datetime) -> str:
    """Days from the deadline to ``at``, one decimal (``2.5``)."""
    return _elapsed(deadline, at, 86400)


def inspection_sections(figures: InspectionFigures, lang: str) -> list[Section]:
    """逾期未整改隐患 (the overdue findings, most overdue first) and the counts per district.

    A section whose index does not exist says "no data"; one with no rows says "none".
    """
    p = lambda key: phrase(key, lang)  # noqa: E731 - a local shorthand
    overdue = Section(
        p("inspections_overdue"),
        header=[
            p("district"),
            p("site"),
            p("site_kind"),
            p("hazard_level"),
            p("deadline"),
            p("days_overdue"),
            p("escalations"),
        ],
    )
    if not figures.available:
        overdue.bullets.append(p("no_data"))
    else:
        overdue.bullets.append(_overdue_bullet(figures, lang))
        if figures.overdue_total > len(figures.overdue):
            overdue.bullets.append(f"{p('most_overdue')} {len(figures.overdue)}")
        for i in figures.overdue:
            district = i.get("district") or {"code": "outside", "name": ""}
            site = i.get("site") or {}
            overdue.rows.append(
                [
                    district_label(district["code"], district.get("name", ""), lang),
                    str(site.get("name", "")),
                    site_kind_label(site.get("kind", ""), lang),
                    hazard_level_label(i.get("hazard_level", ""), lang),
                    local(i["deadline"]),
                    days_overdue(i["deadline"], figures.at),
                    str(i.get("escalations", 0)),
                ]
            )
    columns = ("total", "open", "overdue", "major_open", "rectified")
    by_district = Section(
        p("inspections_by_district"),
        header=[
            p("district"),
            p("findings_total"),
            p("open"),
            p("overdue"),
            p("major_open"),
            p("rectified"),
        ],
    )
    if not figures.counts_available:
        by_district.bullets.append(p("no_data"))
    else:
        rows = sorted(
            figures.by_district,
            key=lambda c: (-c.get("overdue", 0), -c.get("open", 0), c["district"]["code"]),
        )
        for c in rows:
            d = c["district"]
            by_district.rows.append(
                [district_label(d["code"], d.get("name", ""), lang)]
                + [str(c.get(k, 0)) for k in columns]
            )
        if len(rows) > 1:
            by_district.rows.append(
                [p("total")] + [str(sum(c.get(k, 0) for c in rows)) for k in columns]
            )
        if not rows:
            by_district.bullets.append(p("none"))
    return [overdue, by_district]


def hours_since(when: datetime | str, at: datetime) -> str:
    """Hours from ``when`` to ``at``, one decimal (``5.5``)."""
    return _elapsed(when, at, 3600)


def _committed_bullet(figures: ResourceFigures, lang: str) -> str:
    text = f"{phrase('committed_resources', lang)}: **{figures.committed_total}**"
    kinds = sorted(figures.committed_by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = ", ".join(f"{resource_kind_label(k, lang)} {n}" for k, n in kinds)
    return text + (f" ({listed})" if listed else "")


def resource_section(figures: ResourceFigures, lang: str) -> Section:
    """已调派资源: the resources committed to incidents, longest committed first.

    Without the index the section says "no data"; with no committed resource, "none".
    """
    p = lambda key: phrase(key, lang)  # noqa: E731 - a local shorthand
    section = Section(
        p("resources_committed"),
        header=[
            p("resource_kind"),
            p("resource_name"),
            p("incident_id"),
            p("committed_by"),
            p("committed_at"),
            p("hours_committed"),
        ],
    )
    if not figures.available:
        section.bullets.append(p("no_data"))
        return section
    section.bullets.append(_committed_bullet(figures, lang))
    if figures.committed_total > len(figures.committed):
        section.bullets.append(f"{p('longest_committed')} {len(figures.committed)}")
    for r in figures.committed:
        name = r.get("name", "") if lang == "zh" else (r.get("name_en") or r.get("name", ""))
        at = r.get("at")
        section.rows.append(
            [
                resource_kind_label(r.get("kind", ""), lang),
                str(name or r.get("id", "")),
                str(r.get("incident_id", "")),
                str(r.get("by", "")),
                local(at) if at else "",
                hours_since(at, figures.at) if at else "",
            ]
        )
    if not section.rows:
        section.bullets.append(p("none"))
    return section


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(title: str, meta: list[str], parts: list[Section], base: Path) -> str:
    """Markdown; chart images are linked relative to ``base`` (the report's directory)."""
    lines = [f"# {title}", "", *[f"{m}  " for m in meta], ""]
    for s in parts:
        lines += [f"## {s.title}", ""]
        lines += [f"- {b}" for b in s.bullets]
        if s.bullets:
            lines.append("")
        if s.header and s.rows:
            lines.append("| " + " | ".join(_md_cell(h) for h in s.header) + " |")
            lines.append("|" + "|".join("---" for _ in s.header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in s.rows]
            lines.append("")
        for caption, path in s.images:
            lines += [f"![{caption}]({path.relative_to(base).as_posix()})", ""]
    return "\n".join(lines)


def _bold(text: str) -> str:
    escaped = html.escape(text)
    while escaped.count("**") >= 2:
        escaped = escaped.replace("**", "<strong>", 1).replace("**", "</strong>", 1)
    return escaped


def to_html(title: str, meta: list[str], parts: list[Section], lang: str) -> str:
    """A self-contained HTML page (charts embedded)."""
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<p class=meta>" + "<br>".join(html.escape(m) for m in meta) + "</p>",
    ]
    for s in parts:
        body.append(f"<section><h2>{html.escape(s.title)}</h2>")
        if s.bullets:
            body.append("<ul>" + "".join(f"<li>{_bold(b)}</li>" for b in s.bullets) + "</ul>")
        if s.header and s.rows:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in s.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in s.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        for caption, path in s.images:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        body.append("</section>")
    style = (
        "body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;max-width:60rem;"
        "margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}"
        "th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f3f3f3}"
        "td:not(:first-child){font-variant-numeric:tabular-nums}.meta{color:#555}"
        "figure{margin:1rem 0}img{max-width:100%}"
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
