"""Reports of dropped incidents: a late redelivery changes nothing (pure, and in the glue)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.correlation import IncidentCorrelator, decode_entry
from pipeline.incidents import Correlator
from pipeline.incidents.retired import RetiredReports
from pipeline.processing import Origin
from pipeline.settings import Settings
from pipeline.worker import build_processor
from tests.unit.test_correlation_glue import graded

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)


def test_remembers_the_reports_of_a_dropped_incident():
    retired = RetiredReports(cap=10)
    retired.add("a", T0, ["s:1", "s:2"])
    assert retired.incident_of("s:1") == "a"
    assert retired.incident_of("s:2") == "a"
    assert retired.incident_of("s:3") is None


def test_forgets_the_oldest_over_the_count():
    retired = RetiredReports(cap=2)
    for n in range(4):
        retired.add(f"i{n}", T0 + timedelta(minutes=n), [f"s:{n}"])
    assert retired.expire(None) == ["i0", "i1"]
    assert len(retired) == 2
    assert retired.incident_of("s:0") is None
    assert retired.incident_of("s:3") == "i3"


def test_forgets_those_out_of_the_window_even_when_dropped_late():
    retired = RetiredReports(cap=100)
    retired.add("new", T0 + timedelta(hours=5), ["s:new"])
    retired.add("old", T0, ["s:old"])  # dropped after a newer one
    assert retired.expire(T0 + timedelta(hours=1)) == ["old"]
    assert retired.incident_of("s:old") is None
    assert retired.incident_of("s:new") == "new"


def test_a_key_taken_over_by_a_later_incident_stays_with_it():
    retired = RetiredReports(cap=1)
    retired.add("a", T0, ["s:1"])
    retired.add("b", T0 + timedelta(minutes=1), ["s:1"])
    assert retired.expire(None) == ["a"]
    assert retired.incident_of("s:1") == "b"


@pytest.fixture(scope="module")
def processor():
    return build_processor(Settings())


def _reports(processor, n: int) -> list[bytes]:
    # n reports in Pudong far enough apart (about 2 km) never to merge
    return [
        graded(processor, f"r{i}", "hotline_119", 60 - i, 31.15 + 0.02 * i, 121.62, "仓库起火")
        for i in range(n)
    ]


def test_a_redelivered_report_of_a_dropped_incident_publishes_nothing(processor):
    topics = Settings().topics()
    table: dict = {}
    glue = IncidentCorrelator(topics, Correlator(max_incidents=3), table)
    reports = _reports(processor, 5)
    origin = Origin(topics.graded, 0, 1)
    for value in reports:
        glue.correlate(origin, value)
    # over the bound of 3, the least recently active went: r0, then r1; each entry is now
    # a tombstone listing the incident's reports
    assert decode_entry(table["hotline_119:r1"])["_retired"] == ["hotline_119:r1"]
    tomb = decode_entry(table["hotline_119:r0"])
    assert tomb["_retired"] == ["hotline_119:r0"]
    assert "incident_id" not in tomb
    assert glue.correlate(origin, reports[0]) == []
    # after a rebalance the next owner rebuilds the same from the table
    rebuilt = IncidentCorrelator(topics, Correlator(max_incidents=3), table)
    assert rebuilt.correlate(origin, reports[0]) == []
    # a report of an incident still kept is a duplicate and republishes its record
    [again, *_] = rebuilt.correlate(origin, reports[4])
    assert json.loads(again.value)["incident"]["id"] == "hotline_119:r4"


def test_the_memory_rebuilt_after_a_rebalance_forgets_in_the_order_of_the_drops(processor):
    """Finding 8: a report that comes late, with an old time, is dropped at once, and is the
    likeliest to be delivered again. The previous owner remembers it among the latest drops;
    rebuilt from the table in the order of the incidents' times, the memory put it first and
    forgot it at the next drop, and its redelivery founded the incident again (or joined a
    newer one: the report in two incidents)."""
    topics = Settings().topics()
    table: dict = {}
    bound = Correlator(max_incidents=3)
    glue = IncidentCorrelator(topics, bound, table, retired_max=2)
    origin = Origin(topics.graded, 0, 1)

    def report(n: int, minutes_ago: float) -> bytes:
        lat = 31.15 + 0.02 * n  # about 2 km apart: they never merge
        return graded(processor, f"r{n}", "hotline_119", minutes_ago, lat, 121.62, "仓库起火")

    for n, minutes_ago in enumerate([60, 59, 58, 57]):
        glue.correlate(origin, report(n, minutes_ago))  # the fourth drops r0
    late = report(4, 120)
    glue.correlate(origin, late)  # r4 comes late: it is the least recently active, dropped
    assert decode_entry(table["hotline_119:r4"])["_retired"] == ["hotline_119:r4"]
    assert [decode_entry(table[f"hotline_119:r{n}"])["_dropped"] for n in (0, 4)] == [4, 5]

    rebuilt = IncidentCorrelator(topics, bound, table, retired_max=2)  # the next owner
    rebuilt.correlate(origin, report(5, 56))  # drops r1: one over the memory of 2
    assert "hotline_119:r0" not in table  # the earliest dropped is forgotten, not r4
    before = dict(table)
    assert rebuilt.correlate(origin, late) == []
    assert table == before
    # the count of reports goes on from the drops, not back to the kept incidents' count
    assert rebuilt._state("310115").seq == 6
