"""The committed JSON Schema files match the models, and they validate what the models do."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from schemas.export import (
    INPUT_MODELS,
    MODELS,
    OUTPUT_MODELS,
    SCHEMA_DIR,
    export_json_schemas,
    render_json_schema,
)
from tests.factories import (
    classified_factory,
    deadletter_factory,
    finding_factory,
    reading_factory,
    report_factory,
    risk_factory,
    warning_factory,
)

EXAMPLES = {
    "IncidentReport": report_factory,
    "SensorReading": reading_factory,
    "InspectionFinding": finding_factory,
    "ClassifiedIncident": classified_factory,
    "Warning": warning_factory,
    "RiskAssessment": risk_factory,
    "DeadLetter": deadletter_factory,
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_committed_schema_matches_the_model(model):
    path = SCHEMA_DIR / f"{model.__name__}.json"
    assert path.exists(), f"{path} is missing: run `citywatch schemas export`"
    assert path.read_text(encoding="utf-8") == render_json_schema(model), (
        f"{path.name} and {model.__name__} drifted apart: run `citywatch schemas export` "
        "and commit the result"
    )


def test_every_input_and_output_model_is_exported():
    names = {m.__name__ for m in MODELS}
    assert {m.__name__ for m in INPUT_MODELS} == {
        "IncidentReport",
        "SensorReading",
        "InspectionFinding",
    }
    assert {m.__name__ for m in OUTPUT_MODELS} == {
        "ClassifiedIncident",
        "Warning",
        "RiskAssessment",
        "DeadLetter",
    }
    assert {p.stem for p in SCHEMA_DIR.glob("*.json")} == names == set(EXAMPLES)


def test_export_is_deterministic(tmp_path: Path):
    first = export_json_schemas(tmp_path / "a")
    second = export_json_schemas(tmp_path / "b")
    assert [p.name for p in first] == [f"{m.__name__}.json" for m in MODELS]
    for a, b in zip(first, second, strict=True):
        text = a.read_text(encoding="utf-8")
        assert text == b.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert (
            json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            == text
        )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_schema_is_valid_and_accepts_the_examples(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    example = EXAMPLES[name]()
    validator.validate(example)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**example, "surprise": 1})


def test_enum_labels_are_published():
    schema = json.loads((SCHEMA_DIR / "ClassifiedIncident.json").read_text(encoding="utf-8"))
    level = schema["$defs"]["Level"]
    assert level["enum"] == [1, 2, 3, 4]
    assert level["x-labels"]["1"] == {"zh": "特别重大", "en": "particularly serious"}
    assert schema["$defs"]["IncidentType"]["x-categories"]["fire"] == "accident"
