"""Incidents as the city reports them: several sources, nearby points, follow-up counts.

A :class:`Story` is one incident: its type, when and where it happens, the templates its
reporters speak in (:class:`Texts`), who reports it, and how its head counts evolve.
:func:`emit_story` turns it into incident reports: the first caller within a minute or
two, the other sources within minutes at nearby points (each with its own ``report_id``),
media later, and follow-ups (``updates_report_id``) that bring the new counts, in the text
(``造成3人死亡``) and usually in ``casualties`` as well.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from pipeline.geo.crs import convert
from pipeline.names import TOPIC_INCIDENT_REPORTS
from pipeline.simulate.events import KIND_REPORT, SimContext, SimEvent, encode
from pipeline.simulate.places import Spot

Counts = dict[str, int]
CALLERS = ("hotline_110", "hotline_119", "hotline_120", "hotline_12345", "citizen_app")
ID_PREFIX = {
    "hotline_110": "110",
    "hotline_119": "119",
    "hotline_120": "120",
    "hotline_12345": "12345",
    "citizen_app": "APP",
    "field_team": "FT",
    "media": "MEDIA",
    "inspection": "INSP",
    "sensor_system": "SYS",
}
#: chance that a report from this source carries structured ``casualties`` / a ``type`` hint
STRUCTURED = {
    "hotline_110": 0.6,
    "hotline_119": 0.6,
    "hotline_120": 0.8,
    "hotline_12345": 0.4,
    "citizen_app": 0.0,
    "field_team": 0.9,
    "media": 0.0,
}
TYPE_HINT = {
    "hotline_110": 0.5,
    "hotline_119": 0.6,
    "hotline_120": 0.5,
    "hotline_12345": 0.4,
    "citizen_app": 0.2,
    "field_team": 0.8,
    "media": 0.0,
}
CASUALTY_KEYS = ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")


@dataclass(frozen=True)
class Texts:
    """Templates of one kind of incident by who speaks; slots in ``{braces}``.

    Slots: ``place``/``place_en`` (the anchor's name), ``road``/``road_en``, ``district``/
    ``district_en``, ``address``, ``counts_zh``/``counts_en`` (the head counts known at the
    time of the report), each count alone (``deaths``, ``injuries``, ``affected`` ...),
    ``loss_zh``/``loss_en``, plus the story's own ``slots``. A report whose template has no
    ``counts_`` slot carries no structured ``casualties`` either (the caller gave none).
    """

    caller: tuple[str, ...]
    official: tuple[str, ...]
    followup: tuple[str, ...]
    media: tuple[str, ...] = ()

    def for_source(self, source: str, follow_up: bool = False) -> tuple[str, ...]:
        if follow_up:
            return self.followup
        if source == "media":
            return self.media or self.official
        return self.official if source == "field_team" else self.caller


@dataclass
class Story:
    """One incident and how its head counts evolve (``counts``: delay s -> counts known)."""

    type: str | None
    t: float
    spot: Spot
    texts: Texts
    sources: tuple[str, ...]
    counts: list[tuple[float, Counts]] = field(default_factory=lambda: [(0.0, {})])
    slots: dict[str, str] = field(default_factory=dict)
    spread_m: float = 200.0
    window_s: float = 480.0
    owner: str | None = None
    """The source whose first report the follow-ups update (default: a field team's
    report when one reports, else the first report)."""


def counts_zh(c: Counts) -> str:
    """``造成2人死亡、5人受伤(其中1人重伤)。已疏散300人`` and the like (a full stop
    between clauses, so no count is read as the next clause's)."""
    harm = []
    if c.get("deaths"):
        harm.append(f"{c['deaths']}人死亡")
    if c.get("injuries"):
        serious = f"(其中{c['serious_injuries']}人重伤)" if c.get("serious_injuries") else ""
        harm.append(f"{c['injuries']}人受伤{serious}")
    if c.get("missing"):
        harm.append(f"{c['missing']}人失联")
    parts = ["造成" + "、".join(harm) if harm else "暂无人员伤亡"]
    if c.get("evacuated"):
        parts.append(f"已疏散{c['evacuated']}人")
    if c.get("affected"):
        parts.append(f"{c['affected']}人受影响")
    return "。".join(parts)


def counts_en(c: Counts) -> str:
    """``2 people dead, 5 people injured (1 seriously injured); 300 people evacuated``."""
    harm = []
    if c.get("deaths"):
        harm.append(f"{c['deaths']} people dead")
    if c.get("injuries"):
        serious = (
            f" ({c['serious_injuries']} seriously injured)" if c.get("serious_injuries") else ""
        )
        harm.append(f"{c['injuries']} people injured{serious}")
    if c.get("missing"):
        harm.append(f"{c['missing']} people missing")
    parts = [", ".join(harm) if harm else "no casualties reported so far"]
    if c.get("evacuated"):
        parts.append(f"{c['evacuated']} people evacuated")
    if c.get("affected"):
        parts.append(f"{c['affected']} people affected")
    return "; ".join(parts)


def known_at(story: Story, delay: float) -> Counts:
    """The counts known ``delay`` simulated seconds after the incident."""
    known: Counts = {}
    for since, counts in story.counts:
        if since <= delay:
            known = counts
    return known


def render(template: str, story: Story, spot: Spot, counts: Counts) -> str:
    """A template filled in for one report."""
    slots = {
        "place": spot.anchor.name_zh,
        "place_en": spot.anchor.name_en,
        "road": spot.road_zh,
        "road_en": spot.road_en,
        "district": spot.district.name_zh,
        "district_en": spot.district.name_en,
        "address": spot.address,
        "counts_zh": counts_zh(counts),
        "counts_en": counts_en(counts),
        "loss_zh": f"{counts.get('loss_wan', 0)}万元",
        "loss_en": f"CNY {counts.get('loss_wan', 0) * 10_000:,}",
    }
    slots.update({key: str(counts.get(key, 0)) for key in CASUALTY_KEYS})
    slots.update(story.slots)
    return template.format_map(slots)


def emit_story(ctx: SimContext, story: Story, rng: random.Random) -> list[SimEvent]:
    """The reports of one incident that fall within the run, sorted by offset."""
    incident = ctx.next_id("INC")
    firsts: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    events: list[SimEvent] = []
    for i, source in enumerate(story.sources):
        if i == 0:
            at = story.t + rng.uniform(15.0, 90.0)
            spot = ctx.places.spot_near(
                rng, story.spot.anchor, 40.0, story.spot.lat, story.spot.lon
            )
        else:
            late = rng.uniform(300.0, 1200.0) if source == "media" else 0.0
            at = story.t + rng.uniform(60.0, story.window_s) + late
            spot = ctx.places.spot_near(
                rng, story.spot.anchor, story.spread_m, story.spot.lat, story.spot.lon
            )
        counts = known_at(story, at - story.t)
        choices = story.texts.for_source(source)
        template = rng.choice([c for c in choices if c not in used] or choices)
        used.add(template)
        text = render(template, story, spot, counts)
        report_id = ctx.next_id(ID_PREFIX[source])
        if ctx.in_run(at):
            speaks = "{counts_" in template or any(f"{{{k}}}" in template for k in CASUALTY_KEYS)
            data = _report(
                ctx, rng, report_id, source, at, spot, text, story.type, counts if speaks else {}
            )
            events.append(_event(ctx, at, report_id, data, incident))
            firsts.setdefault(source, (report_id, at))
    owner = story.owner or ("field_team" if "field_team" in firsts else story.sources[0])
    owner_id, at = firsts.get(owner, ("", math.inf))
    for delay, counts in story.counts[1:]:
        at = max(story.t + delay, at + rng.uniform(60.0, 180.0))
        if not ctx.in_run(at):
            continue
        spot = ctx.places.spot_near(rng, story.spot.anchor, 30.0, story.spot.lat, story.spot.lon)
        text = render(rng.choice(story.texts.followup), story, spot, counts)
        report_id = ctx.next_id(ID_PREFIX[owner])
        data = _report(
            ctx,
            rng,
            report_id,
            owner,
            at,
            spot,
            text,
            story.type,
            counts,
            updates=owner_id,
            structured=0.8,
        )
        events.append(_event(ctx, at, report_id, data, incident))
    events.sort(key=lambda e: e.offset_s)
    return events


def _event(
    ctx: SimContext, at: float, report_id: str, data: dict[str, Any], incident: str
) -> SimEvent:
    return SimEvent(
        ctx.offset(at),
        TOPIC_INCIDENT_REPORTS,
        report_id.encode(),
        encode(data),
        KIND_REPORT,
        incident=incident,
    )


def _report(
    ctx: SimContext,
    rng: random.Random,
    report_id: str,
    source: str,
    at: float,
    spot: Spot,
    text: str,
    type_: str | None,
    counts: Counts,
    updates: str | None = None,
    structured: float | None = None,
) -> dict[str, Any]:
    location: dict[str, Any] = {"lat": spot.lat, "lon": spot.lon}
    if source == "citizen_app" and rng.random() < 0.5:
        lat, lon = convert(spot.lat, spot.lon, "wgs84", "gcj02")
        location = {"lat": round(lat, 6), "lon": round(lon, 6), "crs": "gcj02"}
    data: dict[str, Any] = {
        "report_id": report_id,
        "source": source,
        "reported_at": ctx.stamp(at),
        "location": location,
    }
    if source != "citizen_app" or rng.random() < 0.5:
        data["address"] = spot.address
    data["description"] = text
    if type_ is not None and rng.random() < TYPE_HINT.get(source, 0.0):
        data["type"] = type_
    casualties = {k: counts[k] for k in CASUALTY_KEYS if k in counts}
    chance = STRUCTURED.get(source, 0.0) if structured is None else structured
    if casualties and rng.random() < chance:
        data["casualties"] = casualties
    if counts.get("loss_wan") and rng.random() < chance:
        data["economic_loss_cny"] = float(counts["loss_wan"] * 10_000)
    if updates is not None:
        data["updates_report_id"] = updates
    return data
