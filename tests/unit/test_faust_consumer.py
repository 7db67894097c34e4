"""The commit bookkeeping of the app's consumer (pure parts: no broker involved)."""

import time
from collections import defaultdict
from types import SimpleNamespace

from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from intervaltree import IntervalTree

from pipeline.app import CitywatchApp, create_app
from pipeline.faust_consumer import STALL_S, CommittedStartConsumer, head_acknowledged
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


def _bookkeeping(committed=None, start=None, acked=()):
    """A consumer with only the commit bookkeeping set (``_new_offset`` reads nothing else)."""
    consumer = object.__new__(CommittedStartConsumer)
    consumer._acked = defaultdict(list, {TP0: list(acked)})
    consumer._acked_index = defaultdict(set, {TP0: set(acked)})
    consumer._gap = defaultdict(IntervalTree)
    consumer._committed_offset = defaultdict(lambda: None, {TP0: committed})
    consumer._start_offset = {} if start is None else {TP0: start}
    consumer._held_since = {}
    consumer._rewound_to = {}
    consumer._log_start = {}
    consumer._read_offset = {}
    consumer.highwaters = {}
    consumer.highwater = consumer.highwaters.get
    consumer.rewinds = []
    consumer._rewind = lambda tp, at: consumer.rewinds.append((tp, at))
    return consumer


def _held_for(consumer: CommittedStartConsumer, seconds: float) -> None:
    """As if the commit of TP0 had been waiting for ``seconds``."""
    at, _ = consumer._held_since[TP0]
    consumer._held_since[TP0] = (at, time.monotonic() - seconds)


def test_a_fresh_partition_commits_once_its_start_is_acknowledged():
    blocked = _bookkeeping(start=0, acked=[2, 3])
    assert blocked._new_offset(TP0) is None
    assert blocked.rewinds == []  # not yet: the message at the start may be on its way
    _held_for(blocked, STALL_S)
    assert blocked._new_offset(TP0) is None
    # offsets 0 and 1 were dropped: the partition is read again from its start
    assert blocked.rewinds == [(TP0, 0)]
    assert _bookkeeping(acked=[0, 1])._new_offset(TP0) is None  # start unknown
    consumer = _bookkeeping(start=0, acked=[0, 1, 2, 5])
    assert consumer._new_offset(TP0) == 3
    assert consumer._acked[TP0] == [5]


def test_a_committed_offset_of_zero_is_checked_like_none():
    assert _bookkeeping(committed=0, start=0, acked=[3, 4])._new_offset(TP0) is None


def test_offsets_acknowledged_twice_commit_in_one_step():
    # 100..199 acknowledged, 101..150 again after a seek back; Faust's own method advanced
    # one offset per commit here (observed: 450 offsets behind for minutes)
    consumer = _bookkeeping(committed=100, acked=[*range(100, 200), *range(101, 151)])
    assert consumer._new_offset(TP0) == 200
    assert consumer._acked[TP0] == []


async def test_a_gap_seen_by_the_fetch_loop_counts_nothing_as_handled():
    # 351 and 352 were not delivered and 353 is being delivered: the fetch loop records
    # 351..353 as a gap (its interval ends at the record itself), and Faust counts it as
    # handled. Observed: two incident updates, each alone in a run of indexed offsets,
    # committed unread.
    consumer = _bookkeeping(committed=340, acked=[*range(340, 351), 354])
    await consumer._add_gap(TP0, 351, 353)
    assert consumer._new_offset(TP0) == 351
    assert consumer._new_offset(TP0) is None  # 351 is awaited, and read again if it stays
    consumer._acked[TP0].extend([351, 352, 353])
    consumer._committed_offset[TP0] = 351
    assert consumer._new_offset(TP0) == 355


def test_records_lost_at_the_end_of_a_quiet_partition_are_read_again():
    # 1010 was the last record, passed by the client and never delivered: no record after
    # it shows a gap, and nothing is acknowledged to hold the commit (observed: lag 1 for
    # good in scenario 15)
    consumer = _bookkeeping(committed=1010)
    consumer._read_offset[TP0] = 1009
    consumer.highwaters[TP0] = 1011
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == []  # the record may be on its way
    _held_for(consumer, STALL_S)
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == [(TP0, 1010)]


def test_a_partition_delivered_to_its_end_or_with_work_under_way_is_not_read_again():
    caught_up = _bookkeeping(committed=1011)
    caught_up._read_offset[TP0] = 1010
    caught_up.highwaters[TP0] = 1011
    busy = _bookkeeping(committed=900)  # 900-1009 delivered, being handled
    busy._read_offset[TP0] = 1009
    busy.highwaters[TP0] = 1011
    for consumer in (caught_up, busy):
        consumer._new_offset(TP0)
        assert consumer._held_since == {}


