"""Inspection findings tracked in the worker, on table state: glue between the tracking core
(:mod:`pipeline.incidents.inspections`) and the pipeline's messages.

The stateless stage validates and enriches each ``inspections.findings`` event and
publishes it on ``inspections.tracked`` (:func:`tracked_message`), keyed by district code
(``outside`` when the site lies in no district), so that one district's findings live on
one partition. :class:`InspectionTracker` takes every message of that topic, on a table
the caller supplies (a Faust table in the worker, a dict in tests), keyed by district code
with the district's :class:`InspectionState` as value:

- a tracked finding ``{"finding": InspectionFinding, "district": {code, name, name_en} |
  null, "geo": {lat, lon}}`` opens, updates or rectifies the finding -> its ``inspections``
  document on ``inspections.status`` (key and ``_id`` = finding id) and, when the
  district's counts changed, its ``inspection-counts`` document on ``inspections.counts``
  (key and ``_id`` = district code). A redelivered or stale event changes nothing and
  yields the finding's current document again (same ``_id``, same content);
- a timer command ``{"action": "tick", "district": code, "at": RFC 3339}`` escalates the
  district's overdue findings (at most once per ``overdue_period_s`` each): one escalation
  event per finding on ``inspections.escalations`` (key = finding id, not indexed), the
  finding's document (status ``overdue``, escalation count) and the counts; it also drops
  findings rectified longer ago than ``retention_s``.

Anything unusable is dead-lettered with its original bytes (stage ``inspect``; codes
``invalid_json``, ``invalid_value``, ``invalid_finding``, ``invalid_command``).

The table value is the state's ``to_dict()`` form plus one key, ``last_escalated_at``
(``{finding_id: RFC 3339}``), which the core does not keep.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from pipeline.incidents.errors import IncidentError
from pipeline.incidents.inspections import (
    DAY_S,
    InspectionState,
    TrackedFinding,
    counts,
    overdue,
    prune,
    status_of,
    track,
)
from pipeline.incidents.state import OUTSIDE, as_time
from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message, dumps
from schemas.inputs import InspectionFinding
from schemas.inspection_documents import inspection_counts_document, inspection_document

log = logging.getLogger("citywatch.inspections")

STAGE = "inspect"
EVENT_ID_HEADER = "citywatch.event_id"
ESCALATED_KEY = "last_escalated_at"
"""Table-value key holding ``{finding_id: when it was last escalated}``."""


def district_ref(code: str | None, given: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """``{code, name, name_en}`` of a district: ``given`` completed from the registry.

    None for no district (``outside``); a code the registry does not know keeps what was
    given (at least the code).
    """
    if not code or code == OUTSIDE:
        return None
    ref: dict[str, Any] = {"code": code}
    if given and given.get("code") == code:
        ref |= {k: given[k] for k in ("name", "name_en") if given.get(k)}
    if "name" not in ref or "name_en" not in ref:
        from pipeline.geo.districts import get_district

        try:
            known = get_district(code)
        except (KeyError, ValueError):
            return ref
        ref.setdefault("name", known.name_zh)
        ref.setdefault("name_en", known.name_en)
    return ref


def site_wgs84(site: Mapping[str, Any]) -> dict[str, float]:
    """The site's point in WGS 84 (converted from its reported datum, as enrichment does)."""
    location = site["location"]
    lat, lon = float(location["lat"]), float(location["lon"])
    crs = str(location.get("crs") or "wgs84")
    if crs != "wgs84":
        from pipeline.geo.crs import convert

        lat, lon = convert(lat, lon, crs, "wgs84")
    return {"lat": lat, "lon": lon}


def tracked_message(
    topics: TopicNames,
    finding: InspectionFinding,
    district: dict[str, Any] | None,
    wgs84: tuple[float, float],
) -> OutMessage:
    """The ``inspections.tracked`` message of a validated, enriched finding.

    The key is the district code: the inspector's ``district_code`` when given, else the
    district enrichment found (``district``), else ``outside``. The value is
    ``{"finding": ..., "district": {code, name, name_en} | null, "geo": {lat, lon}}``.
    """
    code = finding.district_code or (district or {}).get("code") or OUTSIDE
    value = {
        "finding": finding.model_dump(mode="json"),
        "district": district_ref(code, district),
        "geo": {"lat": float(wgs84[0]), "lon": float(wgs84[1])},
    }
    return OutMessage(
        topics.tracked,
        code.encode(),
        dumps(value),
        [(EVENT_ID_HEADER, finding.finding_id.encode())],
    )


