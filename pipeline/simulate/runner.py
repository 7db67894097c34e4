"""Pace a scenario's records in real time and hand each to a producer callback.

:func:`run_scenario` generates the records of one run, then sends each when its
``offset_s`` comes due on ``clock`` (sleeping with ``sleep`` in between; a late record is
sent at once). It knows nothing about Kafka: ``producer_send(topic, key, value)`` does the
sending. ``clock`` and ``sleep`` are injectable so that tests run without waiting.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.simulate.catalog import get_scenario
from pipeline.simulate.scenario import DEFAULT_BAD_SHARE, Scenario

ProducerSend = Callable[[str, bytes | None, bytes], None]
Progress = Callable[[int, int], None]
#: a record due less than this many seconds from now is sent without sleeping
MIN_SLEEP_S = 0.001


@dataclass(frozen=True)
class RunSummary:
    """What one run sent."""

    scenario: str
    sent: int
    defects: int
    """Deliberately bad records among ``sent``."""
    duplicates: int
    """Re-sent readings among ``sent``."""
    elapsed_s: float
    requested_rate: float
    by_topic: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_rate(self) -> float:
        """Records per wall-clock second actually sent."""
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else float(self.sent)


def run_scenario(
    scenario: str | Scenario,
    producer_send: ProducerSend,
    *,
    rate: float | None = None,
    duration_s: float = 60.0,
    seed: int = 0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
    time_scale: float | None = None,
    start: datetime | None = None,
    bad_share: float = DEFAULT_BAD_SHARE,
) -> RunSummary:
    """Send every record of one run of ``scenario`` at its due time.

    ``rate`` (records per wall-clock second) and ``time_scale`` default to the scenario's;
    ``start`` (the simulated time at offset 0) defaults to ``now - duration_s * time_scale``
    so that no timestamp is later than the moment its record is sent. ``progress(sent,
    total)`` is called after each record.
    """
    chosen = get_scenario(scenario)
    events = chosen.generate(
        rate=rate,
        duration_s=duration_s,
        seed=seed,
        start=start,
        time_scale=time_scale,
        bad_share=bad_share,
    )
    total = len(events)
    topics: Counter[str] = Counter()
    began = clock()
    for done, event in enumerate(events, 1):
        wait = began + event.offset_s - clock()
        if wait > MIN_SLEEP_S:
            sleep(wait)
        producer_send(event.topic, event.key, event.value)
        topics[event.topic] += 1
        if progress is not None:
            progress(done, total)
    return RunSummary(
        scenario=chosen.name,
        sent=total,
        defects=sum(1 for e in events if e.defect),
        duplicates=sum(1 for e in events if e.duplicate),
        elapsed_s=clock() - began,
        requested_rate=chosen.default_rate if rate is None else rate,
        by_topic=dict(topics),
    )
