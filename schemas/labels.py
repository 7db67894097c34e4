"""Labelled enumerations: members that carry a Chinese and an English display label."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Labelled:
    """Mixin: Chinese and English labels, also published in the JSON Schema as ``x-labels``."""

    label_zh: str
    label_en: str

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        handler.resolve_ref_schema(json_schema).update(cls._schema_extra())
        return json_schema

    @classmethod
    def _schema_extra(cls) -> dict[str, Any]:
        return {"x-labels": labels(cls)}


class LabelledStrEnum(Labelled, StrEnum):
    """A string enum whose members are declared as ``NAME = ("value", "中文", "English")``."""

    def __new__(cls, value: str, label_zh: str, label_en: str) -> LabelledStrEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_zh = label_zh
        member.label_en = label_en
        return member


def labels(enum_cls: type[Any]) -> dict[str, dict[str, str]]:
    """``{str(value): {"zh": label_zh, "en": label_en}}`` for every member of a labelled enum."""
    return {str(m.value): {"zh": m.label_zh, "en": m.label_en} for m in enum_cls}