class _BadInput(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class InspectionTracker:
    """Tracks inspection findings per district on the given table."""

    def __init__(
        self,
        topics: TopicNames,
        table: MutableMapping[str, Any],
        *,
        overdue_period_s: float = DAY_S,
        retention_s: float = 30 * DAY_S,
    ) -> None:
        if overdue_period_s <= 0 or retention_s < 0:
            raise ValueError("overdue_period_s must be > 0 and retention_s >= 0")
        self.topics = topics
        self.table = table
        self.overdue_period_s = overdue_period_s
        self.retention_s = retention_s

    # --- entry points -----------------------------------------------------------------

    def handle(
        self, origin: Origin, value: bytes | None, now: datetime | None = None
    ) -> list[OutMessage]:
        """The output messages of one ``inspections.tracked`` message (finding or tick)."""
        now = now or datetime.now(UTC)
        try:
            message = self._decode(value)
            if "action" in message:
                code, at = self._command(message)
                return self.tick(code, at, now)
            return self._finding(message, now)
        except _BadInput as exc:
            return [self._dead(origin, value, exc.code, exc.message, now)]

    def districts(self) -> set[str]:
        """District codes (and ``outside``) with tracked findings here (for the timer)."""
        return {str(k) for k, v in list(self.table.items()) if v}

    def tick(self, district: str, at: datetime, now: datetime | None = None) -> list[OutMessage]:
        """Escalate the district's overdue findings at ``at`` and drop old rectified ones."""
        stored = self.table.get(district)
        if not stored:
            return []
        state, escalated = self._load(district, stored)
        events = overdue(state, at, period_s=self.overdue_period_s)
        gone = prune(state, at, retention_s=self.retention_s)
        for event in events:
            escalated[event["finding_id"]] = event["at"]
        for finding_id in gone:
            escalated.pop(finding_id, None)
        self._save(district, state, escalated)
        ingested = now or at
        ref = district_ref(district)
        out: list[OutMessage] = []
        for event in events:
            finding = state.findings[event["finding_id"]]
            out.append(self._escalation(event, ref))
            out.append(self._status(finding, at, ref, None, escalated, ingested))
            log.info(
                "inspection finding %s escalated (%d)", finding.finding_id, event["escalation"]
            )
        if events or gone:
            out.append(self._counts(district, state, at, ref, ingested))
        return out

    # --- findings ---------------------------------------------------------------------

    def _finding(self, message: dict[str, Any], now: datetime) -> list[OutMessage]:
        raw, district, geo = message.get("finding"), message.get("district"), message.get("geo")
        if not isinstance(raw, dict):
            raise _BadInput(
                "invalid_value", "not a tracked finding: expected a 'finding' object or an action"
            )
        if district is not None and not (
            isinstance(district, dict) and isinstance(district.get("code"), str)
        ):
            raise _BadInput(
                "invalid_value",
                f"district: expected {{code, name}} or null, got {_short(district)}",
            )
        if geo is not None and not (
            isinstance(geo, dict) and _number(geo.get("lat")) and _number(geo.get("lon"))
        ):
            raise _BadInput(
                "invalid_value", f"geo: expected {{lat, lon}} or null, got {_short(geo)}"
            )
        code = (district or {}).get("code") or raw.get("district_code") or OUTSIDE
        if not isinstance(code, str):
            raise _BadInput("invalid_finding", f"district_code: not a string: {_short(code)}")
        state, escalated = self._load(code, self.table.get(code))
        before = counts(state, now)
        try:
            state, change = track(state, raw, now, district_code=None if code == OUTSIDE else code)
        except IncidentError as exc:
            raise _BadInput("invalid_finding", str(exc)) from exc
        finding = state.findings[change["finding_id"]]
        if code == OUTSIDE:
            finding.district_code = None  # the table key decides, not a second point lookup
        ref = district_ref(code, district)
        out = [self._status(finding, now, ref, geo, escalated, now)]
        if change["action"] in ("unchanged", "stale"):
            return out
        self._save(code, state, escalated)
        if counts(state, now) != before:
            out.append(self._counts(code, state, now, ref, now))
        return out

    # --- messages ---------------------------------------------------------------------

    def _status(
        self,
        finding: TrackedFinding,
        at: datetime,
        district: dict[str, Any] | None,
        geo: Mapping[str, Any] | None,
        escalated: Mapping[str, str],
        ingested: datetime,
    ) -> OutMessage:
        data = finding.to_dict()
        doc = inspection_document(
            data,
            status=status_of(finding, at),
            district=district,
            location=geo if geo is not None else site_wgs84(data["site"]),
            last_escalated_at=escalated.get(finding.finding_id),
            ingested_at=ingested,
        )
        doc_id = finding.finding_id.encode()
        return OutMessage(self.topics.inspections, doc_id, dumps(doc), [(DOC_ID_HEADER, doc_id)])

    def _counts(
        self,
        code: str,
        state: InspectionState,
        at: datetime,
        district: dict[str, Any] | None,
        ingested: datetime,
    ) -> OutMessage:
        result = counts(state, at)
        totals: dict[str, int] = {}
        for row in result["by_district"].values():
            for name, n in row.items():
                totals[name] = totals.get(name, 0) + n
        doc = inspection_counts_document(
            code, totals, result["by_site_kind"], at, district=district, ingested_at=ingested
        )
        key = code.encode()
        return OutMessage(self.topics.inspection_counts, key, dumps(doc), [(DOC_ID_HEADER, key)])

    def _escalation(self, event: dict[str, Any], district: dict[str, Any] | None) -> OutMessage:
        value = {
            "event_id": event["event_id"],
            "finding_id": event["finding_id"],
            "site": event["site"],
            "site_key": event["site_key"],
            "district": district,
            "hazard": event["hazard"],
            "hazard_level": event["hazard_level"],
            "deadline": event["deadline"],
            "overdue_by_s": event["overdue_s"],
            "escalation": event["escalation"],
            "at": event["at"],
            "message_zh": event["message_zh"],
            "message_en": event["message_en"],
        }
        return OutMessage(
            self.topics.escalations,
            event["finding_id"].encode(),
            dumps(value),
            [(EVENT_ID_HEADER, event["event_id"].encode())],
        )

    # --- state and input --------------------------------------------------------------

    def _load(self, code: str, stored: Any) -> tuple[InspectionState, dict[str, str]]:
        if not stored:
            return InspectionState.empty(code), {}
        data = dict(stored)
        escalated = dict(data.pop(ESCALATED_KEY, None) or {})
        return InspectionState.from_dict(data), escalated

    def _save(self, code: str, state: InspectionState, escalated: dict[str, str]) -> None:
        if not state.findings:
            if code in self.table:
                del self.table[code]
            return
        self.table[code] = {**state.to_dict(), ESCALATED_KEY: escalated}

    @staticmethod
    def _decode(value: bytes | None) -> dict[str, Any]:
        if value is None:
            raise _BadInput("invalid_json", "empty value (no JSON)")
        try:
            message = json.loads(value)
        except (ValueError, TypeError) as exc:
            raise _BadInput("invalid_json", f"not valid JSON: {exc}") from exc
        if not isinstance(message, dict):
            raise _BadInput("invalid_json", f"expected a JSON object, got {type(message).__name__}")
        return message

    @staticmethod
    def _command(message: dict[str, Any]) -> tuple[str, datetime]:
        action = message.get("action")
        if action != "tick":
            raise _BadInput("invalid_command", f"unknown action {_short(action)} (expected 'tick')")
        code = message.get("district")
        if not isinstance(code, str) or not code:
            raise _BadInput("invalid_command", f"tick: district must be a code, got {_short(code)}")
        try:
            at = as_time(message.get("at"), "at")
        except IncidentError as exc:
            raise _BadInput("invalid_command", f"tick: {exc}") from exc
        return code, at

    def _dead(
        self, origin: Origin, value: bytes | None, code: str, message: str, now: datetime
    ) -> OutMessage:
        return deadletter_message(
            self.topics.deadletter, origin, value, stage=STAGE, code=code, message=message, now=now
        )
