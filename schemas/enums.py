"""Enumerations of the event contract, each member with a Chinese and an English label.

Values are what travels on the wire (lower-case strings; :class:`Level` travels as the
integers 1-4). ``member.label_zh`` and ``member.label_en`` give the display labels, and
``labels(EnumClass)`` gives all of them as ``{value: {"zh": ..., "en": ...}}``.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

from schemas.labels import Labelled, LabelledStrEnum, labels


class Category(LabelledStrEnum):
    """Category of an emergency (国家突发公共事件总体应急预案, 2006)."""

    NATURAL_DISASTER = ("natural_disaster", "自然灾害", "natural disaster")
    ACCIDENT = ("accident", "事故灾难", "accident")
    PUBLIC_HEALTH = ("public_health", "公共卫生事件", "public health")
    SOCIAL_SAFETY = ("social_safety", "社会安全事件", "social safety")


_N, _A, _P, _S = (
    Category.NATURAL_DISASTER,
    Category.ACCIDENT,
    Category.PUBLIC_HEALTH,
    Category.SOCIAL_SAFETY,
)


class IncidentType(Labelled, StrEnum):
    """Type of an incident; ``member.category`` is the category it belongs to."""

    category: Category

    def __new__(cls, value: str, category: Category, label_zh: str, label_en: str) -> IncidentType:
        member = str.__new__(cls, value)
        member._value_ = value
        member.category = category
        member.label_zh = label_zh
        member.label_en = label_en
        return member

    @classmethod
    def _schema_extra(cls) -> dict[str, Any]:
        return {"x-labels": labels(cls), "x-categories": {t.value: t.category.value for t in cls}}

    # natural disasters
    FLOOD = ("flood", _N, "洪涝", "flood")
    DROUGHT = ("drought", _N, "干旱", "drought")
    RAINSTORM = ("rainstorm", _N, "暴雨", "rainstorm")
    WATERLOGGING = ("waterlogging", _N, "积水内涝", "waterlogging")
    TYPHOON = ("typhoon", _N, "台风", "typhoon")
    GALE = ("gale", _N, "大风", "gale")
    HEAT = ("heat", _N, "高温", "heat")
    FOG = ("fog", _N, "大雾", "fog")
    LIGHTNING = ("lightning", _N, "雷电", "lightning")
    SNOW_ICE = ("snow_ice", _N, "雨雪冰冻", "snow and ice")
    EARTHQUAKE = ("earthquake", _N, "地震", "earthquake")
    LANDSLIDE = ("landslide", _N, "山体滑坡", "landslide")
    SUBSIDENCE = ("subsidence", _N, "地面塌陷", "ground subsidence")
    STORM_SURGE = ("storm_surge", _N, "风暴潮", "storm surge")
    BIOLOGICAL = ("biological", _N, "生物灾害", "biological disaster")
    FOREST_FIRE = ("forest_fire", _N, "森林草原火灾", "forest or grassland fire")
    FALLEN_TREE = ("fallen_tree", _N, "树木倒伏", "fallen tree")
    # accidents
    FIRE = ("fire", _A, "火灾", "fire")
    EXPLOSION = ("explosion", _A, "爆炸", "explosion")
    HAZARDOUS_CHEMICALS = ("hazardous_chemicals", _A, "危险化学品事故", "hazardous chemicals")
    CONSTRUCTION = ("construction", _A, "建设工程事故", "construction accident")
    SPECIAL_EQUIPMENT = ("special_equipment", _A, "特种设备事故", "special equipment (e.g. lifts)")
    ROAD_TRAFFIC = ("road_traffic", _A, "道路交通事故", "road traffic accident")
    RAIL = ("rail", _A, "铁路事故", "rail accident")
    METRO = ("metro", _A, "轨道交通事故", "metro accident")
    SHIPPING = ("shipping", _A, "水上交通事故", "shipping accident")
    AVIATION = ("aviation", _A, "民用航空事故", "aviation accident")
    GAS_SUPPLY = ("gas_supply", _A, "燃气事故", "gas supply accident")
    POWER_SUPPLY = ("power_supply", _A, "供电事故", "power supply accident")
    WATER_SUPPLY = ("water_supply", _A, "供水事故", "water supply accident")
    ENVIRONMENTAL_POLLUTION = ("environmental_pollution", _A, "环境污染", "environmental pollution")
    # public health
    INFECTIOUS_DISEASE = ("infectious_disease", _P, "传染病疫情", "infectious disease outbreak")
    UNEXPLAINED_ILLNESS = ("unexplained_illness", _P, "群体性不明原因疾病", "unexplained illness")
    FOOD_POISONING = ("food_poisoning", _P, "食品安全与食物中毒", "food poisoning")
    OCCUPATIONAL_POISONING = ("occupational_poisoning", _P, "职业中毒", "occupational poisoning")
    ANIMAL_EPIDEMIC = ("animal_epidemic", _P, "动物疫情", "animal epidemic")
    # social safety
    TERRORIST_ATTACK = ("terrorist_attack", _S, "恐怖袭击", "terrorist attack")
    MASS_INCIDENT = ("mass_incident", _S, "群体性事件", "mass incident")
    CROWD_CRUSH = ("crowd_crush", _S, "拥挤踩踏", "crowd crush")
    CRIMINAL_CASE = ("criminal_case", _S, "重大刑事案件", "major criminal case")
    ECONOMIC_SECURITY = ("economic_security", _S, "经济安全事件", "economic security event")
    FOREIGN_RELATED = ("foreign_related", _S, "涉外突发事件", "foreign-related emergency")
    # the classifier could not decide; filed under accidents until an operator reclassifies
    UNCLASSIFIED = ("unclassified", _A, "未分类", "unclassified")


def types_of(category: Category) -> list[IncidentType]:
    """The incident types of one category, in declaration order."""
    return [
        t for t in IncidentType if t.category is category and t is not IncidentType.UNCLASSIFIED
    ]


class Level(Labelled, IntEnum):
    """Severity level of an incident: integers 1-4 on the wire, 1 = Ⅰ 特别重大 (the highest)."""

    roman: str

    def __new__(cls, value: int, roman: str, label_zh: str, label_en: str) -> Level:
        member = int.__new__(cls, value)
        member._value_ = value
        member.roman = roman
        member.label_zh = label_zh
        member.label_en = label_en
        return member

    PARTICULARLY_SERIOUS = (1, "Ⅰ", "特别重大", "particularly serious")
    SERIOUS = (2, "Ⅱ", "重大", "serious")
    RELATIVELY_SERIOUS = (3, "Ⅲ", "较大", "relatively serious")
    GENERAL = (4, "Ⅳ", "一般", "general")

    @property
    def label(self) -> str:
        """``Ⅰ 特别重大`` and so on."""
        return f"{self.roman} {self.label_zh}"


class WarningColour(Labelled, StrEnum):
    """Warning level colour (突发事件应对法): blue 四级 (lowest) ... red 一级 (highest)."""

    grade: int
    meaning_zh: str

    def __new__(
        cls, value: str, grade: int, label_zh: str, label_en: str, meaning_zh: str
    ) -> WarningColour:
        member = str.__new__(cls, value)
        member._value_ = value
        member.grade = grade
        member.label_zh = label_zh
        member.label_en = label_en
        member.meaning_zh = meaning_zh
        return member

    BLUE = ("blue", 4, "蓝色预警(四级)", "blue (level 4)", "一般")
    YELLOW = ("yellow", 3, "黄色预警(三级)", "yellow (level 3)", "较重")
    ORANGE = ("orange", 2, "橙色预警(二级)", "orange (level 2)", "严重")
    RED = ("red", 1, "红色预警(一级)", "red (level 1)", "特别严重")

    @property
    def rank(self) -> int:
        """1 for blue ... 4 for red: larger is more severe (for comparisons and sorting)."""
        return 5 - self.grade


class Hazard(LabelledStrEnum):
    """A hazard that sensor streams watch and warnings are raised for."""

    RAINSTORM = ("rainstorm", "暴雨", "rainstorm")
    TYPHOON = ("typhoon", "台风", "typhoon")
    GALE = ("gale", "大风", "gale")
    HEAT = ("heat", "高温", "heat")
    FOG = ("fog", "大雾", "fog")
    LIGHTNING = ("lightning", "雷电", "lightning")
    HIGH_WATER = ("high_water", "高潮位", "high water level")
    WATERLOGGING = ("waterlogging", "积水内涝", "waterlogging")
    GAS = ("gas", "可燃气体泄漏", "combustible gas")
    SMOKE = ("smoke", "烟雾", "smoke")
    CROWD = ("crowd", "人员密集", "crowd density")
    AIR_POLLUTION = ("air_pollution", "空气污染", "air pollution")


class WarningAction(LabelledStrEnum):
    """What a warning change does."""

    ISSUE = ("issue", "发布", "issue")
    ESCALATE = ("escalate", "升级", "escalate")
    DEESCALATE = ("deescalate", "降级", "de-escalate")
    END = ("end", "解除", "end")


class EndReason(LabelledStrEnum):
    """Why a warning ended: lifted by decision, or its validity ran out."""

    CANCELLED = ("cancelled", "解除", "cancelled")
    EXPIRED = ("expired", "到期失效", "expired")


class Source(LabelledStrEnum):
    """Where an incident report came from."""

    HOTLINE_110 = ("hotline_110", "110报警服务台", "110 police hotline")
    HOTLINE_119 = ("hotline_119", "119火警", "119 fire hotline")
    HOTLINE_120 = ("hotline_120", "120急救", "120 ambulance hotline")
    HOTLINE_12345 = ("hotline_12345", "12345市民服务热线", "12345 citizen service hotline")
    FIELD_TEAM = ("field_team", "现场队伍", "field team")
    CITIZEN_APP = ("citizen_app", "市民应用", "citizen app")
    INSPECTION = ("inspection", "检查巡查", "inspection")
    SENSOR_SYSTEM = ("sensor_system", "感知系统", "sensor system")
    MEDIA = ("media", "媒体", "media")


class SensorKind(Labelled, StrEnum):
    """Kind of sensor; ``member.unit`` is the unit its readings are expected in."""

    unit: str

    def __new__(cls, value: str, unit: str, label_zh: str, label_en: str) -> SensorKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.unit = unit
        member.label_zh = label_zh
        member.label_en = label_en
        return member

    RAIN_GAUGE = ("rain_gauge", "mm", "雨量计", "rain gauge")
    WATER_LEVEL = ("water_level", "m", "水位计", "water level gauge")
    ANEMOMETER = ("anemometer", "m/s", "风速仪", "anemometer")
    THERMOMETER = ("thermometer", "°C", "温度计", "thermometer")
    GAS_DETECTOR = ("gas_detector", "%LEL", "可燃气体探测器", "combustible gas detector")
    SMOKE_DETECTOR = ("smoke_detector", "dB/m", "烟感探测器", "smoke detector")
    CROWD_COUNTER = ("crowd_counter", "persons/m²", "客流计数器", "crowd counter")
    AIR_QUALITY = ("air_quality", "AQI", "空气质量监测仪", "air quality monitor")
    VISIBILITY = ("visibility", "m", "能见度仪", "visibility meter")


class Crs(LabelledStrEnum):
    """Coordinate reference system (datum) of a latitude/longitude pair."""

    WGS84 = ("wgs84", "WGS-84 大地坐标系", "WGS 84 (GPS)")
    GCJ02 = ("gcj02", "GCJ-02 国测局坐标系", "GCJ-02 (Chinese 'Mars' coordinates)")
    BD09 = ("bd09", "BD-09 百度坐标系", "BD-09 (Baidu)")


class SiteKind(LabelledStrEnum):
    """Kind of site an inspection finding belongs to."""

    COMMUNITY = ("community", "社区", "community")
    ENTERPRISE = ("enterprise", "企业", "enterprise")
    SCHOOL = ("school", "学校", "school")
    HOSPITAL = ("hospital", "医院", "hospital")
    CONSTRUCTION_SITE = ("construction_site", "建筑工地", "construction site")
    MARKET = ("market", "商场市场", "market or mall")
    OTHER = ("other", "其他", "other")


class HazardLevel(LabelledStrEnum):
    """Grade of a hazard found by an inspection (事故隐患分级)."""

    MAJOR = ("major", "重大隐患", "major hazard")
    GENERAL = ("general", "一般隐患", "general hazard")


class FacilityKind(LabelledStrEnum):
    """Kind of facility or resource in the facilities registry."""

    HOSPITAL = ("hospital", "医院", "hospital")
    SCHOOL = ("school", "学校", "school")
    FIRE_STATION = ("fire_station", "消防救援站", "fire and rescue station")
    HAZMAT_TEAM = ("hazmat_team", "危化品处置队", "hazardous-materials team")
    MEDICAL_TEAM = ("medical_team", "医疗救援队", "medical team")
    SHELTER = ("shelter", "应急避难场所", "emergency shelter")
    SUPPLY_DEPOT = ("supply_depot", "应急物资储备库", "supply depot")
    HAZCHEM_ENTERPRISE = ("hazchem_enterprise", "危险化学品企业", "hazardous-chemical enterprise")
    METRO_STATION = ("metro_station", "地铁站", "metro station")
    RESCUE_BOAT = ("rescue_boat", "救生艇", "rescue boat")
    DRAINAGE_PUMP = ("drainage_pump", "排涝泵车", "drainage pump")


class Stage(LabelledStrEnum):
    """The pipeline stage at which an event was dead-lettered."""

    VALIDATE = ("validate", "校验", "validate")
    ENRICH = ("enrich", "补充", "enrich")
    CORRELATE = ("correlate", "关联", "correlate")
    CLASSIFY = ("classify", "分类分级", "classify")
    WARN = ("warn", "预警", "warn")
    RISK = ("risk", "风险评估", "risk")
    INSPECT = ("inspect", "隐患跟踪", "inspect")
    COMMAND = ("command", "操作指令", "command")
    INDEX = ("index", "索引", "index")


ALL_ENUMS: tuple[type[Any], ...] = (
    Category,
    IncidentType,
    Level,
    WarningColour,
    Hazard,
    WarningAction,
    EndReason,
    Source,
    SensorKind,
    Crs,
    SiteKind,
    HazardLevel,
    FacilityKind,
    Stage,
)
"""Every labelled enumeration of the contract."""
