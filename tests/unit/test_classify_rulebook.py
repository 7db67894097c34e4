"""The rulebook: shipped content, caching, and errors that name the line at fault."""

import pytest

from pipeline.classify import RulebookError, default_rulebook_path, load_rulebook
from pipeline.errors import ConfigError

# fmt: off
DOMAIN_TYPES = {
    "natural_disaster": [
        "flood", "drought", "rainstorm", "typhoon", "gale", "heat", "fog", "lightning",
        "snow_ice", "earthquake", "landslide", "subsidence", "storm_surge", "biological",
        "forest_fire", "waterlogging", "fallen_tree",
    ],
    "accident": [
        "fire", "explosion", "hazardous_chemicals", "construction", "special_equipment",
        "road_traffic", "rail", "metro", "shipping", "aviation", "gas_supply", "power_supply",
        "water_supply", "environmental_pollution",
    ],
    "public_health": [
        "infectious_disease", "unexplained_illness", "food_poisoning",
        "occupational_poisoning", "animal_epidemic",
    ],
    "social_safety": [
        "terrorist_attack", "mass_incident", "crowd_crush", "criminal_case",
        "economic_security", "foreign_related",
    ],
}
# fmt: on


def test_shipped_rulebook_loads_once():
    first = load_rulebook()
    assert first is load_rulebook()
    assert first.version == "2026.11.2"
    assert first.source_path == str(default_rulebook_path())


def test_every_domain_type_is_covered_with_both_languages():
    rb = load_rulebook()
    for category, types in DOMAIN_TYPES.items():
        for type_key in types:
            rule = rb.types[type_key]
            assert rule.category == category, type_key
            assert any(g.zh for g in rule.terms) and any(g.en for g in rule.terms), type_key


def test_every_rule_has_an_id_and_cites_a_regulation():
    rb = load_rulebook()
    ids = [r.id for r in rb.level_rules] + [t.id for t in rb.types.values()]
    assert len(ids) == len(set(ids))
    assert all(r.regulation for r in rb.level_rules)
    assert all(t.regulation for t in rb.types.values())


def test_configurable_rules_say_no_table_was_found():
    rb = load_rulebook()
    for rule in rb.level_rules:
        if rule.source == "configurable":
            assert rule.note, rule.id


def test_an_explicit_path_is_read(tmp_path):
    path = tmp_path / "rulebook.yaml"
    path.write_text(
        default_rulebook_path()
        .read_text(encoding="utf-8")
        .replace('version: "2026.11.2"', 'version: "2026.12.7"'),
        encoding="utf-8",
    )
    rb = load_rulebook(path)
    assert rb.version == "2026.12.7"
    assert load_rulebook().version == "2026.11.2"


def broken(tmp_path, old: str, new: str, count: int = 1):
    text = default_rulebook_path().read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path, line


def load_error(path) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    return info.value


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path, line = broken(tmp_path, "  min_score: 2\n", "  min_score: [2\n")
    error = load_error(path)
    assert error.file == str(path)
    assert error.line is not None and abs(error.line - line) <= 2
    assert "YAML syntax" in error.reason
    assert str(error).startswith(f"{path}:{error.line}: ")
    assert isinstance(error, ConfigError)


def test_wrong_field_type_names_the_line(tmp_path):
    path, line = broken(tmp_path, "  min_score: 2\n", "  min_score: lots\n")
    error = load_error(path)
    assert error.line == line
    assert "scoring.min_score" in error.reason


def test_unknown_metric_names_the_line(tmp_path):
    path, line = broken(tmp_path, "          - {deaths: 30}\n", "          - {dead: 30}\n")
    error = load_error(path)
    assert error.line == line
    assert "dead" in error.reason


def test_unknown_level_rule_names_the_line(tmp_path):
    path, line = broken(tmp_path, "    level_rule: LVL-ND-2016\n", "    level_rule: LVL-NOPE\n")
    error = load_error(path)
    assert error.line == line
    assert "unknown level rule 'LVL-NOPE'" in error.reason


def test_duplicate_key_names_the_line(tmp_path):
    path, line = broken(tmp_path, "  min_score: 2\n", "  min_score: 2\n  min_score: 3\n")
    error = load_error(path)
    assert error.line == line + 1
    assert "duplicate key 'min_score'" in error.reason


def test_duplicate_rule_id_is_rejected(tmp_path):
    path, line = broken(tmp_path, "    id: TYPE-ACC-EXPLOSION\n", "    id: TYPE-ACC-FIRE\n")
    error = load_error(path)
    assert error.line == line
    assert "duplicate rule id" in error.reason


def test_thresholds_must_fall_from_level_one_to_four(tmp_path):
    path, line = broken(tmp_path, "          - {deaths: 10}\n", "          - {deaths: 40}\n")
    error = load_error(path)
    assert error.line == line
    assert "thresholds must fall" in error.reason


def test_bad_version_and_unknown_field(tmp_path):
    path, line = broken(tmp_path, 'version: "2026.11.2"', 'version: "latest"')
    assert load_error(path).line == line
    path, line = broken(tmp_path, "    priority: 60\n", "    priority: 60\n    colour: red\n")
    error = load_error(path)
    assert error.line == line + 1 and "colour" in error.reason


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "empty" in load_error(empty).reason
    missing = load_error(tmp_path / "nope.yaml")
    assert missing.line is None and "cannot read" in missing.reason
