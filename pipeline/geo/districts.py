"""Shanghai's districts: which district a point lies in, and each district's polygon.

This module owns ``pipeline/data/districts.geojson`` (16 district boundaries in GCJ-02 with
names and 2020 census populations; provenance in ``districts.provenance.json``). The file
is read and validated once into a :class:`DistrictIndex` (prepared geometries in an STRtree);
:func:`default_index` caches the shipped one.

Lookups go through a raster of the boundaries' extent, built on first use: a cell that one
district covers wholly answers with that district, a cell that no district touches answers
"none", and only a point in a cell that a boundary crosses is tested against the polygons
that touch its cell. The answers are those of the polygons themselves.

Inputs default to WGS-84 and are converted to GCJ-02, the datum of the boundaries, before
the lookup. A point outside Shanghai has no district: ``None``, not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from pipeline.errors import ConfigError
from pipeline.geo.crs import Datum, convert

DISTRICTS_FILE = Path(__file__).resolve().parent.parent / "data" / "districts.geojson"
BOUNDARY_DATUM = "gcj02"
RASTER_STEP_DEG = 0.01
"""Side of a raster cell in degrees (about 1 km)."""
RASTER_MARGIN_DEG = 1e-9
"""Cells are tested slightly enlarged, so rounding in locating a point cannot matter."""
_NO_DISTRICT = -1
_CROSSED = -2


@dataclass(frozen=True, slots=True)
class District:
    """One district: GB/T 2260 code, names and 2020 census resident population."""

    code: str
    name_zh: str
    name_en: str
    population: int

    def ref(self) -> dict[str, str]:
        """The ``{code, name}`` reference carried by classified records."""
        return {"code": self.code, "name": self.name_zh}


class _DistrictProperties(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{6}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    population_2020: int = Field(ge=0)
    datum: Literal["gcj02"]


class DistrictIndex:
    """District boundaries with a spatial index for point lookups."""

    def __init__(self, districts: list[District], boundaries: list[BaseGeometry]) -> None:
        if len(districts) != len(boundaries):
            raise ValueError("districts and boundaries differ in length")
        order = sorted(range(len(districts)), key=lambda i: districts[i].code)
        self._districts = tuple(districts[i] for i in order)
        self._boundaries = tuple(boundaries[i] for i in order)
        self._by_code = {d.code: i for i, d in enumerate(self._districts)}
        if len(self._by_code) != len(self._districts):
            raise ValueError("duplicate district codes")
        for geom in self._boundaries:
            shapely.prepare(geom)
        self._tree = shapely.STRtree(list(self._boundaries))
        self._wgs84_cache: dict[str, MultiPolygon] = {}
        self._raster: _Raster | None = None

    @classmethod
    def from_geojson(cls, path: Path) -> DistrictIndex:
        """Read and validate a districts FeatureCollection; errors name the file and feature."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read districts file: {exc}") from exc
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise ConfigError(f"{path}: not a GeoJSON FeatureCollection")
        features = document.get("features")
        if not isinstance(features, list):
            raise ConfigError(f"{path}: not a GeoJSON FeatureCollection")
        districts: list[District] = []
        boundaries: list[BaseGeometry] = []
        for i, feature in enumerate(features):
            where = f"{path}: features[{i}]"
            try:
                props = _DistrictProperties.model_validate(feature.get("properties"))
            except (AttributeError, ValidationError) as exc:
                raise ConfigError(f"{where}: invalid properties: {exc}") from exc
            where = f"{where} (district {props.code})"
            try:
                geom = shape(feature["geometry"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ConfigError(f"{where}: invalid geometry: {exc}") from exc
            if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
                raise ConfigError(f"{where}: geometry must be a valid (Multi)Polygon")
            districts.append(
                District(props.code, props.name_zh, props.name_en, props.population_2020)
            )
            boundaries.append(geom)
        if not districts:
            raise ConfigError(f"{path}: no districts")
        try:
            return cls(districts, boundaries)
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from exc

    @classmethod
    def load(cls, path: Path | None = None) -> DistrictIndex:
        """The index of ``path``; without a path, the shipped file (read once, cached)."""
        return default_index() if path is None else cls.from_geojson(path)

    @property
    def districts(self) -> tuple[District, ...]:
        """Every district, ordered by code."""
        return self._districts

    def get(self, code: str) -> District:
        """The district with this code; ``KeyError`` if there is none."""
        return self._districts[self._by_code[code]]

    def district_for_point(
        self, lat: float, lon: float, crs: Datum | str = "wgs84"
    ) -> District | None:
        """The district containing the point (boundary included), or None outside the city.

        ``crs`` names the datum of ``lat``/``lon``: ``wgs84`` (default), ``gcj02`` or
        ``bd09``. A point on a shared border belongs to the district with the lower code.
        """
        g_lat, g_lon = (lat, lon) if crs == BOUNDARY_DATUM else _to_boundary_datum(lat, lon, crs)
        if self._raster is None:
            self._raster = _Raster(self._boundaries)
        found = self._raster.find(g_lon, g_lat)
        if found is None:
            candidates = sorted(int(i) for i in self._tree.query(shapely.Point(g_lon, g_lat)))
        elif isinstance(found, list):
            candidates = found
        elif found >= 0:
            return self._districts[found]
        else:
            return None
        for i in candidates:
            if shapely.intersects_xy(self._boundaries[i], g_lon, g_lat):
                return self._districts[i]
        return None

    def polygon(self, code: str, crs: Datum | str = "wgs84") -> MultiPolygon:
        """The boundary of district ``code`` as a MultiPolygon in datum ``crs``.

        WGS-84 (the default, and what CAP 1.2 ``area`` polygons and web maps expect) is
        converted vertex by vertex from the stored GCJ-02 and cached.
        """
        geom = self._boundaries[self._by_code[code]]
        if geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        if crs == BOUNDARY_DATUM:
            return geom
        if crs == "wgs84":
            if code not in self._wgs84_cache:
                self._wgs84_cache[code] = _convert_geometry(geom, BOUNDARY_DATUM, "wgs84")
            return self._wgs84_cache[code]
        return _convert_geometry(geom, BOUNDARY_DATUM, crs)


class _Raster:
    """A grid over the boundaries' extent: per cell, the district covering it wholly,
    ``_NO_DISTRICT`` when no boundary touches it, or ``_CROSSED`` with the districts (in
    index order) whose polygons touch it."""

    def __init__(self, boundaries: tuple[BaseGeometry, ...], step: float = RASTER_STEP_DEG):
        geoms = np.array(boundaries, dtype=object)
        self.x0, self.y0, x1, y1 = (float(v) for v in shapely.total_bounds(geoms))
        self.step = step
        self.nx = max(1, int(np.ceil((x1 - self.x0) / step)))
        self.ny = max(1, int(np.ceil((y1 - self.y0) / step)))
        cols, rows = np.meshgrid(np.arange(self.nx), np.arange(self.ny), indexing="xy")
        west, south = self.x0 + cols.ravel() * step, self.y0 + rows.ravel() * step
        m = RASTER_MARGIN_DEG
        boxes = shapely.box(west - m, south - m, west + step + m, south + step + m)
        cell_of, district_of = shapely.STRtree(geoms).query(boxes, predicate="intersects")
        touching = np.bincount(cell_of, minlength=len(boxes))
        cells = np.where(touching == 0, _NO_DISTRICT, _CROSSED)
        alone = touching[cell_of] == 1
        covered = shapely.covers(geoms[district_of[alone]], boxes[cell_of[alone]])
        cells[cell_of[alone][covered]] = district_of[alone][covered]
        self.cells: list[int] = cells.tolist()
        self.crossed: dict[int, list[int]] = {}
        for cell, district in sorted(zip(cell_of.tolist(), district_of.tolist(), strict=True)):
            if self.cells[cell] == _CROSSED:
                self.crossed.setdefault(cell, []).append(district)

    def find(self, x: float, y: float) -> int | list[int] | None:
        """A district index, ``_NO_DISTRICT``, the districts to test, or None off the raster."""
        col, row = (x - self.x0) / self.step, (y - self.y0) / self.step
        if not (0 <= col < self.nx and 0 <= row < self.ny):
            return None
        cell = int(row) * self.nx + int(col)
        value = self.cells[cell]
        return self.crossed[cell] if value == _CROSSED else value


def _to_boundary_datum(lat: float, lon: float, source: str) -> tuple[float, float]:
    return convert(lat, lon, source, BOUNDARY_DATUM)


def _convert_geometry(geom: BaseGeometry, source: str, target: str) -> MultiPolygon:
    def convert_coords(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        out = xy.copy()
        for row in out:
            row[1], row[0] = convert(float(row[1]), float(row[0]), source, target)
        return out

    return shapely.transform(geom, convert_coords)


@lru_cache(maxsize=1)
def default_index() -> DistrictIndex:
    """The index of the shipped ``districts.geojson``, read once per process."""
    return DistrictIndex.from_geojson(DISTRICTS_FILE)


def district_for_point(lat: float, lon: float, crs: Datum | str = "wgs84") -> District | None:
    """The Shanghai district containing the point, or None; see ``DistrictIndex``."""
    return default_index().district_for_point(lat, lon, crs)


def district_polygon(code: str, crs: Datum | str = "wgs84") -> MultiPolygon:
    """The boundary of district ``code`` in datum ``crs`` (WGS-84 by default)."""
    return default_index().polygon(code, crs)


def all_districts() -> tuple[District, ...]:
    """Every Shanghai district, ordered by code."""
    return default_index().districts


def get_district(code: str) -> District:
    """The district with this code; ``KeyError`` if there is none."""
    return default_index().get(code)
