"""Levels Ⅰ–Ⅳ on both sides of every threshold of DOMAIN.md's tables."""

import pytest

from pipeline.classify import classify_report, load_rulebook


def level_of(type_hint: str, **counts: int) -> int:
    loss = counts.pop("economic_loss_cny", None)
    report = {"report_id": "r", "description": "", "type": type_hint, "casualties": counts}
    if loss is not None:
        report["economic_loss_cny"] = loss
    return classify_report(report, load_rulebook()).level


# fmt: off
PRODUCTION_SAFETY = [
    "fire", "explosion", "hazardous_chemicals", "construction", "special_equipment",
    "road_traffic", "rail", "metro", "shipping", "aviation", "gas_supply", "power_supply",
    "water_supply",
]
# fmt: on


@pytest.mark.parametrize("type_hint", PRODUCTION_SAFETY)
def test_production_safety_types_use_decree_493(type_hint):
    c = classify_report({"description": "", "type": type_hint}, load_rulebook())
    assert c.rule.id == "LVL-PSA-493"
    assert c.category == "accident"


@pytest.mark.parametrize(
    ("deaths", "level"),
    [(0, 4), (1, 4), (2, 4), (3, 3), (9, 3), (10, 2), (29, 2), (30, 1), (31, 1)],
)
def test_decree_493_deaths(deaths, level):
    assert level_of("fire", deaths=deaths) == level


@pytest.mark.parametrize(
    ("serious", "level"),
    [(9, 4), (10, 3), (49, 3), (50, 2), (99, 2), (100, 1)],
)
def test_decree_493_serious_injuries(serious, level):
    assert level_of("explosion", serious_injuries=serious) == level


@pytest.mark.parametrize(
    ("loss", "level"),
    [
        (9_999_999, 4),
        (10_000_000, 3),
        (49_999_999, 3),
        (50_000_000, 2),
        (99_999_999, 2),
        (100_000_000, 1),
    ],
)
def test_decree_493_direct_loss(loss, level):
    assert level_of("hazardous_chemicals", economic_loss_cny=loss) == level


def test_decree_493_highest_criterion_wins():
    c = classify_report(
        {
            "description": "",
            "type": "construction",
            "casualties": {"deaths": 2, "serious_injuries": 12},
            "economic_loss_cny": 60_000_000,
        },
        load_rulebook(),
    )
    assert c.level == 2
    assert c.level_criterion["criterion"] == "economic_loss_cny>=50000000"
    assert c.level_criterion["values"] == {"economic_loss_cny": 60_000_000}


def test_several_criteria_at_the_same_level_are_all_named():
    c = classify_report(
        {"description": "", "type": "fire", "casualties": {"deaths": 30, "serious_injuries": 100}},
        load_rulebook(),
    )
    assert c.level == 1
    assert c.level_criterion["criterion"] == "deaths>=30"
    assert c.level_criterion["also_met"] == ["serious_injuries>=100"]


def test_floor_names_its_reason():
    c = classify_report(
        {"description": "", "type": "fire", "casualties": {"deaths": 2}}, load_rulebook()
    )
    assert c.level == 4
    assert c.level_criterion["criterion"] == "floor"
    assert c.level_criterion["values"]["deaths"] == 2
    assert "≤2" in c.level_criterion["note"]


@pytest.mark.parametrize(
    ("counts", "level", "criterion"),
    [
        ({"affected": 29}, 4, "floor"),
        ({"affected": 0}, 4, "floor"),
        ({"affected": 30}, 4, "cases>=30"),
        ({"affected": 99}, 4, "cases>=30"),
        ({"affected": 100}, 3, "cases>=100"),
        ({"affected": 5, "deaths": 1}, 3, "deaths>=1"),
        ({"affected": 99, "deaths": 1}, 3, "deaths>=1"),
        ({"affected": 100, "deaths": 1}, 2, "cases>=100 & deaths>=1"),
        ({"affected": 20, "deaths": 9}, 3, "deaths>=1"),
        ({"affected": 20, "deaths": 10}, 2, "deaths>=10"),
    ],
)
def test_food_poisoning_table(counts, level, criterion):
    c = classify_report(
        {"description": "", "type": "food_poisoning", "casualties": counts}, load_rulebook()
    )
    assert (c.level, c.level_criterion["criterion"]) == (level, criterion)
    assert c.rule.id == "LVL-PH-FOOD"


