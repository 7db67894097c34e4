"""Rollups as Parquet files: ``<dir>/<kind>/date=<YYYY-MM-DD>/rollups.parquet``.

One file per kind (``incidents``, ``warnings``) and China Standard Time date, rewritten
whole from the rollups index whenever one of its hours changed, and replaced atomically
(temporary file, then rename), so a reader never sees half a file and a replay writes the
same rows. Rows are sorted by hour, district, category or hazard, and level; the stats
objects are flattened (``time_to_first_report_s_avg`` ...).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from elasticsearch import Elasticsearch, helpers

_STAT_FIELDS = ("count", "sum", "min", "max", "avg")
_INCIDENT_STATS = ("time_to_first_report_s", "time_to_verification_s")
_COMMON = [
    ("hour", pa.timestamp("s", tz="UTC")),
    ("day", pa.string()),
    ("district_code", pa.string()),
    ("district_name", pa.string()),
]


def _stats_columns(name: str) -> list[tuple[str, pa.DataType]]:
    return [(f"{name}_{s}", pa.int64() if s == "count" else pa.float64()) for s in _STAT_FIELDS]


SCHEMAS = {
    "incidents": pa.schema(
        _COMMON
        + [("category", pa.string()), ("level", pa.int8())]
        + [(c, pa.int64()) for c in ("count", "reports", "follow_ups", "verified")]
        + [col for name in _INCIDENT_STATS for col in _stats_columns(name)]
    ),
    "warnings": pa.schema(
        _COMMON
        + [("hazard", pa.string()), ("colour", pa.string()), ("level", pa.int8())]
        + [
            (c, pa.int64())
            for c in (
                "changes",
                "issued",
                "escalated",
                "deescalated",
                "ended",
                "cancelled",
                "expired",
            )
        ]
        + _stats_columns("duration_s")
    ),
}


def row_of(doc: dict[str, Any]) -> dict[str, Any]:
    """One flat Parquet row of a rollup document (pure)."""
    row: dict[str, Any] = {
        "hour": doc["hour"],
        "day": doc["day"],
        "district_code": doc["district"]["code"],
        "district_name": doc["district"].get("name"),
    }
    for key, value in doc.items():
        if isinstance(value, dict) and key != "district":
            for stat in _STAT_FIELDS:
                row[f"{key}_{stat}"] = value.get(stat)
        elif key not in ("district", "@timestamp", "kind", "updated_at"):
            row.setdefault(key, value)
    return row


def table_of(kind: str, docs: list[dict[str, Any]]) -> pa.Table:
    """The sorted Arrow table of one kind's rollup documents."""
    schema = SCHEMAS[kind]
    rows = sorted(
        (row_of(d) for d in docs),
        key=lambda r: (
            r["hour"],
            r["district_code"],
            r.get("category") or r.get("hazard"),
            r["level"],
        ),
    )
    columns = {}
    for field in schema:
        values = [r.get(field.name) for r in rows]
        if pa.types.is_timestamp(field.type):
            values = [datetime.fromisoformat(v) for v in values]
        columns[field.name] = pa.array(values, type=field.type)
    return pa.table(columns, schema=schema)


def day_path(directory: Path, kind: str, day: str) -> Path:
    return Path(directory) / kind / f"date={day}" / "rollups.parquet"


def write_day(es: Elasticsearch, rollups: str, directory: Path, kind: str, day: str) -> Path:
    """Rewrite the Parquet file of one kind and day from the rollups index."""
    docs = [
        hit["_source"]
        for hit in helpers.scan(
            es,
            index=rollups,
            query={
                "query": {"bool": {"filter": [{"term": {"kind": kind}}, {"term": {"day": day}}]}}
            },
        )
    ]
    target = day_path(directory, kind, day)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    pq.write_table(table_of(kind, docs), tmp)
    os.replace(tmp, target)
    return target
