"""What an incident needs from the resources registry, and how a resource is described.

:func:`needs_of` maps an incident's type and counts to needs, each naming the registry
kinds that meet it and why, in Chinese and English (the rules are listed in
:mod:`pipeline.incidents.resources`). :func:`describe` gives the capacity details quoted in a
recommendation (beds, engines, members, units, capacity, stock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.enums import IncidentType

MASS_DEATHS_AND_SERIOUS = 3
MASS_INJURIES = 10
EVACUATED_FOR_SHELTER = 100


@dataclass(frozen=True)
class Need:
    """What an incident needs, the registry kinds that meet it, and why (zh, en)."""

    key: str
    kinds: tuple[str, ...]
    why_zh: str
    why_en: str


_FIRE = ("fire_station",)
_MEDICAL = ("hospital", "medical_team")
_SHELTER = ("shelter", "supply_depot")
_RULES: tuple[tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (("fire", "forest_fire"), (("fire", _FIRE),)),
    (
        ("explosion", "hazardous_chemicals", "gas_supply"),
        (("hazmat", ("hazmat_team",)), ("fire", _FIRE)),
    ),
    (("environmental_pollution",), (("hazmat", ("hazmat_team",)),)),
    (
        ("flood", "waterlogging", "rainstorm", "typhoon", "storm_surge"),
        (("flooding", ("drainage_pump", "rescue_boat")),),
    ),
    (("shipping",), (("water_rescue", ("rescue_boat",)),)),
    (
        ("infectious_disease", "unexplained_illness", "food_poisoning", "occupational_poisoning"),
        (("medical", _MEDICAL),),
    ),
    (("heat",), (("medical", _MEDICAL),)),
    (("crowd_crush", "terrorist_attack"), (("rescue", _FIRE), ("medical", _MEDICAL))),
    (
        tuple(
            (
                "construction special_equipment road_traffic rail metro aviation power_supply "
                "water_supply landslide subsidence earthquake gale fallen_tree lightning "
                "snow_ice unclassified"
            ).split()
        ),
        (("rescue", _FIRE),),
    ),
)
"""(incident types, ((need, registry kinds), ...)), most specific need first."""
_TYPE_NEEDS = {kind: needs for kinds, needs in _RULES for kind in kinds}
_SHELTER_TYPES = frozenset(("typhoon", "storm_surge", "earthquake"))


def _type_label(kind: str) -> tuple[str, str]:
    try:
        member = IncidentType(kind)
    except ValueError:
        return kind, kind
    return member.label_zh, member.label_en


def needs_of(incident: Mapping[str, Any]) -> list[Need]:
    """What the incident needs, most specific first."""
    kind = str(incident.get("type") or "unclassified")
    zh, en = _type_label(kind)
    out = [
        Need(key, kinds, f"类型为{zh}", f"type {en}") for key, kinds in _TYPE_NEEDS.get(kind, ())
    ]
    c = {k: int(v or 0) for k, v in (incident.get("casualties") or {}).items()}
    severe = c.get("deaths", 0) + c.get("serious_injuries", 0)
    injured = c.get("injuries", 0)
    if severe >= MASS_DEATHS_AND_SERIOUS or injured >= MASS_INJURIES:
        out = [n for n in out if n.key != "medical"]
        out.append(
            Need(
                "mass_casualty",
                _MEDICAL,
                f"批量伤亡(死亡及重伤{severe}人,受伤{injured}人)",
                f"mass casualties ({severe} dead or seriously injured, {injured} injured)",
            )
        )
    evacuated = c.get("evacuated", 0)
    if evacuated >= EVACUATED_FOR_SHELTER:
        out.append(
            Need("evacuation", _SHELTER, f"转移安置{evacuated}人", f"{evacuated} people evacuated")
        )
    elif kind in _SHELTER_TYPES:
        out.append(
            Need("evacuation", _SHELTER, f"{zh}可能需要转移安置", f"{en} may displace people")
        )
    return out


def describe(facility: Any) -> tuple[str, str]:
    """Capacity details of a resource, as ``(zh, en)`` suffixes."""
    kind = facility.kind
    if kind == "hospital":
        return f",床位{facility.beds}张", f", {facility.beds} beds"
    if kind == "fire_station" and facility.engines is not None:
        return f",消防车{facility.engines}辆", f", {facility.engines} engines"
    if kind in ("hazmat_team", "medical_team"):
        return f",队员{facility.members}人", f", {facility.members} members"
    if kind in ("drainage_pump", "rescue_boat"):
        rate = getattr(facility, "pump_rate_m3_h", None)
        per = f",每台{rate:g}立方米/小时" if rate else ""
        per_en = f" at {rate:g} m³/h each" if rate else ""
        return f",{facility.units}台{per}", f", {facility.units} units{per_en}"
    if kind == "shelter":
        return f",可容纳{facility.capacity}人", f", room for {facility.capacity} people"
    if kind == "supply_depot":
        top = sorted(facility.stock.items(), key=lambda item: (-item[1], item[0]))[:3]
        listed = ", ".join(f"{item} {units}" for item, units in top)
        return f",库存:{listed}", f", stock: {listed}"
    return "", ""
