"""Resource recommendations for an incident, and committing or releasing a resource.

:func:`recommend` answers "which rescue teams, supplies and equipment are nearest and
free" for an incident at or above a level (level number <= ``min_level``). What it needs
follows from the type and the counts, each need naming the registry kinds that meet it:

- fire, forest fire: fire and rescue stations;
- explosion, hazardous chemicals, gas supply: hazardous-materials teams, then fire
  stations; environmental pollution: hazardous-materials teams;
- flood, waterlogging, rainstorm, typhoon, storm surge: drainage pumps and rescue boats;
  shipping accidents: rescue boats;
- infectious disease, unexplained illness, food or occupational poisoning, heat: hospitals
  (with an emergency department) and medical teams;
- other accidents and disasters, crowd crushes, attacks and unclassified incidents: fire
  and rescue stations (the general rescue force), crowd crushes and attacks also medical;
- mass casualties (deaths + serious injuries >= 3, or injuries >= 10), whatever the type:
  hospitals and medical teams;
- many people moved (evacuated >= 100), typhoons, storm surges, earthquakes: shelters and
  supply depots.

For each kind it returns the ``k`` nearest resources whose status is ``available``
(``status`` maps resource id -> available | committed; a missing id is available), nearest
first, each with its distance and the reason in Chinese and English. Social-safety types
the registry has no force for (mass incidents, crime, ...) get none unless there are
casualties.

:func:`commit` and :func:`release` change a resource's status and return the audited
change (who, when, for which incident).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from pipeline.geo.facilities import FacilityRegistry
from pipeline.geo.sphere import haversine_m
from pipeline.incidents.errors import ResourceError
from pipeline.incidents.members import as_mapping, geo_of
from pipeline.incidents.needs import describe, needs_of
from pipeline.incidents.state import as_time
from schemas.enums import FacilityKind

AVAILABLE, COMMITTED = "available", "committed"
DISPATCHABLE = frozenset(
    (
        "fire_station",
        "hazmat_team",
        "medical_team",
        "rescue_boat",
        "drainage_pump",
        "supply_depot",
        "shelter",
        "hospital",
    )
)
"""Kinds a resource can be committed from (schools, metro stations and enterprises not)."""


class Recommendation(BaseModel):
    """One suitable, available resource for an incident."""

    resource_id: str
    kind: str
    name: str
    name_en: str | None = None
    distance_m: float
    need: str
    rank: int
    """1 for the nearest of its kind."""
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ResourceChange(BaseModel):
    """A committed or released resource: the audit record to publish and index."""

    resource_id: str
    action: Literal["commit", "release"]
    incident_id: str | None
    from_status: str
    to_status: str
    by: str
    at: datetime
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _suitable(facility: Any) -> bool:
    return not (facility.kind == "hospital" and not facility.emergency_department)


def recommend(
    incident: Any,
    registry: FacilityRegistry,
    status: Mapping[str, str],
    *,
    k: int = 3,
    min_level: int = 3,
    max_distance_m: float | None = None,
) -> list[Recommendation]:
    """The ``k`` nearest available suitable resources per needed kind, need by need.

    ``incident`` is an incident record (``IncidentUpdate`` or its dict) or a classified
    report dict: it needs ``type``, ``level``, ``casualties`` and ``geo.wgs84``. An
    incident below the level (level number > ``min_level``) gets none.
    """
    data = as_mapping(incident)
    level = data.get("level")
    if not isinstance(level, int) or level > min_level:
        return []
    point = geo_of(data)["wgs84"]
    lat, lon = point["lat"], point["lon"]
    seen: set[str] = set()
    out: list[Recommendation] = []
    for need in needs_of(data):
        for kind in need.kinds:
            if kind in seen:
                continue
            seen.add(kind)
            label = FacilityKind(kind)
            found = sorted(
                (haversine_m(lat, lon, f.lat, f.lon), f.id, f)
                for f in registry.of_kind(kind)
                if status.get(f.id, AVAILABLE) == AVAILABLE and _suitable(f)
            )
            if max_distance_m is not None:
                found = [item for item in found if item[0] <= max_distance_m]
            for rank, (metres, _, facility) in enumerate(found[:k], start=1):
                zh, en = describe(facility)
                km = metres / 1000
                out.append(
                    Recommendation(
                        resource_id=facility.id,
                        kind=kind,
                        name=facility.name_zh,
                        name_en=facility.name_en,
                        distance_m=round(metres, 1),
                        need=need.key,
                        rank=rank,
                        reason_zh=f"{need.why_zh}:第{rank}近的可用{label.label_zh},"
                        f"距事发地{km:.1f}公里{zh}",
                        reason_en=f"{need.why_en}: nearest available {label.label_en} "
                        f"#{rank}, {km:.1f} km away{en}",
                    )
                )
    return out


def _check(registry: FacilityRegistry | None, resource_id: str) -> None:
    if registry is None:
        return
    try:
        facility = registry.get(resource_id)
    except KeyError:
        raise ResourceError(f"no resource {resource_id!r} in the registry") from None
    if facility.kind not in DISPATCHABLE:
        raise ResourceError(
            f"{resource_id!r} is a {facility.kind}, not a resource that can be committed"
        )


def commit(
    status: MutableMapping[str, str],
    resource_id: str,
    incident_id: str,
    by: str,
    at: datetime | str,
    *,
    registry: FacilityRegistry | None = None,
) -> ResourceChange:
    """Mark an available resource committed to ``incident_id``; returns the audit record."""
    when = as_time(at, "at")
    if not str(by or "").strip():
        raise ResourceError("committing a resource needs the operator who does it (by)")
    _check(registry, resource_id)
    current = status.get(resource_id, AVAILABLE)
    if current != AVAILABLE:
        raise ResourceError(f"resource {resource_id!r} is {current}; release it first")
    status[resource_id] = COMMITTED
    return ResourceChange(
        resource_id=resource_id,
        action="commit",
        incident_id=incident_id,
        from_status=current,
        to_status=COMMITTED,
        by=by,
        at=when,
    )


def release(
    status: MutableMapping[str, str],
    resource_id: str,
    by: str,
    at: datetime | str,
    *,
    incident_id: str | None = None,
    reason: str | None = None,
    registry: FacilityRegistry | None = None,
) -> ResourceChange:
    """Mark a committed resource available again; returns the audit record."""
    when = as_time(at, "at")
    if not str(by or "").strip():
        raise ResourceError("releasing a resource needs the operator who does it (by)")
    _check(registry, resource_id)
    current = status.get(resource_id, AVAILABLE)
    if current != COMMITTED:
        raise ResourceError(f"resource {resource_id!r} is {current}, not committed")
    status[resource_id] = AVAILABLE
    return ResourceChange(
        resource_id=resource_id,
        action="release",
        incident_id=incident_id,
        from_status=current,
        to_status=AVAILABLE,
        by=by,
        at=when,
        reason=reason,
    )
