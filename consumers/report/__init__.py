"""Situation reports (``citywatch report --since 24h [--lang zh|en]``).

A report covers ``[now - since, now)`` from Elasticsearch: how many incidents, how serious,
of which categories and types, where, the serious ones (Ⅰ and Ⅱ) one by one, the warnings
in force at the end of the period and the warning changes, each compared with the
previous period of the same length; then the inspection findings overdue at the end of the
period (逾期未整改隐患), the inspection counts per district and the resources committed
to incidents (已调派资源). It is written to
``<out_dir>/<YYYYmmdd-HHMM>-<lang>/`` as ``report.md`` (charts linked from ``charts/``) and
``report.html`` (charts embedded), with the charts as PNG files in ``charts/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from elasticsearch import Elasticsearch

from consumers.common.options import pick
from consumers.report import charts
from consumers.report.queries import (
    active_warnings,
    inspection_figures,
    period_figures,
    resource_figures,
)
from consumers.report.render import CST, local, sections, to_html, to_markdown
from consumers.report.text import LANGS, phrase
from pipeline.clients import elasticsearch_client
from pipeline.settings import Settings

__all__ = ["ReportFiles", "generate_report", "parse_since"]

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ReportFiles:
    """What a report wrote."""

    directory: Path
    markdown: Path
    html: Path
    charts: tuple[Path, ...]


def parse_since(text: str) -> timedelta:
    """``90m``, ``24h``, ``7d`` or ``2w`` as a duration."""
    match = _SINCE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"--since must look like 90m, 24h, 7d or 2w; got {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def generate_report(
    settings: Settings,
    *,
    since: str | timedelta = "24h",
    lang: str = "zh",
    out_dir: Path | None = None,
    now: datetime | None = None,
    es: Elasticsearch | None = None,
) -> ReportFiles:
    """Write the situation report of the period ending ``now`` (default: the current time).

    ``out_dir`` falls back to the setting ``report_dir``, then ``./reports``.
    """
    if lang not in LANGS:
        raise ValueError(f"--lang must be one of {', '.join(LANGS)}; got {lang!r}")
    span = parse_since(since) if isinstance(since, str) else since
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - span
    client = es or elasticsearch_client(settings)
    try:
        prefix = settings.index_prefix
        current = period_figures(client, prefix, start, end)
        previous = period_figures(client, prefix, start - span, start)
        active = active_warnings(client, prefix, end)
        inspections = inspection_figures(client, prefix, end)
        resources = resource_figures(client, prefix, end)
    finally:
        if es is None:
            client.close()
    base = Path(pick(out_dir, settings, "report_dir", Path("reports")))
    directory = base / f"{end.astimezone(CST):%Y%m%d-%H%M}-{lang}"
    chart_dir = directory / "charts"
    images = [
        (
            phrase("chart_hourly", lang),
            charts.hourly_chart(chart_dir / "incidents_per_hour.png", current, previous, lang),
        ),
        (
            phrase("chart_districts", lang),
            charts.district_chart(chart_dir / "incidents_by_district.png", current, lang),
        ),
        (
            phrase("chart_categories", lang),
            charts.category_chart(chart_dir / "incidents_by_category.png", current, previous, lang),
        ),
    ]
    parts = sections(current, previous, active, lang, images, inspections, resources)
    title = phrase("title", lang)
    period = f"{local(start)} – {local(end)} (UTC+8)"
    meta = [
        f"{phrase('period', lang)}: {period}, {phrase('compared', lang)}",
        f"{phrase('generated', lang)}: {local(datetime.now(UTC))}",
    ]
    directory.mkdir(parents=True, exist_ok=True)
    markdown = directory / "report.md"
    markdown.write_text(to_markdown(title, meta, parts, directory), encoding="utf-8")
    page = directory / "report.html"
    page.write_text(to_html(title, meta, parts, lang), encoding="utf-8")
    return ReportFiles(directory, markdown, page, tuple(path for _, path in images))
