"""Example ``inspections`` and ``inspection-counts`` documents (to merge into
``tests.factories.example_documents``).

Between them the two examples fill every field their templates declare: a major hazard at
a registered site, escalated twice while overdue and then rectified; and a district's
counts with two site kinds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.inspection_documents import inspection_counts_document, inspection_document


def inspection_examples(ingested_at: datetime | None = None) -> dict[str, dict[str, Any]]:
    """``{"inspections": doc, "inspection-counts": doc}`` with fresh timestamps."""
    now = datetime.now(UTC).replace(microsecond=0)
    inspected = now - timedelta(days=10)
    deadline = inspected + timedelta(days=7)
    rectified = deadline + timedelta(days=2, hours=3)
    finding = {
        "finding_id": "f-example-0001",
        "site": {
            "name": "陆家嘴某小区 Lujiazui community",
            "kind": "community",
            "location": {"lat": 31.2397, "lon": 121.4998, "crs": "wgs84"},
            "site_id": "site-310115-0042",
        },
        "site_key": "site-310115-0042",
        "district_code": "310115",
        "hazard": "消防通道被杂物堵塞,电动自行车楼道充电 fire escape blocked",
        "hazard_level": "major",
        "inspected_at": inspected.isoformat(),
        "deadline": deadline.isoformat(),
        "rectified_at": rectified.isoformat(),
        "escalations": 2,
        "escalated_period": 1,
        "updated_at": rectified.isoformat(),
    }
    district = {"code": "310115", "name": "浦东新区", "name_en": "Pudong New Area"}
    status = inspection_document(
        finding,
        status="rectified",
        district=district,
        location={"lat": 31.2397, "lon": 121.4998},
        last_escalated_at=(deadline + timedelta(days=1, hours=1)).isoformat(),
        ingested_at=ingested_at,
    )
    by_kind = {
        "community": {"total": 3, "open": 2, "overdue": 1, "rectified": 1, "major_open": 1},
        "school": {"total": 1, "open": 0, "overdue": 0, "rectified": 1, "major_open": 0},
    }
    totals = {"total": 4, "open": 2, "overdue": 1, "rectified": 2, "major_open": 1}
    counts = inspection_counts_document(
        "310115", totals, by_kind, now, district=district, ingested_at=ingested_at
    )
    return {"inspections": status, "inspection-counts": counts}
