"""The district map layer: the 16 district boundaries in WGS 84, simplified for drawing.

Boundaries come from :mod:`pipeline.geo.districts` (stored in GCJ-02, converted to WGS 84
vertex by vertex). They are simplified together as one coverage, so neighbouring districts
keep their shared borders without gaps or overlaps, and rounded to 1e-5 degrees (about a
metre). The static layer is built once per process; the live properties (warnings and
incident counts) are merged in per request by :func:`district_features`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from pipeline.geo.districts import DistrictIndex

SIMPLIFY_TOLERANCE_DEG = 0.002
"""Coverage simplification tolerance, in degrees (a few hundred metres on the map)."""
COORDINATE_DECIMALS = 5


def _rounded(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), COORDINATE_DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


@lru_cache(maxsize=4)
def district_layer(
    path: str | None = None, tolerance: float = SIMPLIFY_TOLERANCE_DEG
) -> tuple[dict[str, Any], ...]:
    """GeoJSON features of every district (WGS 84, simplified), ordered by code.

    ``path`` names a districts file (``CITYWATCH_DISTRICTS_FILE``); None uses the shipped
    one. Properties: ``code``, ``name_zh``, ``name_en``, ``population`` and ``label``, a
    ``[lon, lat]`` point inside the district's largest part for its name.
    """
    index = DistrictIndex.load(Path(path) if path else None)
    districts = index.districts
    boundaries = [index.polygon(d.code, "wgs84") for d in districts]
    simplified = shapely.coverage_simplify(boundaries, tolerance)
    features = []
    for district, full, geom in zip(districts, boundaries, simplified, strict=True):
        largest = max(full.geoms, key=lambda part: part.area)
        label = largest.point_on_surface()
        geometry = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "id": district.code,
                "properties": {
                    "code": district.code,
                    "name_zh": district.name_zh,
                    "name_en": district.name_en,
                    "population": district.population,
                    "label": _rounded([label.x, label.y]),
                },
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"]),
                },
            }
        )
    return tuple(features)


def district_features(
    layer: tuple[dict[str, Any], ...],
    warnings: list[Mapping[str, Any]],
    incidents: Mapping[str, Mapping[str, int]],
) -> dict[str, Any]:
    """The FeatureCollection with live properties merged into each district.

    ``warnings`` are active warnings (``district.code``, ``hazard``, ``level``,
    ``level_rank``); ``incidents`` maps a district code to ``{"count", "max_level"}``.
    Each feature gains ``warning_level`` (the most severe active colour or None),
    ``warning_rank`` (0-4), ``warnings`` (hazard and level of each active warning),
    ``incidents`` and ``max_level`` (the most severe incident level, 1 = Ⅰ, or None).
    """
    by_district: dict[str, list[Mapping[str, Any]]] = {}
    for warning in warnings:
        by_district.setdefault(warning["district"]["code"], []).append(warning)
    features = []
    for feature in layer:
        code = feature["properties"]["code"]
        active = sorted(by_district.get(code, []), key=lambda w: -w["level_rank"])
        counts = incidents.get(code, {})
        properties = dict(feature["properties"])
        properties.update(
            warning_level=active[0]["level"] if active else None,
            warning_rank=active[0]["level_rank"] if active else 0,
            warnings=[{"hazard": w["hazard"], "level": w["level"]} for w in active],
            incidents=int(counts.get("count", 0)),
            max_level=counts.get("max_level"),
        )
        features.append({**feature, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
