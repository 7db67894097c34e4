"""Places of the simulated city: districts, roads, facility anchors and points near them.

Every point is WGS-84 and checked with :func:`pipeline.geo.districts.district_for_point`
to lie in the district it is meant for. Facilities of the registry
(:class:`pipeline.geo.facilities.FacilityRegistry`) anchor incident locations; each
district also has a few real road names for addresses and texts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from pipeline.geo.districts import District, all_districts, district_for_point
from pipeline.geo.facilities import FacilityRegistry

METRES_PER_DEGREE = 111_320.0

#: district code -> roads as (Chinese, English)
ROADS: dict[str, tuple[tuple[str, str], ...]] = {
    "310101": (
        ("南京东路", "East Nanjing Road"),
        ("延安东路", "East Yan'an Road"),
        ("西藏中路", "Middle Xizang Road"),
        ("淮海中路", "Middle Huaihai Road"),
        ("中山东一路", "East Zhongshan No.1 Road"),
    ),
    "310104": (
        ("漕溪北路", "North Caoxi Road"),
        ("肇嘉浜路", "Zhaojiabang Road"),
        ("天钥桥路", "Tianyaoqiao Road"),
        ("龙华中路", "Middle Longhua Road"),
    ),
    "310105": (
        ("延安西路", "West Yan'an Road"),
        ("天山路", "Tianshan Road"),
        ("仙霞路", "Xianxia Road"),
        ("长宁路", "Changning Road"),
    ),
    "310106": (
        ("南京西路", "West Nanjing Road"),
        ("共和新路", "Gonghexin Road"),
        ("延长中路", "Middle Yanchang Road"),
        ("恒丰路", "Hengfeng Road"),
    ),
    "310107": (
        ("曹杨路", "Caoyang Road"),
        ("真北路", "Zhenbei Road"),
        ("长寿路", "Changshou Road"),
        ("中山北路", "North Zhongshan Road"),
    ),
    "310109": (
        ("四川北路", "North Sichuan Road"),
        ("曲阳路", "Quyang Road"),
        ("东大名路", "Dongdaming Road"),
        ("大连西路", "West Dalian Road"),
    ),
    "310110": (
        ("四平路", "Siping Road"),
        ("黄兴路", "Huangxing Road"),
        ("杨树浦路", "Yangshupu Road"),
        ("国权路", "Guoquan Road"),
    ),
    "310112": (
        ("沪闵路", "Humin Road"),
        ("七莘路", "Qixin Road"),
        ("虹井路", "Hongjing Road"),
        ("莘庄立交", "Xinzhuang Interchange"),
    ),
    "310113": (
        ("牡丹江路", "Mudanjiang Road"),
        ("友谊路", "Youyi Road"),
        ("蕰川路", "Yunchuan Road"),
        ("淞滨路", "Songbin Road"),
    ),
    "310114": (
        ("城中路", "Chengzhong Road"),
        ("博乐路", "Bole Road"),
        ("嘉松北路", "North Jiasong Road"),
        ("曹安公路", "Cao'an Highway"),
    ),
    "310115": (
        ("世纪大道", "Century Avenue"),
        ("张杨路", "Zhangyang Road"),
        ("浦东南路", "South Pudong Road"),
        ("杨高路", "Yanggao Road"),
        ("川沙路", "Chuansha Road"),
    ),
    "310116": (
        ("卫零路", "Weiling Road"),
        ("石化一路", "Shihua No.1 Road"),
        ("龙航路", "Longhang Road"),
        ("漕廊公路", "Caolang Highway"),
    ),
    "310117": (
        ("人民北路", "North Renmin Road"),
        ("文诚路", "Wencheng Road"),
        ("龙腾路", "Longteng Road"),
        ("沪松公路", "Husong Highway"),
    ),
    "310118": (
        ("公园路", "Gongyuan Road"),
        ("外青松公路", "Waiqingsong Highway"),
        ("淀山湖大道", "Dianshanhu Avenue"),
        ("崧泽大道", "Songze Avenue"),
    ),
    "310120": (
        ("南桥路", "Nanqiao Road"),
        ("金海公路", "Jinhai Highway"),
        ("解放东路", "East Jiefang Road"),
        ("望园路", "Wangyuan Road"),
    ),
    "310151": (
        ("八一路", "Bayi Road"),
        ("人民路", "Renmin Road"),
        ("陈海公路", "Chenhai Highway"),
        ("北沿公路", "Beiyan Highway"),
    ),
}


@dataclass(frozen=True, slots=True)
class Anchor:
    """A named point of the city: a facility of the registry."""

    id: str
    kind: str
    name_zh: str
    name_en: str
    lat: float
    lon: float
    district: str


@dataclass(frozen=True, slots=True)
class Spot:
    """A point for an event: coordinates, district, road, nearby anchor and an address."""

    lat: float
    lon: float
    district: District
    road_zh: str
    road_en: str
    anchor: Anchor
    address: str


class Places:
    """Districts, roads and anchors, and random points inside a district."""

    def __init__(self, facilities: FacilityRegistry | None = None) -> None:
        registry = facilities if facilities is not None else FacilityRegistry.load()
        self.districts: dict[str, District] = {d.code: d for d in all_districts()}
        self.anchors: list[Anchor] = [
            Anchor(f.id, f.kind, f.name_zh, f.name_en or f.name_zh, f.lat, f.lon, f.district)
            for f in registry.facilities
            if f.district in self.districts and _in_district(f.lat, f.lon, f.district)
        ]

    def anchor(self, anchor_id: str) -> Anchor:
        """The anchor with this facility id; ``KeyError`` if there is none."""
        for a in self.anchors:
            if a.id == anchor_id:
                return a
        raise KeyError(anchor_id)

    def of_kind(self, kind: str) -> list[Anchor]:
        """Anchors of one facility kind, in registry order."""
        return [a for a in self.anchors if a.kind == kind]

    def pick_district(self, rng: random.Random) -> District:
        """A district drawn in proportion to its resident population."""
        districts = list(self.districts.values())
        return rng.choices(districts, weights=[d.population for d in districts])[0]

    def spot(self, rng: random.Random, code: str, radius_m: float = 1500.0) -> Spot:
        """A random point within ``radius_m`` of an anchor of district ``code``."""
        anchors = [a for a in self.anchors if a.district == code]
        anchor = rng.choice(anchors)
        return self.spot_near(rng, anchor, radius_m)

    def spot_near(
        self,
        rng: random.Random,
        anchor: Anchor,
        radius_m: float,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Spot:
        """A random point within ``radius_m`` of ``(lat, lon)`` (default: the anchor),
        in the anchor's district."""
        lat0 = anchor.lat if lat is None else lat
        lon0 = anchor.lon if lon is None else lon
        point = jitter_in_district(rng, lat0, lon0, radius_m, anchor.district)
        road_zh, road_en = rng.choice(ROADS[anchor.district])
        district = self.districts[anchor.district]
        number = rng.randint(1, 1999)
        address = f"上海市{district.name_zh}{road_zh}{number}号(近{anchor.name_zh})"
        return Spot(point[0], point[1], district, road_zh, road_en, anchor, address)


def jitter_in_district(
    rng: random.Random, lat: float, lon: float, radius_m: float, code: str, tries: int = 20
) -> tuple[float, float]:
    """A uniformly random point within ``radius_m`` of ``(lat, lon)`` inside district ``code``.

    Falls back to ``(lat, lon)`` itself when no try lands inside the district.
    """
    for _ in range(tries):
        distance = radius_m * math.sqrt(rng.random())
        bearing = rng.uniform(0.0, 2.0 * math.pi)
        dlat = distance * math.cos(bearing) / METRES_PER_DEGREE
        dlon = distance * math.sin(bearing) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        cand = (round(lat + dlat, 6), round(lon + dlon, 6))
        if _in_district(*cand, code):
            return cand
    return (round(lat, 6), round(lon, 6))


def _in_district(lat: float, lon: float, code: str | None) -> bool:
    found = district_for_point(lat, lon)
    return found is not None and found.code == code


@lru_cache(maxsize=1)
def default_places() -> Places:
    """The places of the shipped registries, built once per process."""
    return Places()
