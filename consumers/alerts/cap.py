"""OASIS CAP 1.2 messages as data, written to and read from XML (pure).

:class:`Alert` holds one message in the element order of the CAP 1.2 schema;
:func:`to_xml` writes it as UTF-8 XML in the ``urn:oasis:names:tc:emergency:cap:1.2``
namespace, and :func:`summary_of` reads back what the publisher's state needs (identity,
chain, references, expiry and headlines) from a stored message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MIME = "application/cap+xml"
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time (UTC+8, no daylight saving): the zone of every CAP time written."""
_Q = "{" + CAP_NS + "}"


def cap_time(value: datetime) -> str:
    """A CAP dateTime: whole seconds with an explicit offset, in China Standard Time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Area:
    """One ``area``: its description, polygons, circles and geocodes."""

    desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    """One ``info`` block, in one language."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: str | None = None
    onset: str | None = None
    expires: str | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    """One CAP ``alert`` message."""

    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str = "Public"
    source: str | None = None
    note: str | None = None
    references: tuple[str, ...] = ()
    """Earlier messages as ``sender,identifier,sent`` triples."""
    incidents: str | None = None
    infos: tuple[Info, ...] = field(default_factory=tuple)


def _add(parent: ET.Element, name: str, text: str | None) -> None:
    if text is not None:
        ET.SubElement(parent, _Q + name).text = text


def _pairs(parent: ET.Element, name: str, pairs: tuple[tuple[str, str], ...]) -> None:
    for value_name, value in pairs:
        element = ET.SubElement(parent, _Q + name)
        _add(element, "valueName", value_name)
        _add(element, "value", value)


def _info(parent: ET.Element, info: Info) -> None:
    element = ET.SubElement(parent, _Q + "info")
    _add(element, "language", info.language)
    for category in info.categories:
        _add(element, "category", category)
    _add(element, "event", info.event)
    for response in info.response_types:
        _add(element, "responseType", response)
    for name in ("urgency", "severity", "certainty"):
        _add(element, name, getattr(info, name))
    _pairs(element, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        _add(element, name, getattr(info, name))
    _add(element, "senderName", info.sender_name)
    for name in ("headline", "description", "instruction", "web"):
        _add(element, name, getattr(info, name))
    _pairs(element, "parameter", info.parameters)
    for area in info.areas:
        area_el = ET.SubElement(element, _Q + "area")
        _add(area_el, "areaDesc", area.desc)
        for polygon in area.polygons:
            _add(area_el, "polygon", polygon)
        for circle in area.circles:
            _add(area_el, "circle", circle)
        _pairs(area_el, "geocode", area.geocodes)


def to_element(alert: Alert) -> ET.Element:
    """The ``alert`` element of a message."""
    root = ET.Element(_Q + "alert")
    for name, value in (
        ("identifier", alert.identifier),
        ("sender", alert.sender),
        ("sent", alert.sent),
        ("status", alert.status),
        ("msgType", alert.msg_type),
        ("source", alert.source),
        ("scope", alert.scope),
        ("note", alert.note),
        ("references", " ".join(alert.references) or None),
        ("incidents", alert.incidents),
    ):
        _add(root, name, value)
    for info in alert.infos:
        _info(root, info)
    return root


def to_xml(alert: Alert) -> bytes:
    """The message as a UTF-8 XML document (deterministic for the same message)."""
    root = to_element(alert)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", default_namespace=CAP_NS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


@dataclass(frozen=True)
class Summary:
    """What the publisher keeps of a stored message."""

    identifier: str
    sender: str
    sent: str
    msg_type: str
    incidents: str | None
    references: tuple[str, ...]
    expires: str | None
    headlines: dict[str, str]
    categories: tuple[str, ...]

    @property
    def reference(self) -> str:
        """This message as a CAP reference: ``sender,identifier,sent``."""
        return f"{self.sender},{self.identifier},{self.sent}"

    @property
    def sent_at(self) -> datetime:
        return datetime.fromisoformat(self.sent)

    @property
    def expires_at(self) -> datetime | None:
        return datetime.fromisoformat(self.expires) if self.expires else None


def summary_of(xml: bytes) -> Summary:
    """Read a stored message's identity, chain, references, expiry and headlines."""
    root = ET.fromstring(xml)
    if root.tag != _Q + "alert":
        raise ValueError(f"not a CAP 1.2 alert: root element {root.tag}")

    def text(element: ET.Element, name: str) -> str | None:
        found = element.find(_Q + name)
        return found.text if found is not None else None

    headlines: dict[str, str] = {}
    expires: str | None = None
    categories: list[str] = []
    for info in root.findall(_Q + "info"):
        language = text(info, "language") or "en-US"
        headlines[language] = text(info, "headline") or text(info, "event") or ""
        expires = expires or text(info, "expires")
        categories += [c.text or "" for c in info.findall(_Q + "category")]
    return Summary(
        identifier=text(root, "identifier") or "",
        sender=text(root, "sender") or "",
        sent=text(root, "sent") or "",
        msg_type=text(root, "msgType") or "",
        incidents=text(root, "incidents"),
        references=tuple((text(root, "references") or "").split()),
        expires=expires,
        headlines=headlines,
        categories=tuple(dict.fromkeys(categories)),
    )
