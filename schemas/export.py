"""JSON Schema export of every input and output model to ``schemas/json/<ModelName>.json``.

The output is deterministic (sorted keys, two-space indent, UTF-8, trailing newline), so
the committed files change only when a model does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.assessments import RiskAssessment, Warning
from schemas.deadletters import DeadLetter
from schemas.inputs import IncidentReport, InspectionFinding, SensorReading
from schemas.outputs import ClassifiedIncident

INPUT_MODELS: tuple[type[BaseModel], ...] = (IncidentReport, SensorReading, InspectionFinding)
OUTPUT_MODELS: tuple[type[BaseModel], ...] = (
    ClassifiedIncident,
    Warning,
    RiskAssessment,
    DeadLetter,
)
MODELS = INPUT_MODELS + OUTPUT_MODELS
"""Every model with a published JSON Schema."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent / "json"
"""Where the committed schema files live."""


def json_schema(model_cls: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one model, as accepted on the wire."""
    schema = model_cls.model_json_schema(mode="validation")
    role = "input" if model_cls in INPUT_MODELS else "output"
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:citywatch:schema:{model_cls.__name__}",
        "x-citywatch-role": role,
        **schema,
    }


def render_json_schema(model_cls: type[BaseModel]) -> str:
    """The schema file's exact text."""
    schema = json_schema(model_cls)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_json_schemas(out_dir: str | Path | None = None) -> list[Path]:
    """Write one ``<ModelName>.json`` per model into ``out_dir`` (default: ``schemas/json``).

    Returns the paths written, in :data:`MODELS` order. Files are rewritten only when their
    content changes.
    """
    target = Path(out_dir) if out_dir is not None else SCHEMA_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for model_cls in MODELS:
        path = target / f"{model_cls.__name__}.json"
        text = render_json_schema(model_cls)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
