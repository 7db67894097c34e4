"""The classified incident's constraints, checked on plain data.

Each ``check_*`` function returns the value as the model would hold and dump it (an int
given for a float field becomes a float, a dict is rebuilt in the model's field order) or
raises :class:`Unsure` when the value is not certain to pass. The checks are conservative:
``Unsure`` sends the caller to the model itself, which accepts or rejects as the contract
says, so a check may refuse what the model would accept but never the other way round.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.common import COUNT_MAX, DESCRIPTION_MAX, ID_MAX, NAME_MAX, SHORT_MAX
from schemas.enums import FacilityKind, IncidentType, Source
from schemas.outputs import MAX_ITEMS

CASUALTY_FIELDS = ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")
COUNT_FLAGS = (*CASUALTY_FIELDS, "economic_loss_cny")
_CASUALTY_SET = frozenset(CASUALTY_FIELDS)
_COUNT_FLAG_SET = frozenset(COUNT_FLAGS)
_EXPLANATION_ORDER = ("matched_terms", "type_source", "criterion", "regulation")
EXPLANATION_FIELDS = frozenset(_EXPLANATION_ORDER)
_EXPOSURE_ORDER = ("district_population", "radius_m", "facilities")
_FACILITY_ORDER = ("id", "kind", "name", "distance_m")
EXPOSURE_FIELDS = frozenset(("district_population", "radius_m", "facilities"))
FACILITY_FIELDS = frozenset(("id", "kind", "name", "distance_m"))
TYPE_SOURCES = frozenset(("rule", "hint", "default"))
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_DISTRICT_CODE = re.compile(r"[0-9]{6}")
_NOT_BLANK = re.compile(r"\S")
_UNCLASSIFIED = IncidentType.UNCLASSIFIED.value
_CATEGORY_OF_TYPE = {t.value: t.category.value for t in IncidentType}
#: the category each type must come with (none for an unclassified one)
_CATEGORY_FOR = {t: (None if t == _UNCLASSIFIED else c) for t, c in _CATEGORY_OF_TYPE.items()}
_ABSENT = object()
_SOURCES = frozenset(s.value for s in Source)
_FACILITY_KINDS = frozenset(k.value for k in FacilityKind)


class Unsure(Exception):
    """A part this module does not vouch for; the model decides instead."""


#: strings already found to be identifiers, and to be text that is not blank (a string's
#: verdict never changes; the sets are emptied when they reach ``KNOWN_MAX`` entries)
_KNOWN_IDS: set[str] = set()
_KNOWN_TEXTS: set[str] = set()
KNOWN_MAX = 65536


def _remember(known: set[str], value: str) -> None:
    if len(known) >= KNOWN_MAX:
        known.clear()
    known.add(value)


def check_id(value: Any) -> str:
    if type(value) is not str:
        raise Unsure
    if value not in _KNOWN_IDS:
        if len(value) > ID_MAX or not _ID.fullmatch(value):
            raise Unsure
        _remember(_KNOWN_IDS, value)
    return value


def check_text(value: Any, max_length: int) -> str:
    if type(value) is not str or not 1 <= len(value) <= max_length:
        raise Unsure
    if value not in _KNOWN_TEXTS:
        if not _NOT_BLANK.search(value):
            raise Unsure
        _remember(_KNOWN_TEXTS, value)
    return value


def check_count(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= COUNT_MAX:
        raise Unsure
    return value


def check_float(value: Any, low: float, high: float) -> float:
    if type(value) is int:
        value = float(value)
    elif type(value) is not float:
        raise Unsure
    if not low <= value <= high or not math.isfinite(value):
        raise Unsure
    return value


def check_point(value: Any) -> dict[str, float]:
    if type(value) is not dict or value.keys() != {"lat", "lon"}:
        raise Unsure
    lat, lon = value["lat"], value["lon"]
    if type(lat) is float and type(lon) is float and -90 <= lat <= 90 and -180 <= lon <= 180:
        return {"lat": lat, "lon": lon}
    return {"lat": check_float(lat, -90, 90), "lon": check_float(lon, -180, 180)}


def check_casualties(value: Any) -> dict[str, int] | None:
    if value is None:
        return None
    if type(value) is not dict or not value.keys() <= _CASUALTY_SET:
        raise Unsure
    return {k: check_count(value[k]) for k in CASUALTY_FIELDS if value.get(k) is not None}


def check_rule(value: Any) -> dict[str, str]:
    if type(value) is not dict or value.keys() != {"id", "version"}:
        raise Unsure
    return {"id": check_id(value["id"]), "version": check_text(value["version"], SHORT_MAX)}


def check_explanation(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not value.keys() <= EXPLANATION_FIELDS:
        raise Unsure
    terms = value.get("matched_terms", [])
    if type(terms) is not list or len(terms) > MAX_ITEMS:
        raise Unsure
    source = value.get("type_source", "rule")
    if type(source) is not str or source not in TYPE_SOURCES:
        raise Unsure
    for term in terms:
        check_text(term, SHORT_MAX)
    criterion, regulation = value.get("criterion"), value.get("regulation")
    if criterion is not None:
        check_text(criterion, DESCRIPTION_MAX)
    if regulation is not None:
        check_text(regulation, NAME_MAX)
    keys = tuple(value)
    if len(keys) >= 2 and keys == _EXPLANATION_ORDER[: len(keys)] and None not in value.values():
        return value
    out: dict[str, Any] = {"matched_terms": terms, "type_source": source}
    if criterion is not None:
        out["criterion"] = criterion
    if regulation is not None:
        out["regulation"] = regulation
    return out


def check_counts_extracted(value: Any) -> dict[str, bool]:
    if type(value) is not dict or not value.keys() <= _COUNT_FLAG_SET:
        raise Unsure
    for flag in value.values():
        if flag is not True and flag is not False:
            raise Unsure
    if tuple(value) == COUNT_FLAGS:
        return value
    return {k: value.get(k, False) for k in COUNT_FLAGS}


def check_district(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if type(value) is not dict or value.keys() != {"code", "name"}:
        raise Unsure
    code = value["code"]
    if type(code) is not str or not _DISTRICT_CODE.fullmatch(code):
        raise Unsure
    return {"code": code, "name": check_text(value["name"], SHORT_MAX)}


def check_facility(value: Any) -> dict[str, Any]:
    if type(value) is not dict or value.keys() != FACILITY_FIELDS:
        raise Unsure
    kind = value["kind"]
    if type(kind) is not str or kind not in _FACILITY_KINDS:
        raise Unsure
    check_id(value["id"])
    check_text(value["name"], NAME_MAX)
    distance = value["distance_m"]
    if type(distance) is float and 0 <= distance < math.inf and tuple(value) == _FACILITY_ORDER:
        return value
    return {
        "id": value["id"],
        "kind": kind,
        "name": value["name"],
        "distance_m": check_float(distance, 0, math.inf),
    }


def check_exposure(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not value.keys() <= EXPOSURE_FIELDS:
        raise Unsure
    facilities = value.get("facilities", [])
    if type(facilities) is not list or len(facilities) > MAX_ITEMS:
        raise Unsure
    population, radius = value.get("district_population"), value.get("radius_m")
    if population is not None:
        check_count(population)
    if radius is not None:
        radius = check_float(radius, 0, math.inf)
    checked = [check_facility(f) for f in facilities]
    out: dict[str, Any] = {}
    if population is not None:
        out["district_population"] = population
    if radius is not None:
        out["radius_m"] = radius
    out["facilities"] = checked
    return out


def check_grading(c: Mapping[str, Any]) -> tuple[str | None, str, int, float, dict[str, str]]:
    """Category, type, level, confidence and rule of a classification: an unclassified
    incident has no category, any other has its type's category."""
    category, itype, level, confidence = c["category"], c["type"], c["level"], c["confidence"]
    if type(itype) is not str or _CATEGORY_FOR.get(itype, _ABSENT) != category:
        raise Unsure
    if category is not None and type(category) is not str:
        raise Unsure
    if type(level) is not int or not 1 <= level <= 4:
        raise Unsure
    if type(confidence) is not float or not 0 <= confidence <= 1:
        confidence = check_float(confidence, 0, 1)
    return category, itype, level, confidence, check_rule(c["rule"])


def check_geo(value: Any) -> tuple[dict[str, float], dict[str, float]]:
    """The WGS 84 and GCJ-02 points of an enrichment's ``geo``."""
    if type(value) is not dict or value.keys() != {"wgs84", "gcj02"}:
        raise Unsure
    return check_point(value["wgs84"]), check_point(value["gcj02"])


def check_source(value: Any) -> str:
    if type(value) is not str or value not in _SOURCES:
        raise Unsure
    return value


def check_hint(hint: Any) -> str | None:
    value = getattr(hint, "value", hint)
    if value is not None and (type(value) is not str or value not in _CATEGORY_OF_TYPE):
        raise Unsure
    return value


def check_now(now: datetime) -> tuple[str, str]:
    """``now`` as ``isoformat()`` and as the model's JSON (the same, with ``Z`` for a zero
    offset); only whole-minute offsets."""
    offset = now.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        raise Unsure
    iso = now.isoformat()
    return iso, (iso[:-6] + "Z" if offset.days == 0 and not offset.seconds else iso)
