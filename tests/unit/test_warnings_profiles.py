"""Thresholds of both profiles, both sides of every boundary, and the rulebook file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.warnings import load_profile, load_rulebook
from pipeline.warnings.rulebook import DEFAULT_PROFILES_PATH
from tests.unit.warnings_support import (
    HUANGPU,
    PUDONG,
    SH,
    at,
    hourly_rain,
    level_of,
    rain,
    reading,
    water,
    wind,
)

# --- Shanghai rainstorm (default profile) ------------------------------------------------


@pytest.mark.parametrize(
    ("mm", "expected"),
    [
        (34.9, None),
        (35.0, "blue"),
        (49.9, "blue"),
        (50.0, "yellow"),
        (79.9, "yellow"),
        (80.0, "orange"),
        (99.9, "orange"),
        (100.0, "red"),
    ],
)
def test_shanghai_one_hour_boundaries(mm: float, expected: str | None):
    assert level_of(hourly_rain([mm]), "rainstorm", "310101") == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([8.0] * 5 + [9.9], None),  # 6 h 49.9
        ([8.0] * 5 + [10.0], "blue"),  # 6 h 50
        ([13.0] * 5 + [14.9], "blue"),  # 6 h 79.9
        ([13.0] * 5 + [15.0], "yellow"),  # 6 h 80
        ([16.0] * 5 + [19.9], "yellow"),  # 6 h 99.9
        ([16.0] * 5 + [20.0], "orange"),  # 6 h 100
        ([24.0] * 5 + [29.9], "orange"),  # 6 h 149.9
        ([24.0] * 5 + [30.0], "red"),  # 6 h 150
    ],
)
def test_shanghai_six_hour_boundaries(values: list[float], expected: str | None):
    assert max(values) < 35
    assert level_of(hourly_rain(values), "rainstorm", "310101") == expected


def test_shanghai_threshold_reached_by_five_minute_steps():
    below = [rain(at(5 * (i + 1)), 2.9) for i in range(12)]  # 34.8 mm
    exact = [rain(at(5 * (i + 1)), v) for i, v in enumerate([2.9] * 10 + [3.0, 3.0])]
    assert level_of(below, "rainstorm", "310101") is None
    assert level_of(exact, "rainstorm", "310101") == "blue"


# --- national CMA profile ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([4.0] * 11 + [5.9], None),  # 12 h 49.9
        ([4.0] * 11 + [6.0], "blue"),  # 12 h 50
        ([8.0] * 5 + [9.9], None),  # 6 h 49.9 (and 12 h 49.9)
        ([8.0] * 5 + [10.0], "yellow"),  # 6 h 50
        ([1.0] * 3 + [16.0, 16.0, 17.9], "yellow"),  # 3 h 49.9, 6 h 52.9
        ([1.0] * 3 + [16.0, 16.0, 18.0], "orange"),  # 3 h 50
        ([33.0, 33.0, 33.9], "orange"),  # 3 h 99.9
        ([33.0, 33.0, 34.0], "red"),  # 3 h 100
    ],
)
def test_cma_rainstorm_boundaries(values: list[float], expected: str | None):
    assert level_of(hourly_rain(values), "rainstorm", "310101", profile="cma") == expected


def test_cma_ignores_shanghai_one_hour_rule():
    assert level_of(hourly_rain([40.0]), "rainstorm", "310101", profile="cma") is None


GALE = [
    # (mean m/s, gust m/s, level)
    (10.7, None, None),
    (10.8, None, "blue"),  # force 6
    (5.0, 13.8, None),  # gust force 6
    (5.0, 13.9, "blue"),  # gust force 7
    (17.1, 20.7, "blue"),
    (17.2, None, "yellow"),  # force 8
    (5.0, 20.8, "yellow"),  # gust force 9
    (24.4, 28.4, "yellow"),
    (24.5, None, "orange"),  # force 10
    (5.0, 28.5, "orange"),  # gust force 11
    (32.6, 36.9, "orange"),
    (32.7, None, "red"),  # force 12
    (5.0, 37.0, "red"),  # gust force 13
]


@pytest.mark.parametrize("profile", ["cma", "shanghai"])
@pytest.mark.parametrize(("mean", "gust", "expected"), GALE)
def test_gale_boundaries(profile: str, mean: float, gust: float | None, expected: str | None):
    assert level_of([wind(at(10), mean, gust)], "gale", "310115", profile) == expected


TYPHOON = [
    (10.7, 17.1, None),
    (10.8, None, "blue"),  # force 6
    (5.0, 17.2, "blue"),  # gust force 8
    (17.2, None, "yellow"),  # force 8
    (5.0, 24.5, "yellow"),  # gust force 10
    (24.4, 32.6, "yellow"),
    (24.5, None, "orange"),  # force 10
    (5.0, 32.7, "orange"),  # gust force 12
    (32.6, 41.4, "orange"),
    (32.7, None, "red"),  # force 12
    (5.0, 41.5, "red"),  # gust force 14
]


@pytest.mark.parametrize(("mean", "gust", "expected"), TYPHOON)
def test_typhoon_boundaries_while_a_tropical_cyclone_affects_the_city(
    mean: float, gust: float | None, expected: str | None
):
    readings = [wind(at(10), mean, gust, tropical_cyclone=True)]
    assert level_of(readings, "typhoon", "310115", "cma") == expected
    assert level_of(readings, "gale", "310115", "cma") is None


def test_gust_only_reading_joins_the_mean_reading():
    readings = [
        wind(at(10), 5.0),
        {**wind(at(10), 13.9), "unit": "m/s gust"},
    ]
    assert level_of(readings, "gale", "310115") == "blue"


def temp(day: int, hour: int, celsius: float) -> dict:
    t = datetime(2025, 7, day, hour, tzinfo=SH)
    return reading("thermometer", "th-test", t, celsius, "degC", district=HUANGPU)


@pytest.mark.parametrize(
    ("maxima", "expected"),
    [
        ([35.0, 35.0, 34.9], None),
        ([35.0, 35.0, 35.0], "yellow"),
        ([34.9, 35.0, 35.0], None),
        ([30.0, 30.0, 36.9], None),
        ([30.0, 30.0, 37.0], "orange"),
        ([35.0, 35.0, 37.0], "orange"),
        ([30.0, 30.0, 39.9], "orange"),
        ([30.0, 30.0, 40.0], "red"),
    ],
)
def test_heat_boundaries(maxima: list[float], expected: str | None):
    readings = [temp(1 + i, 14, c) for i, c in enumerate(maxima)]
    assert level_of(readings, "heat", "310101", "cma") == expected
    assert level_of(readings, "heat", "310101", "shanghai") == expected


# --- water level, gas, crowd (registry thresholds) --------------------------------------


@pytest.mark.parametrize(
    ("metres", "expected"),
    [(4.54, None), (4.55, "blue"), (4.91, "blue"), (4.92, "yellow")],
)
def test_huangpu_park_water_levels(metres: float, expected: str | None):
    assert level_of([water(at(0), metres)], "high_water", "310101") == expected


@pytest.mark.parametrize(
    ("sensor_id", "district", "below", "at_level"),
    [("wl-wusongkou", "310113", 4.79, 4.80), ("wl-mishidu", "310117", 3.49, 3.50)],
)
def test_other_stations_use_their_own_warning_level(sensor_id, district, below, at_level):
    assert level_of([water(at(0), below, sensor_id)], "high_water", district) is None
    assert level_of([water(at(0), at_level, sensor_id)], "high_water", district) == "blue"
    # no yellow level is known for these stations: stays blue however high
    assert level_of([water(at(0), 6.0, sensor_id)], "high_water", district) == "blue"


def gas(sensor_id: str, pct: float, **extra) -> dict:
    return reading("gas_detector", sensor_id, at(1), pct, "%LEL", **extra)


@pytest.mark.parametrize(
    ("sensor_id", "district", "pct", "expected"),
    [
        ("gd-jinshan-chem-park-01", "310116", 24.9, None),
        ("gd-jinshan-chem-park-01", "310116", 25.0, "orange"),
        ("gd-jinshan-chem-park-01", "310116", 49.9, "orange"),
        ("gd-jinshan-chem-park-01", "310116", 50.0, "red"),
        ("gd-huangpu-kitchen-07", "310101", 19.9, None),
        ("gd-huangpu-kitchen-07", "310101", 20.0, "orange"),
        ("gd-huangpu-kitchen-07", "310101", 40.0, "red"),
    ],
)
def test_gas_first_and_second_alarm(sensor_id, district, pct, expected):
    assert level_of([gas(sensor_id, pct)], "gas", district) == expected


def test_unregistered_gas_detector_uses_gb50493_maxima():
    readings = [gas("gd-unregistered", 25.0, district=PUDONG)]
    assert level_of(readings, "gas", "310115") == "orange"


@pytest.mark.parametrize(
    ("persons", "expected"),
    [(9999, None), (10000, "blue"), (15000, "yellow"), (20000, "orange"), (25000, "red")],
)
def test_crowd_density_from_a_head_count(persons: int, expected: str | None):
    raw = reading("crowd_counter", "cc-bund-promenade", at(1), persons, "persons")
    assert level_of([raw], "crowd", "310101") == expected


def test_crowd_density_reported_directly_with_site_thresholds():
    raw = reading("crowd_counter", "cc-nanjing-road", at(1), 2.5, "persons/m²")
    assert level_of([raw], "crowd", "310101") == "yellow"


# --- the file --------------------------------------------------------------------------


def test_every_rule_cites_a_source_and_profiles_resolve():
    book = load_rulebook()
    assert book.basis == "observed" and "forecast" in book.note
    for spec in book.profiles.values():
        for hazard in spec.hazards.values():
            assert all(rule.source.strip() for rule in hazard.rules)
    shanghai, cma = load_profile("shanghai"), load_profile("cma")
    assert shanghai.hazards["rainstorm"].rules[0].id == "sh.rainstorm.red"
    assert cma.hazards["rainstorm"].rules[0].id == "cma.rainstorm.red"
    assert shanghai.hazards["gale"] == cma.hazards["gale"]
    assert shanghai.hazards["rainstorm"].response_levels == {
        "blue": 4,
        "yellow": 3,
        "orange": 2,
        "red": 1,
    }


def test_unknown_profile_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown warning profile"):
        load_profile("atlantis")


def test_bad_rulebook_names_the_line(tmp_path: Path):
    text = DEFAULT_PROFILES_PATH.read_text(encoding="utf-8")
    bad = text.replace("{metric: rain_12h_mm, ge: 50}", "{metric: rain_24h_mm, ge: 50}")
    path = tmp_path / "profiles.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rulebook(path)
    line = next(i for i, s in enumerate(bad.splitlines(), 1) if "rain_24h_mm" in s)
    assert f"profiles.yaml:{line}:" in str(err.value)
    assert "rain_24h_mm" in str(err.value)


def test_rulebook_schema_error_names_the_line(tmp_path: Path):
    text = DEFAULT_PROFILES_PATH.read_text(encoding="utf-8")
    bad = text.replace(
        "level: orange\n            any: [{metric: rain_3h_mm, ge: 50}]",
        "level: amber\n            any: [{metric: rain_3h_mm, ge: 50}]",
    )
    assert bad != text
    path = tmp_path / "profiles.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rulebook(path)
    line = next(i for i, s in enumerate(bad.splitlines(), 1) if "amber" in s)
    assert f"profiles.yaml:{line}:" in str(err.value)