def test_offsets_removed_by_retention_start_the_commit_at_the_log_start():
    consumer = _bookkeeping(committed=100, acked=[500, 501])
    consumer._log_start[TP0] = 500  # found by the read again from 100 (see _rewind)
    assert consumer._new_offset(TP0) == 502
    later = _bookkeeping(committed=100, acked=[503])
    later._log_start[TP0] = 500
    later._new_offset(TP0)
    _held_for(later, STALL_S)
    later._new_offset(TP0)
    assert later.rewinds == [(TP0, 500)]


def _rewinding(assigned=(TP0,), log_start=0):
    """A consumer whose ``_rewind`` runs its seek at once, against a log starting at
    ``log_start``; returns it and the seeks made."""
    consumer = _bookkeeping()
    del consumer._rewind  # the real one
    seeks = []
    pending = []

    async def earliest_offsets(*tps):
        return {tp: log_start for tp in tps}

    async def seek(tp, offset):
        seeks.append((tp, offset))

    consumer.assignment = lambda: set(assigned)
    consumer.earliest_offsets = earliest_offsets
    consumer.seek = seek
    consumer.add_future = pending.append
    return consumer, seeks, pending


async def test_a_partition_is_read_again_from_the_offset_awaited():
    consumer, seeks, pending = _rewinding(log_start=0)
    consumer._rewind(TP0, 100)
    await pending.pop()
    assert seeks == [(TP0, 100)] and consumer._log_start == {}


async def test_a_read_again_below_the_log_start_goes_on_from_the_log_start():
    consumer, seeks, pending = _rewinding(log_start=500)
    consumer._rewind(TP0, 100)
    await pending.pop()
    assert seeks == [(TP0, 500)] and consumer._log_start == {TP0: 500}


async def test_a_partition_no_longer_assigned_is_not_read_again():
    consumer, seeks, pending = _rewinding(assigned=())
    consumer._rewind(TP0, 100)
    await pending.pop()
    assert seeks == []


def test_a_committed_partition_commits_from_its_committed_offset():
    assert _bookkeeping(committed=100, acked=[100, 101, 102])._new_offset(TP0) == 103
    assert _bookkeeping(committed=100, acked=[103, 104])._new_offset(TP0) is None


def test_the_offset_after_the_committed_one_does_not_pass_at_once():
    # Faust commits past a committed offset whose message never came when the next one
    # was handled: a message dropped there was lost (observed: 4 of 3,000 reports)
    consumer = _bookkeeping(committed=100, acked=[101, 102])
    assert consumer._new_offset(TP0) is None
    _held_for(consumer, STALL_S)
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == [(TP0, 100)]
    # read again from 100 and it still did not come: no message there (a transaction
    # marker, or removed by retention), so the commit goes on
    consumer._rewound_to[TP0] = (100, time.monotonic())
    assert consumer._new_offset(TP0) is None
    consumer._rewound_to[TP0] = (100, time.monotonic() - STALL_S)
    assert consumer._new_offset(TP0) == 103


def test_only_the_single_offset_read_again_is_taken_as_no_message():
    consumer = _bookkeeping(committed=100, acked=[102, 103])
    consumer._rewound_to[TP0] = (100, time.monotonic() - STALL_S)
    assert consumer._new_offset(TP0) is None


def test_a_committed_partition_whose_next_offset_stays_unacknowledged_is_read_again():
    # offsets 2-14 were dropped after the seek that follows the assignment; 15 on were
    # handled. Observed: the commit stayed at 2 for minutes.
    consumer = _bookkeeping(committed=2, acked=range(15, 40))
    assert consumer._new_offset(TP0) is None
    _held_for(consumer, STALL_S / 2)
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == []
    _held_for(consumer, STALL_S)
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == [(TP0, 2)]
    # read again: 2-14 acknowledged, and the commit moves on at once
    consumer._acked[TP0].extend(range(2, 15))
    assert consumer._new_offset(TP0) == 40
    assert consumer._held_since == {}


def test_the_wait_starts_again_when_the_commit_moved():
    consumer = _bookkeeping(committed=2, acked=[15])
    consumer._new_offset(TP0)
    _held_for(consumer, STALL_S)
    consumer._committed_offset[TP0] = 12  # another offset is awaited now
    assert consumer._new_offset(TP0) is None
    assert consumer.rewinds == []


class _Batches:
    """Stands in for Faust's ``getmany``: yields ``(tp, offset)`` records as messages,
    running ``during`` before the record at index ``at`` (a seek made meanwhile)."""

    def __init__(self, records, at=None, during=None):
        self.records, self.at, self.during = records, at, during

    async def __call__(self, timeout):
        for i, (tp, offset) in enumerate(self.records):
            if i == self.at:
                self.during()
            yield tp, SimpleNamespace(offset=offset)


async def _drain(consumer, monkeypatch, batches):
    monkeypatch.setattr(aiokafka_driver.Consumer, "getmany", batches, raising=False)
    return [(tp.partition, m.offset) async for tp, m in consumer.getmany(timeout=1.0)]


