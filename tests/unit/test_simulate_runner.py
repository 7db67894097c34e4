"""Pacing a scenario in real time with an injected clock and sleep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.simulate import generate_events, run_scenario

START = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    """A monotonic clock that only moves when slept on (or when told to)."""

    def __init__(self, at: float = 1000.0) -> None:
        self.now = at
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def test_records_are_sent_in_order_at_their_due_time() -> None:
    clock = FakeClock()
    sent: list[tuple[float, str, bytes | None, bytes]] = []
    summary = run_scenario(
        "typhoon",
        lambda topic, key, value: sent.append((clock.now, topic, key, value)),
        rate=5,
        duration_s=20,
        seed=2,
        clock=clock,
        sleep=clock.sleep,
        start=START,
    )
    expected = generate_events("typhoon", rate=5, duration_s=20, seed=2, start=START)
    assert [(t, k, v) for _, t, k, v in sent] == [(e.topic, e.key, e.value) for e in expected]
    for (at, *_), event in zip(sent, expected, strict=True):
        assert at >= 1000.0 + event.offset_s - 0.001  # never early
        assert at <= 1000.0 + event.offset_s + 0.001  # and on time when nothing is slow
    assert summary.sent == len(expected) == 100
    assert summary.elapsed_s == pytest.approx(expected[-1].offset_s)
    assert summary.defects == sum(1 for e in expected if e.defect)
    assert sum(summary.by_topic.values()) == summary.sent
    assert summary.requested_rate == 5
    assert 0.85 * 5 <= summary.sent / 20 <= 1.15 * 5


def test_late_records_are_sent_at_once() -> None:
    clock = FakeClock()

    def slow_send(topic: str, key: bytes | None, value: bytes) -> None:
        clock.now += 0.5  # a slow broker: each send takes half a second

    summary = run_scenario(
        "routine_day",
        slow_send,
        rate=10,
        duration_s=10,
        seed=0,
        clock=clock,
        sleep=clock.sleep,
        start=START,
    )
    assert summary.sent == 100
    # only the wait for the first record; from then on every record is already due
    assert len(clock.sleeps) <= 1
    assert summary.elapsed_s == pytest.approx(sum(clock.sleeps) + 50.0)


def test_progress_is_reported_after_each_record() -> None:
    clock = FakeClock()
    calls: list[tuple[int, int]] = []
    summary = run_scenario(
        "new_year_bund",
        lambda *_: None,
        rate=4,
        duration_s=10,
        seed=1,
        clock=clock,
        sleep=clock.sleep,
        progress=lambda done, total: calls.append((done, total)),
        start=START,
    )
    assert calls == [(i, summary.sent) for i in range(1, summary.sent + 1)]


def test_default_start_keeps_every_timestamp_in_the_past_when_sent() -> None:
    clock = FakeClock()
    wall = datetime.now(UTC)
    late: list[str] = []

    def send(topic: str, key: bytes | None, value: bytes) -> None:
        try:
            data = json.loads(value)
        except ValueError:
            return
        stamp = data.get("reported_at") or data.get("observed_at") or data.get("inspected_at")
        sent_at = wall + timedelta(seconds=clock.now - 1000.0)
        if stamp and datetime.fromisoformat(stamp) > sent_at + timedelta(seconds=1):
            late.append(stamp)

    run_scenario("typhoon", send, rate=5, duration_s=20, seed=0, clock=clock, sleep=clock.sleep)
    assert late == []


def test_an_unknown_scenario_is_refused_before_anything_is_sent() -> None:
    sent: list[object] = []
    with pytest.raises(KeyError, match="unknown scenario"):
        run_scenario("hail", lambda *a: sent.append(a), rate=1, duration_s=1, seed=0)
    assert sent == []
