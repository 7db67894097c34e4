"""Enrichment: district, population, nearby facilities and grid cell of a point.

Pure and fast; the reference data (district boundaries, facilities registry, sensor
registry) is loaded once at start-up and passed in. Datums: district lookups and facility
distances run in the datums of their data; the enrichment states the point in WGS 84 and
GCJ-02 (``geo.wgs84`` / ``geo.gcj02``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.geo.crs import convert, wgs84_to_gcj02
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.geo.grid import grid_cell

#: sensor_id -> (lat, lon, crs) of a registered sensor, or None
SensorLocator = Callable[[str], tuple[float, float, str] | None]

EXPOSURE_KINDS = ("school", "hospital", "hazchem_enterprise", "metro_station", "shelter")


@dataclass(frozen=True)
class Enrichment:
    district: dict[str, str] | None
    """``{code, name}`` or None outside the city."""
    geo: dict[str, dict[str, float]]
    """``{"wgs84": {lat, lon}, "gcj02": {lat, lon}}``."""
    grid_cell: str
    exposure: dict[str, Any]


class Enricher:
    """Looks up where a point is and what is around it."""

    def __init__(
        self,
        districts: DistrictIndex,
        facilities: FacilityRegistry,
        *,
        radius_m: float = 1000.0,
        grid_resolution: int = 8,
        sensor_locator: SensorLocator | None = None,
        exposure_kinds: tuple[str, ...] = EXPOSURE_KINDS,
    ) -> None:
        self.districts = districts
        self.facilities = facilities
        self.radius_m = radius_m
        self.grid_resolution = grid_resolution
        self.sensor_locator = sensor_locator
        self.exposure_kinds = exposure_kinds

    def enrich(self, lat: float, lon: float, crs: str = "wgs84") -> Enrichment:
        if crs == "wgs84":
            (w_lat, w_lon), (g_lat, g_lon) = (lat, lon), wgs84_to_gcj02(lat, lon)
        else:
            w_lat, w_lon = convert(lat, lon, crs, "wgs84")
            g_lat, g_lon = convert(lat, lon, crs, "gcj02") if crs != "gcj02" else (lat, lon)
        district = self.districts.district_for_point(g_lat, g_lon, "gcj02")
        nearby = self.facilities.within(w_lat, w_lon, self.radius_m, kinds=self.exposure_kinds)
        exposure: dict[str, Any] = {
            "district_population": district.population if district else None,
            "radius_m": float(self.radius_m),
            "facilities": [
                {"id": f.id, "kind": f.kind, "name": f.name_zh, "distance_m": round(d, 1)}
                for f, d in nearby
            ],
        }
        return Enrichment(
            district=district.ref() if district else None,
            geo={"wgs84": {"lat": w_lat, "lon": w_lon}, "gcj02": {"lat": g_lat, "lon": g_lon}},
            grid_cell=grid_cell(w_lat, w_lon, self.grid_resolution),
            exposure=exposure,
        )

    def for_sensor(self, reading: Any) -> Enrichment | None:
        """Enrichment of a reading: its own location, else the registry's; None if unknown."""
        loc = reading.location
        if loc is not None:
            return self.enrich(loc.lat, loc.lon, str(getattr(loc.crs, "value", loc.crs)))
        if self.sensor_locator is not None:
            found = self.sensor_locator(reading.sensor_id)
            if found is not None:
                return self.enrich(*found)
        return None
