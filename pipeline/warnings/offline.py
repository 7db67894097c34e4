"""The core of ``citywatch assess FILE.jsonl``: readings in, warning changes out.

Lines are JSON readings in time order (a reading out of order is accepted within the
profile's lateness, see :mod:`pipeline.warnings.windows`). A reading's district is, in
order: its own ``district`` (already enriched); else the injected ``district_lookup`` at its
``location`` (or the registry's location of the sensor), where None means outside the city
and the reading is skipped; else, without a lookup or any location, the registry's district.

Each warning change is yielded as one dict (see :mod:`pipeline.warnings.state`): ``hazard``,
``level``, ``action``, ``end_reason``, ``district``, ``sensor_ids``, ``at``, ``warning_id``,
``seq``, ``metric``, ``value``, ``rule`` and, for hazards with response levels,
``suggested_response_level``. After every reading all warnings step to the newest reading
time, so expiry and de-escalation are evaluated on the input's own clock; at the end of the
input that clock stops at the last reading time, and warnings still active stay active.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline.errors import EventError
from pipeline.warnings.engine import ingest, new_state, tick
from pipeline.warnings.health import check_health
from pipeline.warnings.readings import STAGE
from pipeline.warnings.registry import SensorRegistry

DistrictLookup = Callable[[float, float, str], Mapping[str, Any] | None]
_OUTSIDE = object()


def _decode(line: bytes | str) -> dict[str, Any] | None:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventError("bad_encoding", f"not UTF-8: {exc}", STAGE) from exc
    line = line.strip()
    if not line:
        return None
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError("bad_json", f"not JSON: {exc}", STAGE) from exc
    if not isinstance(raw, dict):
        raise EventError("bad_value", "a reading must be a JSON object", STAGE)
    return raw


def _district(
    raw: Mapping[str, Any], registry: SensorRegistry, lookup: DistrictLookup | None
) -> Mapping[str, Any] | None | object:
    if raw.get("district") is not None or lookup is None:
        return None
    location = raw.get("location")
    if not isinstance(location, Mapping):
        entry = registry.get(str(raw.get("sensor_id")))
        location = entry.location.model_dump() if entry and entry.location else None
    if location is None:
        return None
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError) as exc:
        raise EventError("bad_value", f"location must have numeric lat, lon: {exc}", STAGE) from exc
    found = lookup(lat, lon, str(location.get("crs") or "wgs84"))
    if found is None:
        return _OUTSIDE
    return {"code": str(found["code"]), "name": str(found.get("name") or "")}


def assess_lines(
    lines: Iterable[bytes | str],
    profile_name: str = "shanghai",
    district_lookup: DistrictLookup | None = None,
    *,
    registry: SensorRegistry | None = None,
    profiles_path: Path | str | None = None,
    include_health: bool = False,
    on_reject: Callable[[int, EventError], None] | None = None,
    lateness_s: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one dict per warning change (and health events when ``include_health``).

    A bad or too-late line raises ``EventError`` (its message starts with the line number)
    unless ``on_reject(line_number, error)`` is given, which then receives it instead.
    ``registry`` defaults to the shipped sample registry; ``lateness_s`` overrides the
    profile's ``engine.lateness_s``.
    """
    registry = registry if registry is not None else SensorRegistry.from_file()
    state = new_state(profile_name, profiles_path)
    profile = state.profile().with_engine(lateness_s=lateness_s)
    for number, line in enumerate(lines, start=1):
        try:
            raw = _decode(line)
            if raw is None:
                continue
            district = _district(raw, registry, district_lookup)
            if district is _OUTSIDE:
                continue
            if district is not None:
                raw = {**raw, "district": district}
            result = ingest(state, raw, registry, profile)
        except EventError as exc:
            error = EventError(exc.code, f"line {number}: {exc.message}", exc.stage)
            if on_reject is None:
                raise error from exc
            on_reject(number, error)
            continue
        yield from result.changes
        assert state.clock is not None
        yield from tick(state, state.clock, profile)
        if include_health:
            yield from result.health
            yield from check_health(state, state.clock)
