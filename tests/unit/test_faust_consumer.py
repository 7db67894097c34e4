"""The commit bookkeeping of the app's consumer (pure parts: no broker involved)."""

from collections import defaultdict

from faust.types import TP
from intervaltree import IntervalTree

from pipeline.app import CitywatchApp, create_app
from pipeline.faust_consumer import CommittedStartConsumer, head_acknowledged
from pipeline.settings import Settings

TP0 = TP("t", 0)


def test_nothing_is_committed_before_the_start_is_known():
    assert not head_acknowledged(None, [0, 1, 2])


def test_the_head_must_be_acknowledged():
    assert head_acknowledged(0, [0, 1, 2])
    assert head_acknowledged(40, [40, 41, 42])


def test_a_skipped_head_blocks_the_commit():
    # offsets 0 and 1 were fetched before a rebalance and never delivered
    assert not head_acknowledged(0, [2, 3, 4])
    assert not head_acknowledged(37, [38])
    assert not head_acknowledged(5, [])


def _bookkeeping(committed=None, start=None, acked=(), gaps=()):
    """A consumer with only the commit bookkeeping set (``_new_offset`` reads nothing else)."""
    consumer = object.__new__(CommittedStartConsumer)
    consumer._acked = defaultdict(list, {TP0: list(acked)})
    consumer._acked_index = defaultdict(set, {TP0: set(acked)})
    consumer._gap = defaultdict(IntervalTree)
    for begin, end in gaps:
        consumer._gap[TP0].addi(begin, end)
    consumer._committed_offset = defaultdict(lambda: None, {TP0: committed})
    consumer._start_offset = {} if start is None else {TP0: start}
    consumer.rewinds = []
    consumer._rewind = lambda tp, at: consumer.rewinds.append((tp, at))
    return consumer


def test_a_fresh_partition_commits_once_its_start_is_acknowledged():
    blocked = _bookkeeping(start=0, acked=[2, 3])
    assert blocked._new_offset(TP0) is None
    # offsets 0 and 1 were dropped: the partition is read again from its start
    assert blocked.rewinds == [(TP0, 0)]
    assert _bookkeeping(acked=[0, 1])._new_offset(TP0) is None  # start unknown
    consumer = _bookkeeping(start=0, acked=[0, 1, 2, 5])
    assert consumer._new_offset(TP0) == 3
    assert consumer._acked[TP0] == [5]


def test_a_committed_offset_of_zero_is_checked_like_none():
    assert _bookkeeping(committed=0, start=0, acked=[3, 4])._new_offset(TP0) is None


def test_a_gap_overlapping_acknowledged_offsets_commits_in_one_step():
    # 100..199 delivered and acknowledged before the seek; the fetch loop then recorded
    # 101..150 as a gap. Faust's own method advanced one offset per commit here.
    consumer = _bookkeeping(committed=100, acked=range(100, 200), gaps=[(101, 151)])
    assert consumer._new_offset(TP0) == 200
    assert consumer._acked[TP0] == []


def test_a_committed_partition_keeps_faust_s_check():
    assert _bookkeeping(committed=100, acked=[103, 104])._new_offset(TP0) is None
    assert _bookkeeping(committed=100, acked=[101, 102])._new_offset(TP0) == 103


def test_the_app_builds_its_consumer_from_the_safe_class():
    app = create_app(Settings())
    assert isinstance(app, CitywatchApp)
    assert app.transport.Consumer is CommittedStartConsumer
