"""Deliberately bad records: the share of a scenario the pipeline must dead-letter.

Each is an extra record made from a good reading or report: truncated JSON, a latitude of
91, a field the contract does not define, a rain-gauge reading without ``period_s``, a
report without a description. Its :attr:`SimEvent.defect` is the validation error code
(:class:`schemas.validation.ErrorCode`) it must get.
"""

from __future__ import annotations

import json
import random
from typing import Any

from pipeline.simulate.events import KIND_READING, KIND_REPORT, SimContext, SimEvent, encode
from pipeline.simulate.stories import ID_PREFIX

INVALID_JSON = "invalid_json"
OUT_OF_RANGE = "out_of_range"
UNKNOWN_FIELD = "unknown_field"
MISSING_PERIOD = "missing_period"
MISSING_FIELD = "missing_field"
DEFECTS = (INVALID_JSON, OUT_OF_RANGE, UNKNOWN_FIELD, MISSING_PERIOD, MISSING_FIELD)

_EXTRA_READING_FIELDS = (("battery_v", 3.61), ("rssi_dbm", -87), ("firmware", "2.4.1"))
_EXTRA_REPORT_FIELDS = (("caller_phone", "138****5521"), ("priority", "high"), ("urgent", True))


def make_defects(ctx: SimContext, events: list[SimEvent], n: int) -> list[SimEvent]:
    """``n`` bad records, each modelled on a random good reading or report of ``events``."""
    rng = ctx.rng("defects")
    pool = [e for e in events if e.kind in (KIND_READING, KIND_REPORT) and not e.duplicate]
    gauges = [e for e in pool if e.kind == KIND_READING and b'"rain_gauge"' in e.value]
    reports = [e for e in pool if e.kind == KIND_REPORT]
    out: list[SimEvent] = []
    for _ in range(min(n, len(pool))):
        defect = rng.choice(DEFECTS)
        among = {MISSING_PERIOD: gauges, MISSING_FIELD: reports}.get(defect, pool) or pool
        event = rng.choice(among)
        if defect == MISSING_PERIOD and event.kind != KIND_READING:
            defect = INVALID_JSON
        if defect == MISSING_FIELD and event.kind != KIND_REPORT:
            defect = INVALID_JSON
        data = json.loads(event.value)
        key = event.key
        if event.kind == KIND_REPORT:
            data["report_id"] = ctx.next_id(ID_PREFIX.get(data["source"], "R"))
            data.pop("updates_report_id", None)
            key = data["report_id"].encode()
        _spoil(data, defect, rng)
        value = _truncated(rng, data) if defect == INVALID_JSON else encode(data)
        offset = min(ctx.duration_s, event.offset_s + rng.uniform(0.0, 0.5))
        out.append(SimEvent(offset, event.topic, key, value, event.kind, defect))
    return out


def _spoil(data: dict[str, Any], defect: str, rng: random.Random) -> None:
    reading = "sensor_id" in data
    if defect == OUT_OF_RANGE:
        data["location"] = {**data.get("location", {"lon": 121.4737}), "lat": 91.0}
    elif defect == UNKNOWN_FIELD:
        name, value = rng.choice(_EXTRA_READING_FIELDS if reading else _EXTRA_REPORT_FIELDS)
        data[name] = value
    elif defect == MISSING_PERIOD:
        data.pop("period_s", None)
    elif defect == MISSING_FIELD:
        data.pop("description", None)


def _truncated(rng: random.Random, data: dict[str, Any]) -> bytes:
    """The JSON text cut short (at a character, so the bytes stay valid UTF-8)."""
    text = encode(data).decode("utf-8")
    return text[: rng.randint(12, len(text) - 2)].encode("utf-8")
