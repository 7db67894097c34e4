"""The labelled incident descriptions: valid reports, honest labels, and the accuracy target."""

import importlib.util
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from schemas.enums import Category, IncidentType
from schemas.inputs import IncidentReport
from schemas.validation import parse_event

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "classify_labelled.jsonl"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=8)))
TARGET = 0.95


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "classify_accuracy", ROOT / "scripts" / "classify_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


accuracy = _load_script()
ITEMS = accuracy.load_labelled(LABELLED)


@pytest.fixture(scope="module")
def outcomes():
    return accuracy.evaluate(ITEMS)


def test_at_least_100_lines_half_chinese_half_english():
    lines = [line for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(ITEMS) >= 100
    chinese = [i for i in ITEMS if i.language == "zh"]
    assert len(chinese) * 2 == len(ITEMS)


def test_every_input_is_a_valid_incident_report():
    for item in ITEMS:
        raw = json.dumps(item.report, ensure_ascii=False)
        report = parse_event(IncidentReport, raw, now=NOW)
        assert report.report_id == item.report["report_id"]


def test_report_ids_are_unique():
    ids = [item.report["report_id"] for item in ITEMS]
    assert len(set(ids)) == len(ids)


def test_labels_are_known_types_with_their_category_and_a_level():
    for item in ITEMS:
        type_ = IncidentType(item.type)
        expected_category = None if type_ is IncidentType.UNCLASSIFIED else type_.category.value
        assert item.category == expected_category, item.line
        assert item.level in (1, 2, 3, 4), item.line
        assert item.split in accuracy.SPLITS, item.line


def test_every_category_and_type_is_covered_and_some_are_unclassified():
    types = {item.type for item in ITEMS}
    assert types >= {t.value for t in IncidentType}
    assert {item.category for item in ITEMS} == {*(c.value for c in Category), None}
    holdout = [item for item in ITEMS if item.split == "holdout"]
    assert len(holdout) >= 20


def test_unclassified_label_matches_what_the_classifier_returns(outcomes):
    for o in outcomes:
        if o.type == "unclassified":
            assert o.category is None


def test_type_and_category_accuracy_reach_the_target(outcomes):
    scores = accuracy.score(outcomes)
    report = accuracy.render(outcomes, LABELLED.name)
    assert scores.type_accuracy >= TARGET, report
    assert scores.category_accuracy >= TARGET, report


def test_the_report_is_markdown_with_the_confusion_matrix(outcomes):
    report = accuracy.render(outcomes, LABELLED.name)
    assert report.startswith("# Classifier accuracy")
    assert "## Category confusion matrix" in report
    assert "| holdout |" in report
    assert "## Type mistakes" in report
