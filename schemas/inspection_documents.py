"""Elasticsearch documents of tracked inspection findings, shaped to fit
``schemas/elasticsearch/inspections.json`` and ``inspection-counts.json``.

Pure functions of plain dicts (no pipeline imports), in the style of
:mod:`schemas.documents`:

- :func:`inspection_document`: one document per finding (``_id`` = ``event.id`` =
  ``finding_id``), overwritten as the finding is updated, escalated and rectified;
  ``@timestamp`` is ``inspected_at``.
- :func:`inspection_counts_document`: one document per district (``_id`` = ``event.id`` =
  district code, or ``outside``), overwritten after each change of the district's counts;
  ``@timestamp`` is when the counts were taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.documents import _drop_none, _event

STATUSES = ("open", "overdue", "rectified")
COUNT_FIELDS = ("total", "open", "overdue", "rectified", "major_open")
OUTSIDE = "outside"


def _time(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _district(district: Mapping[str, Any] | None, *, with_en: bool) -> dict[str, Any] | None:
    if not district or not district.get("code") or district["code"] == OUTSIDE:
        return None
    keys = ("code", "name", "name_en") if with_en else ("code", "name")
    return _drop_none({k: district.get(k) for k in keys})


def inspection_document(
    finding: Mapping[str, Any],
    *,
    status: str,
    district: Mapping[str, Any] | None = None,
    location: Mapping[str, float] | None = None,
    last_escalated_at: datetime | str | None = None,
    ingested_at: datetime | None = None,
) -> dict[str, Any]:
    """The ``inspections`` document of one tracked finding.

    ``finding`` is a tracked finding in its JSON form (``finding_id``, ``site`` {name,
    kind, location, site_id?}, ``site_key``, ``hazard``, ``hazard_level``, ``inspected_at``,
    ``deadline``, ``rectified_at``, ``escalations``, ``updated_at``); ``status`` is
    open, overdue or rectified at the time of writing; ``district`` is ``{code, name,
    name_en?}`` (None outside the city); ``location`` is the site's WGS 84 ``{lat, lon}``.
    ``event.created`` is when the tracker last took a change of the finding.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}; got {status!r}")
    site = finding["site"]
    event = _event(str(finding["finding_id"]), "state", "inspections", ingested_at)
    if finding.get("updated_at") is not None:
        event["created"] = _time(finding["updated_at"])
    body = _drop_none(
        {
            "finding_id": finding["finding_id"],
            "site": _drop_none(
                {
                    "id": site.get("site_id"),
                    "key": finding.get("site_key"),
                    "name": site["name"],
                    "kind": site["kind"],
                }
            ),
            "district": _district(district, with_en=True),
            "hazard": finding["hazard"],
            "hazard_level": finding["hazard_level"],
            "inspected_at": _time(finding["inspected_at"]),
            "deadline": _time(finding["deadline"]),
            "rectified_at": _time(finding.get("rectified_at")),
            "status": status,
            "escalations": int(finding.get("escalations") or 0),
            "last_escalated_at": _time(last_escalated_at),
        }
    )
    doc: dict[str, Any] = {
        "@timestamp": body["inspected_at"],
        "event": event,
        "inspection": body,
    }
    if location is not None:
        doc["geo"] = {"location": {"lat": float(location["lat"]), "lon": float(location["lon"])}}
    return doc


def _row(values: Mapping[str, int] | None) -> dict[str, int]:
    values = values or {}
    return {k: int(values.get(k, 0)) for k in COUNT_FIELDS}


def inspection_counts_document(
    code: str,
    totals: Mapping[str, int] | None,
    by_site_kind: Mapping[str, Mapping[str, int]],
    at: datetime | str,
    *,
    district: Mapping[str, Any] | None = None,
    ingested_at: datetime | None = None,
) -> dict[str, Any]:
    """The ``inspection-counts`` document of one district (``code``, or ``outside``).

    ``totals`` and each value of ``by_site_kind`` hold ``total``, ``open`` (overdue
    included), ``overdue``, ``rectified`` and ``major_open``; missing counts are 0.
    ``district`` gives the name (``{code, name}``); outside the city it is
    ``{"code": "outside"}``.
    """
    stamp = _time(at)
    event = _event(code, "metric", "inspection-counts", ingested_at)
    event["created"] = stamp
    ref = _district(district, with_en=False) or {"code": code}
    return {
        "@timestamp": stamp,
        "event": event,
        "counts": {
            "district": ref,
            **_row(totals),
            "by_site_kind": [
                {"site_kind": kind, **_row(row)} for kind, row in sorted(by_site_kind.items())
            ],
        },
    }
