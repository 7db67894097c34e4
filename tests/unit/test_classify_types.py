"""Type detection, negation, hints, unclassified reports and count precedence."""

import json

import pytest

from pipeline.classify import ReportError, classify_report, load_rulebook


def classify(description: str = "", **fields):
    return classify_report(
        {"report_id": "r-1", "description": description, **fields}, load_rulebook()
    )


def test_type_hint_wins_over_the_text():
    c = classify("居民楼厨房起火，火势较大", type="gas_supply")
    assert (c.type, c.category, c.type_source) == ("gas_supply", "accident", "hint")
    assert c.confidence == load_rulebook().scoring.hint_confidence
    assert any("the text suggests fire" in note for note in c.notes)


@pytest.mark.parametrize("hint", ["Road traffic", "road-traffic", "道路交通事故", "traffic"])
def test_type_hint_by_name_or_alias(hint):
    assert classify("", type=hint).type == "road_traffic"


def test_unknown_type_hint_falls_back_to_the_text():
    c = classify("居民楼起火，火势较大", type="dragon_attack")
    assert (c.type, c.type_source) == ("fire", "text")
    assert any("'dragon_attack' is not a known type" in note for note in c.notes)


def test_unclassified_is_explicit_with_low_confidence():
    c = classify("市民反映小区门口有一只流浪猫")
    assert c.type == "unclassified" and c.category is None
    assert c.type_source == "unclassified"
    assert c.confidence <= load_rulebook().scoring.unclassified_max_confidence
    assert c.level == 4 and c.rule.id == "LVL-UNCLASSIFIED"
    assert c.type_rule == "TYPE-UNCLASSIFIED"


def test_a_weak_term_alone_is_not_a_guess():
    c = classify("The temperature is normal today.")
    assert c.type == "unclassified"
    assert 0 < c.confidence <= 0.3


@pytest.mark.parametrize(
    ("text", "expected", "negated"),
    [
        ("厨房燃气泄漏，未发现明火，无人员伤亡", "gas_supply", "明火"),
        ("现场没有起火，只有燃气泄漏", "gas_supply", "起火"),
        ("Gas leak in a kitchen; no fire, no one was hurt.", "gas_supply", "fire"),
        ("The fire was ruled out; it was a gas leak.", "gas_supply", "fire"),
        ("并非火灾，系燃气管道破损漏气", "gas_supply", "火灾"),
    ],
)
def test_negated_hazards_do_not_count(text, expected, negated):
    c = classify(text)
    assert c.type == expected
    assert negated in c.negated_terms
    assert c.counts == {}


@pytest.mark.parametrize("text", ["No fire was found.", "现场未发现明火。", "没有着火，也没有冒烟"])
def test_only_negated_terms_leave_the_report_unclassified(text):
    assert classify(text).type == "unclassified"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一架无人机起火坠落在居民楼顶", "fire"),
        ("无锡路一商铺起火，无人员伤亡", "fire"),
        ("消防员无法扑灭大火，火势蔓延", "fire"),
        ("There were no injuries when the fire broke out in the kitchen.", "fire"),
        ("No. 3 building caught fire this morning.", "fire"),
    ],
)
def test_words_that_look_like_negation_do_not_negate(text, expected):
    assert classify(text).type == expected


def test_longest_term_wins_at_a_position():
    c = classify("松江佘山附近发生森林火灾")
    assert c.type == "forest_fire" and c.category == "natural_disaster"
    assert "火灾" not in c.matched_terms


def test_fire_brigade_is_not_a_fire():
    c = classify("The fire brigade freed two people stuck in an elevator.")
    assert c.type == "special_equipment"


@pytest.mark.parametrize(
    ("text", "expected", "also"),
    [
        ("暴雨导致多条道路积水，下立交积水严重", "waterlogging", "rainstorm"),
        ("受台风影响，行道树倒伏砸中车辆", "fallen_tree", "typhoon"),
        ("化工厂发生爆炸并引发大火", "explosion", "fire"),
        ("Heavy rain left several underpasses waterlogged.", "waterlogging", "rainstorm"),
    ],
)
def test_reports_with_several_hazards_name_the_others(text, expected, also):
    c = classify(text)
    assert c.type == expected
    assert also in [o["type"] for o in c.other_types]
    assert c.confidence < 0.9


def test_structured_counts_win_and_extracted_are_marked():
    c = classify(
        "造成3人死亡，5人受伤，直接经济损失约1200万元", type="fire", casualties={"deaths": 4}
    )
    assert c.counts == {"deaths": 4, "injuries": 5, "economic_loss_cny": 12_000_000}
    assert c.counts_extracted == ["economic_loss_cny", "injuries"]
    assert "deaths" not in c.count_evidence
    assert any("deaths=3" in note for note in c.notes)


def test_structured_zero_is_a_value_and_null_is_missing():
    c = classify("造成3人死亡", type="fire", casualties={"deaths": 0, "injuries": None})
    assert c.counts == {"deaths": 0} and c.counts_extracted == []
    c = classify("造成3人死亡", type="fire", casualties={"deaths": None})
    assert c.counts == {"deaths": 3} and c.counts_extracted == ["deaths"]


def test_structured_loss_wins_over_text():
    c = classify("直接经济损失约1.2亿元", type="fire", economic_loss_cny=5_000_000)
    assert c.counts == {"economic_loss_cny": 5_000_000}
    assert c.level == 4


def test_classification_is_json_serialisable_and_frozen():
    c = classify("浦东一仓库起火，造成3人死亡", reported_at="2026-11-02T08:00:00+08:00")
    data = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    assert data["rule"] == {"id": "LVL-PSA-493", "version": "2026.11.2"}
    assert data["level_criterion"]["criterion"] == "deaths>=3"
    assert data["graded_at"] == "2026-11-02T08:00:00+08:00"
    assert set(data["explanation"]) == {"zh", "en"}
    assert "Ⅲ" in data["explanation"]["zh"] and "level Ⅲ" in data["explanation"]["en"]
    with pytest.raises(ValueError):
        c.level = 1


@pytest.mark.parametrize(
    "fields",
    [
        {"casualties": {"deaths": -1}},
        {"casualties": {"deaths": "three"}},
        {"casualties": {"deaths": True}},
        {"casualties": {"deaths": 1.5}},
        {"casualties": {"dead": 1}},
        {"casualties": [1, 2]},
        {"economic_loss_cny": -5},
        {"economic_loss_cny": float("nan")},
        {"description": 42},
        {"type": 7},
    ],
)
def test_unusable_reports_raise_report_error(fields):
    report = {"report_id": "r-1", "description": "起火", **fields}
    with pytest.raises(ReportError) as info:
        classify_report(report, load_rulebook())
    assert info.value.code == "invalid_report"
    assert info.value.stage == "classify"


def test_long_descriptions_are_cut_to_the_limit():
    limit = load_rulebook().scoring.max_description_chars
    c = classify("无关内容。" * limit + "发生火灾")
    assert c.type == "unclassified"
