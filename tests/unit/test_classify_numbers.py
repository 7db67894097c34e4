"""Chinese and English numerals, and counts read from report text."""

import pytest

from pipeline.classify import load_rulebook
from pipeline.classify.counts import extract_counts
from pipeline.classify.numbers import parse_en_number, parse_zh_number
from pipeline.classify.text import normalise


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("1,200", 1200),
        ("一", 1),
        ("两", 2),
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百零五", 105),
        ("两百", 200),
        ("三千五百万", 35_000_000),
        ("一亿二千万", 120_000_000),
        ("十二万三千", 123_000),
        ("1200万", 12_000_000),
        ("1.2亿", 120_000_000),
        ("3千万", 30_000_000),
        ("零", 0),
    ],
)
def test_chinese_numbers(text, value):
    assert parse_zh_number(text) == value


@pytest.mark.parametrize("text", ["", "人", "三人", "abc"])
def test_not_chinese_numbers(text):
    assert parse_zh_number(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("1,200", 1200),
        ("two", 2),
        ("twelve", 12),
        ("twenty-three", 23),
        ("two hundred", 200),
        ("one hundred and five", 105),
        ("15 million", 15_000_000),
        ("1.2 billion", 1_200_000_000),
    ],
)
def test_english_numbers(text, value):
    assert parse_en_number(text) == value


def counts(text: str) -> dict[str, int]:
    return extract_counts(normalise(text), load_rulebook().matcher.is_negated)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("造成3人死亡", {"deaths": 3}),
        ("三人受伤", {"injuries": 3}),
        ("致2人重伤", {"serious_injuries": 2}),
        ("十二人死亡", {"deaths": 12}),
        ("二十三名工人受伤", {"injuries": 23}),
        (
            "事故造成两人死亡三人受伤，其中一人重伤",
            {"deaths": 2, "injuries": 3, "serious_injuries": 1},
        ),
        ("死亡3人、受伤5人", {"deaths": 3, "injuries": 5}),
        ("3死5伤", {"deaths": 3, "injuries": 5}),
        ("死亡人数升至十二人", {"deaths": 12}),
        ("1人经抢救无效死亡", {"deaths": 1}),
        ("3名船员失踪", {"missing": 3}),
        ("疏散周边居民300余人", {"evacuated": 300}),
        ("紧急转移安置群众1.2万人", {"evacuated": 12_000}),
        ("120名学生出现呕吐腹泻症状", {"cases": 120}),
        ("一周内报告霍乱病例12例", {"cases": 12}),
        ("直接经济损失约1200万元", {"economic_loss_cny": 12_000_000}),
        ("损失1.2亿元", {"economic_loss_cny": 120_000_000}),
        ("经济损失达3000余万元", {"economic_loss_cny": 30_000_000}),
        ("造成约500万元直接经济损失", {"economic_loss_cny": 5_000_000}),
        ("损失约两千万元", {"economic_loss_cny": 20_000_000}),
        ("12 people injured", {"injuries": 12}),
        ("two dead", {"deaths": 2}),
        ("two dead and five injured", {"deaths": 2, "injuries": 5}),
        ("The blast killed three workers.", {"deaths": 3}),
        ("The death toll rose to 5.", {"deaths": 5}),
        ("4 people were seriously injured", {"serious_injuries": 4}),
        ("a worker died", {"deaths": 1}),
        ("More than 1,200 residents were evacuated.", {"evacuated": 1200}),
        ("1.2 million people were relocated", {"evacuated": 1_200_000}),
        ("42 students fell ill", {"cases": 42}),
        ("economic loss of CNY 15 million", {"economic_loss_cny": 15_000_000}),
        ("direct losses of about 20 million yuan", {"economic_loss_cny": 20_000_000}),
        ("CNY 120 million in losses", {"economic_loss_cny": 120_000_000}),
    ],
)
def test_counts_from_text(text, expected):
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "无人员伤亡",
        "没有人受伤",
        "现场无一人死亡",
        "未造成人员伤亡",
        "no injuries",
        "no one was hurt",
        "None of the 30 passengers was injured.",
        "Three hours later one died",
    ],
)
def test_negated_or_absent_casualties_are_not_counted(text):
    found = counts(text)
    assert "injuries" not in found and "serious_injuries" not in found
    if text.startswith("Three hours"):
        assert found == {"deaths": 1}
    else:
        assert "deaths" not in found


def test_a_negated_clause_does_not_hide_the_next_one():
    assert counts("现场无一人死亡，3人受伤。") == {"injuries": 3}
    assert counts("There were no deaths, but 3 people were injured.") == {"injuries": 3}


def test_the_largest_figure_of_a_metric_is_kept():
    assert counts("起初报告1人死亡，目前死亡人数已升至4人") == {"deaths": 4}


def test_ordinals_and_measures_are_not_counts():
    assert counts("第3人民医院附近") == {}
    assert counts("he was injured 3 days ago") == {}