def _fetching():
    consumer = object.__new__(CommittedStartConsumer)
    consumer._seeks = 0
    consumer._expect = {}
    consumer._read_offset = {}
    return consumer


def _seek(consumer, tp, offset):
    """What ``seek`` records once the position is set."""
    consumer._sought({tp: offset})


TP1 = TP("t", 1)


async def test_records_fetched_before_their_partition_was_sought_are_not_delivered(
    monkeypatch,
):
    consumer = _fetching()
    records = [(TP0, 5), (TP1, 7), (TP0, 6), (TP1, 8), (TP0, 7)]
    batches = _Batches(records, at=2, during=lambda: _seek(consumer, TP0, 3))
    # TP0 is fetched again from where it was sought; TP1's records all arrive
    assert await _drain(consumer, monkeypatch, batches) == [(0, 5), (1, 7), (1, 8)]
    # the message on its way during the seek recorded its offset, past the sought position
    consumer._read_offset[TP0] = 5
    # the next fetch is taken whole, and its first record of TP0 sets the read offset to
    # its own offset, so 3 and 4 are not dropped as already read
    again = [(TP0, 3), (TP1, 9), (TP0, 4)]
    assert await _drain(consumer, monkeypatch, _Batches(again)) == [(0, 3), (1, 9), (0, 4)]
    assert consumer._read_offset == {TP0: 3} and consumer._expect == {}


async def test_a_fetch_under_way_during_the_seek_is_taken_from_the_position_sought(
    monkeypatch,
):
    consumer = _fetching()
    batches = _Batches([(TP0, 3), (TP0, 4)], at=0, during=lambda: _seek(consumer, TP0, 3))
    assert await _drain(consumer, monkeypatch, batches) == [(0, 3), (0, 4)]


async def test_a_position_with_no_message_is_passed_by_the_next_fetch(monkeypatch):
    consumer = _fetching()
    _seek(consumer, TP0, 3)  # 3 and 4 were removed by retention
    consumer._read_offset[TP0] = 3  # what Faust's seek set
    assert await _drain(consumer, monkeypatch, _Batches([(TP0, 5)])) == [(0, 5)]
    # read from 5: the fetch loop counts no gap before it (3 and 4 are not taken as
    # handled; were they only lost, the commit would wait for them and read them again)
    assert consumer._read_offset == {TP0: 5} and consumer._expect == {}


async def test_a_seek_is_made_in_the_consumers_thread():
    # Faust seeks from the app's thread while the consumer's thread may be fetching
    # (observed: KeyError in aiokafka's fetched_records, and the worker crashed)
    calls = []

    class Client:
        def seek(self, tp, offset):
            calls.append(("seek", tp, offset))

    class Thread:
        def _ensure_consumer(self):
            return Client()

        def seek(self, tp, offset):
            raise AssertionError("seek called from the app's thread")

        async def call_thread(self, method, *args):
            calls.append("in the consumer's thread")
            return method(*args)

    consumer = object.__new__(CommittedStartConsumer)
    consumer._thread = Thread()
    await consumer._seek(TP0, 42)
    assert calls == ["in the consumer's thread", ("seek", TP0, 42)]


def test_the_app_builds_its_consumer_from_the_safe_class():
    app = create_app(Settings())
    assert isinstance(app, CitywatchApp)
    assert app.transport.Consumer is CommittedStartConsumer


def _acking(generation=3, flowing=True):
    consumer = _bookkeeping()
    consumer._acked = defaultdict(list)
    consumer._acked_index = defaultdict(set)
    consumer._committed_offset = defaultdict(lambda: None)
    consumer._unacked_messages = set()
    consumer._n_acked = 0
    consumer._waiting_for_ack = None
    flow = SimpleNamespace(is_active=lambda: flowing)
    topics = SimpleNamespace(acks_enabled_for=lambda topic: True)
    consumer.app = SimpleNamespace(
        consumer_generation_id=generation, flow_control=flow, topics=topics
    )
    return consumer


class _Message:
    def __init__(self, offset, generation):
        self.tp, self.topic, self.offset, self.acked = TP0, "t", offset, False
        self.generation_id = generation


def _message(offset, generation=3):
    return _Message(offset, generation)


def test_a_message_acknowledged_in_its_generation_counts():
    consumer = _acking()
    consumer._unacked_messages.add(message := _message(7))
    assert consumer.ack(message) and consumer._acked[TP0] == [7]
    assert not consumer._unacked_messages


def test_a_message_skipped_across_a_rebalance_does_not_count():
    # Faust's streams acknowledge what they skip: a message of an earlier generation, or
    # one reaching them while the flow is suspended; counted, the commit would pass it
    old = _acking(generation=4)
    assert not old.ack(_message(7, generation=3))
    suspended = _acking(flowing=False)
    suspended._unacked_messages.add(message := _message(8))
    assert not suspended.ack(message)
    assert message.acked and not suspended._unacked_messages
    assert old._acked[TP0] == [] and suspended._acked[TP0] == []