def test_food_poisoning_below_the_table_says_so():
    c = classify_report(
        {"description": "", "type": "food_poisoning", "casualties": {"injuries": 12}},
        load_rulebook(),
    )
    assert c.level == 4
    assert "fewer than 30 people and no deaths" in c.level_criterion["note"]


def test_food_poisoning_people_are_counted_from_casualties_or_text():
    rb = load_rulebook()
    by_injuries = classify_report(
        {
            "description": "",
            "type": "food_poisoning",
            "casualties": {"injuries": 98, "serious_injuries": 2},
        },
        rb,
    )
    assert by_injuries.level == 3 and by_injuries.level_criterion["values"] == {"cases": 100}
    by_text = classify_report({"description": "105名员工晚餐后出现腹泻症状"}, rb)
    assert (by_text.type, by_text.level) == ("food_poisoning", 3)


@pytest.mark.parametrize(("cases", "level"), [(0, 4), (9, 4), (10, 3), (29, 3), (30, 2), (300, 2)])
def test_infectious_disease_cholera_example(cases, level):
    c = classify_report(
        {"description": "", "type": "infectious_disease", "casualties": {"affected": cases}},
        load_rulebook(),
    )
    assert c.level == level
    assert c.rule.id == "LVL-PH-INFECTIOUS"


@pytest.mark.parametrize(
    ("deaths", "level"),
    [(0, 4), (19, 4), (20, 4), (49, 4), (50, 3), (99, 3), (100, 2), (199, 2), (200, 1)],
)
def test_natural_disaster_deaths(deaths, level):
    assert level_of("typhoon", deaths=deaths) == level


@pytest.mark.parametrize(
    ("evacuated", "level"),
    [(499_999, 4), (500_000, 3), (999_999, 3), (1_000_000, 2), (1_999_999, 2), (2_000_000, 1)],
)
def test_natural_disaster_relocated(evacuated, level):
    assert level_of("rainstorm", evacuated=evacuated) == level


def test_natural_disaster_level_four_is_configurable_and_marked():
    rb = load_rulebook()
    c = classify_report({"description": "", "type": "flood", "casualties": {"deaths": 20}}, rb)
    assert c.level == 4
    assert c.level_criterion["criterion"] == "deaths>=20"
    assert c.level_criterion["source"] == "configurable"
    grades = {g.level: g for g in rb.level_rule("LVL-ND-2016").grades}
    assert grades[4].source == "configurable" and "not found" in grades[4].note
    assert all(grades[n].source is None for n in (1, 2, 3))


@pytest.mark.parametrize(
    "type_hint",
    [
        "terrorist_attack",
        "mass_incident",
        "crowd_crush",
        "criminal_case",
        "economic_security",
        "foreign_related",
    ],
)
def test_social_safety_is_configurable_with_a_note(type_hint):
    rb = load_rulebook()
    c = classify_report({"description": "", "type": type_hint, "casualties": {"deaths": 3}}, rb)
    assert c.category == "social_safety"
    assert c.level == 3 and c.level_criterion["source"] == "configurable"
    assert "no regulation table was found" in rb.level_rule(c.rule.id).note


def test_every_classified_type_has_level_four_as_floor():
    rb = load_rulebook()
    for type_key in rb.types:
        c = classify_report({"description": "", "type": type_key}, rb)
        assert c.level == 4, type_key
        assert c.category == rb.types[type_key].category


def test_unclassified_is_graded_provisionally():
    c = classify_report({"description": "xyz", "casualties": {"deaths": 31}}, load_rulebook())
    assert c.type == "unclassified" and c.category is None
    assert c.level == 1 and c.rule.id == "LVL-UNCLASSIFIED"
