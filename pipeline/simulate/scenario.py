"""The scenario base class: how a scenario's parts add up to one timed list of records.

A scenario has three parts:

- sensor streams (:meth:`Scenario.streams`): registry sensors the scenario drives, plus
  the other registry sensors reporting their everyday values while the rate allows;
- a storyline (:meth:`Scenario.storyline`): the incidents that make the scenario, the same
  at every rate;
- background (:meth:`Scenario.background`): more reports (and findings) of the scenario's
  kind that fill the rate budget, ``round(rate * duration_s)`` records in all.

A small share (``bad_share``, 1 % by default) of extra records are deliberately bad (see
:mod:`pipeline.simulate.defects`). Sensor streams and the storyline come first, so a rate
below what they need alone is exceeded; :class:`~pipeline.simulate.runner.RunSummary`
reports the rate achieved.

Time: simulated time runs ``time_scale`` times faster than the wall clock. By default the
run ends at the present (``start = now - duration_s * time_scale``), so no timestamp lies
in the future when its record is sent.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pipeline.simulate.defects import make_defects
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Places, default_places
from pipeline.simulate.sensors import Stream, registry_sensors, sensor_streams
from pipeline.warnings.registry import SensorEntry

#: the pipeline accepts event times up to 30 days back; keep clear of that bound
MAX_SPAN_S = 25 * 86400.0
DEFAULT_BAD_SHARE = 0.01


class Scenario:
    """A deterministic generator of timed records; subclasses fill in the parts."""

    name: ClassVar[str]
    title: ClassVar[str]
    default_rate: ClassVar[float]
    """Events per wall-clock second when the caller gives no rate."""
    default_time_scale: ClassVar[float]
    """Simulated seconds per wall-clock second when the caller gives none."""
    reading_share: ClassVar[float] = 0.7
    """At most this share of the budget goes to everyday (not driven) sensor readings."""
    background_kinds: ClassVar[tuple[str, ...] | None] = None
    """Kinds of the registry sensors reporting everyday values (None: all)."""

    def streams(self, ctx: SimContext) -> dict[str, Stream]:
        """The registry sensors this scenario drives, by ``sensor_id``."""
        return {}

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        """The incidents that make the scenario."""
        return []

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        """About ``n`` more records of the scenario's kind."""
        return []

    def generate(
        self,
        *,
        rate: float | None = None,
        duration_s: float = 60.0,
        seed: int = 0,
        start: datetime | None = None,
        time_scale: float | None = None,
        bad_share: float = DEFAULT_BAD_SHARE,
        sensors: tuple[SensorEntry, ...] | None = None,
        places: Places | None = None,
    ) -> list[SimEvent]:
        """Every record of one run, sorted by ``offset_s`` (ties keep generation order).

        Same arguments (including ``start``) -> the same records, byte for byte.
        """
        rate = self.default_rate if rate is None else rate
        scale = self.default_time_scale if time_scale is None else time_scale
        if rate <= 0 or duration_s <= 0 or scale <= 0:
            raise ValueError("rate, duration_s and time_scale must be positive")
        if not 0.0 <= bad_share < 0.5:
            raise ValueError("bad_share must be at least 0 and below 0.5")
        if duration_s * scale > MAX_SPAN_S:
            raise ValueError(
                f"duration_s x time_scale covers {duration_s * scale / 86400:.1f} simulated"
                f" days; at most {MAX_SPAN_S / 86400:.0f} fit the pipeline's 30-day window"
            )
        if start is None:
            start = datetime.now(UTC) - timedelta(seconds=duration_s * scale)
        ctx = SimContext(
            seed=seed,
            start=start,
            duration_s=duration_s,
            time_scale=scale,
            sensors=sensors if sensors is not None else registry_sensors(),
            places=places if places is not None else default_places(),
        )
        target = round(rate * duration_s)
        n_bad = max(1, round(bad_share * target)) if bad_share > 0 else 0
        events = self.storyline(ctx)
        budget = max(0.0, self.reading_share * target)
        events += sensor_streams(ctx, self.streams(ctx), budget, self.background_kinds)
        room = target - n_bad - len(events)
        if room > 0:
            events += self.background(ctx, room)
        events += make_defects(ctx, events, n_bad)
        events = [_clamped(e, ctx.duration_s) for e in events]
        events.sort(key=lambda e: e.offset_s)
        return events

    def rng(self, ctx: SimContext, part: str) -> random.Random:
        """The random stream of one part of this scenario."""
        return ctx.rng(self.name, part)


def _clamped(event: SimEvent, duration_s: float) -> SimEvent:
    offset = min(max(event.offset_s, 0.0), duration_s)
    if offset == event.offset_s:
        return event
    return SimEvent(
        offset,
        event.topic,
        event.key,
        event.value,
        event.kind,
        event.defect,
        event.duplicate,
        event.incident,
    )
