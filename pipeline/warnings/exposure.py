"""How exposed a district is: people per km² and vulnerable facilities, as a score factor.

A hazard of the same strength costs more where more people live close together and where
schools and hospitals stand. This module turns the packaged district data (2020 census
population, boundary polygon) and the facilities registry into one number per district,
the *exposure index* in [0, 1]::

    exposure_index = 0.5 * density / max density + 0.5 * vulnerable / max vulnerable

(maxima over the 16 districts), and maps it linearly onto a factor that scales a hazard
score: ``factor = exposure_min + (exposure_max - exposure_min) * exposure_index``, by
default 0.8 .. 1.2. The densest district with the most vulnerable facilities gets the top
factor; a district with neither would get the bottom one.

Areas are true areas on the WGS-84 ellipsoid: the WGS-84 boundary is projected with the
ellipsoidal Lambert cylindrical equal-area projection, whose planar area equals the area on
the ellipsoid. A district this module does not know (or ``"outside"``, the key of reports
outside the city) gets a neutral exposure: index 0.5 and factor 1.0, so its score is its
hazard unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from pipeline.geo.districts import default_index, district_for_point, district_polygon
from pipeline.geo.facilities import KINDS, Facility, default_registry

WGS84_A = 6_378_137.0
"""WGS-84 semi-major axis, metres."""
WGS84_F = 1 / 298.257223563
"""WGS-84 flattening."""
_E2 = WGS84_F * (2 - WGS84_F)
_E = math.sqrt(_E2)

VULNERABLE_KINDS: tuple[str, ...] = ("school", "hospital", "kindergarten", "elderly_care")
"""Facility kinds whose occupants cannot easily look after themselves in an emergency.

Only the kinds the facilities registry knows are counted (today schools and hospitals)."""

EXPOSURE_MIN = 0.8
EXPOSURE_MAX = 1.2
NEUTRAL_INDEX = 0.5
NEUTRAL_FACTOR = 1.0


def authalic_q(lat_deg: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Snyder's ``q`` of the WGS-84 ellipsoid at these latitudes.

    The area between the equator and latitude φ over a longitude span Δλ (radians) is
    ``a² / 2 * q(φ) * Δλ``.
    """
    s = np.sin(np.radians(np.asarray(lat_deg, dtype=np.float64)))
    es = _E * s
    return (1 - _E2) * (s / (1 - _E2 * s * s) - np.log((1 - es) / (1 + es)) / (2 * _E))


def _equal_area_xy(lonlat: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.empty_like(lonlat)
    out[:, 0] = WGS84_A * np.radians(lonlat[:, 0])
    out[:, 1] = WGS84_A * authalic_q(lonlat[:, 1]) / 2
    return out


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """The area on the WGS-84 ellipsoid, in km², of a lon/lat (WGS-84) geometry."""
    return float(shapely.transform(geom, _equal_area_xy).area) / 1e6


def count_vulnerable(facilities: Iterable[Facility]) -> dict[str, int]:
    """Vulnerable facilities per district code, for every district (0 where none).

    A facility belongs to its ``district`` code, or else to the district its point lies in;
    facilities outside the city, and kinds not in :data:`VULNERABLE_KINDS`, are not counted.
    """
    counts: dict[str, int] = {d.code: 0 for d in default_index().districts}
    for facility in facilities:
        if facility.kind not in VULNERABLE_KINDS:
            continue
        code = facility.district
        if code is None:
            found = district_for_point(facility.lat, facility.lon)
            code = found.code if found is not None else None
        if code in counts:
            counts[code] += 1
    return counts


@lru_cache(maxsize=1)
def _city_basis() -> dict[str, tuple[int, float, float, int]]:
    """Per district code: population, area km², density per km², vulnerable facilities."""
    index = default_index()
    kinds = tuple(k for k in VULNERABLE_KINDS if k in KINDS)
    vulnerable = count_vulnerable(default_registry().of_kind(*kinds))
    basis = {}
    for district in index.districts:
        area = geodesic_area_km2(district_polygon(district.code))
        density = district.population / area if area > 0 else 0.0
        basis[district.code] = (district.population, area, density, vulnerable[district.code])
    return basis


def neutral_exposure(code: str) -> dict[str, Any]:
    """The exposure of a district without data: it neither raises nor lowers a score."""
    return {
        "code": code,
        "population": None,
        "area_km2": None,
        "density_per_km2": None,
        "vulnerable_facilities": 0,
        "exposure_index": NEUTRAL_INDEX,
        "factor": NEUTRAL_FACTOR,
    }


@lru_cache(maxsize=256)
def _exposure(code: str, exposure_min: float, exposure_max: float) -> tuple[tuple[str, Any], ...]:
    basis = _city_basis()
    if code not in basis:
        return tuple(neutral_exposure(code).items())
    population, area, density, vulnerable = basis[code]
    max_density = max(b[2] for b in basis.values())
    max_vulnerable = max(b[3] for b in basis.values())
    index = 0.5 * (density / max_density if max_density > 0 else 0.0) + 0.5 * (
        vulnerable / max_vulnerable if max_vulnerable > 0 else 0.0
    )
    factor = exposure_min + (exposure_max - exposure_min) * index
    return (
        ("code", code),
        ("population", population),
        ("area_km2", round(area, 2)),
        ("density_per_km2", round(density, 1)),
        ("vulnerable_facilities", vulnerable),
        ("exposure_index", round(index, 4)),
        ("factor", round(factor, 4)),
    )


def district_exposure(
    code: str, *, exposure_min: float = EXPOSURE_MIN, exposure_max: float = EXPOSURE_MAX
) -> dict[str, Any]:
    """The exposure of district ``code`` (GB/T 2260, e.g. ``"310115"``); never raises.

    Returns ``code``, ``population`` (2020 census), ``area_km2``, ``density_per_km2``,
    ``vulnerable_facilities`` (schools, hospitals and other vulnerable kinds in the
    registry), ``exposure_index`` (0..1, rounded to 4 places) and ``factor`` (between
    ``exposure_min`` and ``exposure_max``, rounded to 4 places). An unknown code, or
    ``"outside"``, gets :func:`neutral_exposure`. Computed once per code and bounds; each
    call returns a fresh dict.
    """
    return dict(_exposure(str(code), float(exposure_min), float(exposure_max)))
