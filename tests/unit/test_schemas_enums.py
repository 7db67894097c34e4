"""Labelled enumerations: every member has labels; types belong to their categories."""

from __future__ import annotations

import pytest

from schemas.enums import (
    ALL_ENUMS,
    Category,
    HazardLevel,
    IncidentType,
    Level,
    SensorKind,
    WarningColour,
    types_of,
)
from schemas.labels import labels

# every type named in DOMAIN.md's category table, and the extras the pipeline uses
EXPECTED_TYPES = {
    Category.NATURAL_DISASTER: (
        "rainstorm typhoon flood waterlogging gale heat fog lightning snow_ice earthquake "
        "landslide subsidence storm_surge forest_fire fallen_tree drought biological"
    ),
    Category.ACCIDENT: (
        "fire explosion hazardous_chemicals construction special_equipment road_traffic rail "
        "metro shipping aviation gas_supply power_supply water_supply environmental_pollution"
    ),
    Category.PUBLIC_HEALTH: (
        "infectious_disease unexplained_illness food_poisoning occupational_poisoning "
        "animal_epidemic"
    ),
    Category.SOCIAL_SAFETY: (
        "terrorist_attack mass_incident crowd_crush criminal_case economic_security foreign_related"
    ),
}


@pytest.mark.parametrize("enum_cls", ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_both_labels(enum_cls):
    for member in enum_cls:
        assert member.label_zh.strip() and member.label_en.strip(), member
        assert any("\u4e00" <= ch <= "\u9fff" for ch in member.label_zh), member
    assert set(labels(enum_cls)) == {str(m.value) for m in enum_cls}


@pytest.mark.parametrize("enum_cls", ALL_ENUMS, ids=lambda e: e.__name__)
def test_values_are_wire_friendly(enum_cls):
    for member in enum_cls:
        if enum_cls is Level:
            assert isinstance(member.value, int)
        else:
            assert member.value == member.value.lower() and " " not in member.value


@pytest.mark.parametrize(("category", "names"), EXPECTED_TYPES.items())
def test_types_belong_to_their_category(category, names):
    assert {t.value for t in types_of(category)} == set(names.split())
    for name in names.split():
        assert IncidentType(name).category is category


def test_unclassified_exists_and_is_in_no_category_list():
    assert IncidentType("unclassified").category in Category
    assert all(IncidentType.UNCLASSIFIED not in types_of(c) for c in Category)


def test_levels_are_integers_with_roman_labels():
    assert [int(level) for level in Level] == [1, 2, 3, 4]
    assert [level.roman for level in Level] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]
    assert Level(1).label == "Ⅰ 特别重大"
    assert Level(4).label_zh == "一般" and Level(4).label_en == "general"
    assert Level(1) < Level(4)


def test_warning_colours_grade_and_rank():
    assert [c.value for c in WarningColour] == ["blue", "yellow", "orange", "red"]
    assert [c.grade for c in WarningColour] == [4, 3, 2, 1]
    assert [c.rank for c in WarningColour] == [1, 2, 3, 4]
    assert "四级" in WarningColour.BLUE.label_zh and "一级" in WarningColour.RED.label_zh
    assert [c.meaning_zh for c in WarningColour] == ["一般", "较重", "严重", "特别严重"]


def test_sensor_kinds_have_units_and_hazard_levels_their_names():
    assert SensorKind.RAIN_GAUGE.unit == "mm"
    assert all(kind.unit for kind in SensorKind)
    assert HazardLevel.MAJOR.label_zh == "重大隐患"
    assert HazardLevel.GENERAL.label_zh == "一般隐患"
