"""The facilities and resources registry, and "what is near this point".

This module owns ``pipeline/data/facilities.json``: hospitals, schools, metro stations,
shelters, fire stations, hazardous-chemical enterprises, rescue teams, supply depots and
equipment, each with WGS-84 coordinates. A deployment replaces the file; the shipped one is
sample data and says so in its ``metadata``. The file is validated with pydantic on load; a
bad file raises :class:`~pipeline.errors.ConfigError` naming the file and the entry.

:func:`facilities_within` finds the entries within a radius: buckets of a lat/lon grid give
the candidates inside the bounding box of the circle, and haversine distances decide and
order them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ConfigError
from pipeline.geo.buckets import PointBuckets
from pipeline.geo.crs import Datum, convert
from pipeline.geo.sphere import circle_boxes, haversine_m

FACILITIES_FILE = Path(__file__).resolve().parent.parent / "data" / "facilities.json"

FacilityKind = Literal[
    "school",
    "hospital",
    "hazchem_enterprise",
    "metro_station",
    "shelter",
    "fire_station",
    "hazmat_team",
    "medical_team",
    "supply_depot",
    "rescue_boat",
    "drainage_pump",
]
KINDS: frozenset[str] = frozenset(get_args(FacilityKind))


class _FacilityBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    """Stable identifier, unique in the registry."""
    name_zh: str = Field(min_length=1)
    name_en: str | None = None
    lat: float = Field(ge=-90, le=90)
    """WGS-84 latitude."""
    lon: float = Field(ge=-180, le=180)
    """WGS-84 longitude."""
    district: str | None = Field(None, pattern=r"^\d{6}$")
    """GB/T 2260 code of the district the facility lies in."""
    address: str | None = None
    phone: str | None = None


class School(_FacilityBase):
    kind: Literal["school"]
    students: int | None = Field(None, ge=0)


class Hospital(_FacilityBase):
    kind: Literal["hospital"]
    beds: int = Field(gt=0)
    grade: str | None = None
    """Hospital grade, e.g. "3A" (三级甲等)."""
    emergency_department: bool = True


class HazchemEnterprise(_FacilityBase):
    kind: Literal["hazchem_enterprise"]
    chemicals: list[str] = Field(min_length=1)
    major_hazard_source: bool = False
    """Registered as a major hazard installation (重大危险源)."""


class MetroStation(_FacilityBase):
    kind: Literal["metro_station"]
    lines: list[str] = Field(min_length=1)


class Shelter(_FacilityBase):
    kind: Literal["shelter"]
    capacity: int = Field(gt=0)
    """People the shelter can take in."""


class FireStation(_FacilityBase):
    kind: Literal["fire_station"]
    engines: int | None = Field(None, ge=0)


class Team(_FacilityBase):
    kind: Literal["hazmat_team", "medical_team"]
    members: int = Field(gt=0)


class SupplyDepot(_FacilityBase):
    kind: Literal["supply_depot"]
    stock: dict[str, int] = Field(min_length=1)
    """Item -> units in stock."""

    @model_validator(mode="after")
    def _non_negative_stock(self) -> SupplyDepot:
        negative = [item for item, units in self.stock.items() if units < 0]
        if negative:
            raise ValueError(f"stock must not be negative: {', '.join(negative)}")
        return self


class Equipment(_FacilityBase):
    kind: Literal["rescue_boat", "drainage_pump"]
    units: int = Field(gt=0)
    pump_rate_m3_h: float | None = Field(None, gt=0)
    """Pumping rate per unit, for drainage pumps."""


Facility = Annotated[
    School
    | Hospital
    | HazchemEnterprise
    | MetroStation
    | Shelter
    | FireStation
    | Team
    | SupplyDepot
    | Equipment,
    Field(discriminator="kind"),
]


class RegistryMetadata(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    sample: bool
    """True for illustrative data that must not be used operationally."""
    datum: Literal["wgs84"]
    description: str
    version: str


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metadata: RegistryMetadata
    facilities: list[Facility]


class FacilityRegistry:
    """The validated registry with a spatial index over the facilities' points."""

    def __init__(self, facilities: Iterable[Facility], metadata: RegistryMetadata) -> None:
        self._facilities = tuple(facilities)
        self.metadata = metadata
        self._by_id: dict[str, Facility] = {}
        for facility in self._facilities:
            if facility.id in self._by_id:
                raise ValueError(f"duplicate facility id {facility.id!r}")
            self._by_id[facility.id] = facility
        self._points = PointBuckets([(f.lat, f.lon) for f in self._facilities])
        self._by_kind: dict[str, tuple[Facility, ...]] = {
            kind: tuple(f for f in self._facilities if f.kind == kind)
            for kind in {f.kind for f in self._facilities}
        }

    @classmethod
    def from_file(cls, path: Path) -> FacilityRegistry:
        """Read and validate a registry file; errors name the file and the entry."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read facilities registry: {exc}") from exc
        try:
            parsed = _RegistryFile.model_validate(raw)
            return cls(parsed.facilities, parsed.metadata)
        except ValidationError as exc:
            raise ConfigError(
                f"{path}: invalid facilities registry:\n{_describe(exc, raw)}"
            ) from exc
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from exc

    @classmethod
    def load(cls, path: Path | None = None) -> FacilityRegistry:
        """The registry at ``path``; without a path, the shipped file (read once, cached)."""
        return default_registry() if path is None else cls.from_file(path)

    @property
    def facilities(self) -> tuple[Facility, ...]:
        """Every facility, in file order."""
        return self._facilities

    def get(self, facility_id: str) -> Facility:
        """The facility with this id; ``KeyError`` if there is none."""
        return self._by_id[facility_id]

    def of_kind(self, *kinds: str) -> list[Facility]:
        """The facilities of the given kinds, in file order."""
        wanted = _kind_filter(kinds)
        if len(kinds) == 1:  # the common call: one kind, listed once at load
            return list(self._by_kind.get(kinds[0], ()))
        return [f for f in self._facilities if f.kind in wanted]

    def within(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        kinds: Iterable[str] | str | None = None,
        crs: Datum | str = "wgs84",
    ) -> list[tuple[Facility, float]]:
        """Facilities within ``radius_m`` metres, nearest first, with their distances.

        ``kinds`` restricts the result to those kinds; ``crs`` is the datum of the query
        point. Ties in distance are ordered by id.
        """
        if radius_m < 0 or math.isnan(radius_m):
            raise ValueError(f"radius_m must be >= 0, got {radius_m!r}")
        if crs != "wgs84":
            lat, lon = convert(lat, lon, crs, "wgs84")
        wanted = _kind_filter(kinds)
        candidates: set[int] = set()
        for box in circle_boxes(lat, lon, radius_m):
            candidates.update(self._points.in_box(*box))
        found = []
        for i in candidates:
            facility = self._facilities[i]
            if wanted is not None and facility.kind not in wanted:
                continue
            distance = haversine_m(lat, lon, facility.lat, facility.lon)
            if distance <= radius_m:
                found.append((facility, distance))
        found.sort(key=lambda pair: (pair[1], pair[0].id))
        return found


def _kind_filter(kinds: Iterable[str] | str | None) -> frozenset[str] | None:
    if kinds is None:
        return None
    if type(kinds) is tuple and kinds in _CHECKED_KINDS:
        return _CHECKED_KINDS[kinds]
    wanted = frozenset((kinds,) if isinstance(kinds, str) else kinds)
    unknown = wanted - KINDS
    if unknown:
        raise ValueError(
            f"unknown facility kind(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(sorted(KINDS))}"
        )
    if type(kinds) is tuple and len(_CHECKED_KINDS) < 64:
        _CHECKED_KINDS[kinds] = wanted
    return wanted


#: tuples of kinds already checked, and their sets
_CHECKED_KINDS: dict[tuple[str, ...], frozenset[str]] = {}


def _describe(exc: ValidationError, raw: object) -> str:
    """One line per error: the entry index and id, the field, the message."""
    entries = raw.get("facilities") if isinstance(raw, dict) else None
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "facilities" and isinstance(loc[1], int):
            index = loc[1]
            entry = entries[index] if isinstance(entries, list) else None
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            field = ".".join(str(part) for part in loc[3:] or loc[2:])
            where = f"facilities[{index}] (id {entry_id!r})" + (f": {field}" if field else "")
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def default_registry() -> FacilityRegistry:
    """The registry of the shipped ``facilities.json``, read once per process."""
    return FacilityRegistry.from_file(FACILITIES_FILE)


def facilities_within(
    lat: float,
    lon: float,
    radius_m: float,
    kinds: Iterable[str] | str | None = None,
    crs: Datum | str = "wgs84",
) -> list[tuple[Facility, float]]:
    """Facilities of the shipped registry within ``radius_m``, nearest first."""
    return default_registry().within(lat, lon, radius_m, kinds=kinds, crs=crs)
