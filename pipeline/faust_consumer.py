"""Faust's Kafka consumer, made safe against skipping messages across rebalances.

After every rebalance Faust drops what it fetched but did not deliver, and seeks each
partition back to its committed offset so the dropped messages are fetched again. Two gaps
let messages be skipped for good when a partition has no committed offset, or a committed
offset of 0 (a group that has not committed yet: workers started together on fresh
topics):

- aiokafka's ``seek_to_committed`` seeks only when the committed offset is above 0, so the
  fetch position stays wherever the previous generation's fetches left it (observed: the
  indexer's first message after a rebalance at offsets 37 and 53 rather than 0);
- Faust's commit bookkeeping checks that the acknowledged offsets start at the committed
  offset only when that offset is above 0, so it then commits past the unfetched head.

And one that does not need a fresh partition: Faust's fetch loop can record a read offset
for a message of the previous generation after the revocation has cleared them; in the new
generation it then drops the messages below that offset as already read (observed: six raw
reports, offsets 3163-3168, never processed and committed past).

:class:`CommittedStartConsumer` closes all three: a partition without a committed offset
(or with 0) is sought explicitly to where the group's reset policy starts it, no offset is
committed for it until the message at that start has been acknowledged, and the read
offsets are cleared again when the new assignment arrives. It also keeps the commit from
crawling one offset at a time after such a rebalance (see :meth:`_new_offset`).

Two more close the same kind of gap inside one generation. Faust fetches the streams'
partitions while its seek to the committed offsets is under way, and the fetch the
consumer's thread has in hand when a seek is made comes back afterwards, from the old
position: delivered, those records set read offsets past the sought position, and the
messages fetched again from there are dropped as already read (observed: offsets 0-222 of
a partition after every restart with a backlog, some of them never handled). So after a
seek a partition's records are taken only from the position sought, or from a fetch begun
after the seek (:meth:`getmany`); and whatever the cause, a partition whose next offset to
commit stays unacknowledged while later ones are acknowledged is read again from that
offset (:meth:`_held_back`), rather than committing nothing until the next rebalance.

Last, Faust lets the commit pass over the committed offset when the offset after it has been
acknowledged (meant for a transaction marker, which is never delivered): a message dropped
there was committed past and lost (the likely path of 4 of 3,000 reports lost after a
restart). Here the partition is read again from that offset first, and only an offset that
still does not come is taken as no message (:meth:`_absent`). Nor do the acknowledgements
Faust's streams give the messages they skip across a rebalance count (:meth:`ack`).

Nor, finally, do the fetch loop's "gaps" (:meth:`_add_gap`). When a record arrives more
than one offset past the partition's read offset, Faust counts the offsets in between as
handled, taking them for offsets with no message; and its interval ends at the arriving
record itself, so that record counts as handled before any stream has seen it. The read
offset is moved by every seek, so the offsets in between are often messages that were
only not delivered (observed: two incident updates, each alone in a run of indexed
offsets, committed unread). Here only acknowledged offsets are committed: an offset that
does not come holds the commit and is read again (:meth:`_held_back`; at the end of a
partition that stays quiet, :meth:`_check_tail`); a single offset that still does not
come is a transaction marker (:meth:`_absent`); offsets below the log's start were
removed by retention (:meth:`_rewind`). Seeks are made in the consumer's thread
(:meth:`_seek`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, Message
from faust.utils.functional import consecutive_numbers

from pipeline.errors import ConfigError

log = logging.getLogger("citywatch.consumer")

STALL_S = 5.0
"""How long a partition's next offset to commit may stay unacknowledged, while later
offsets are acknowledged, before the partition is read again from it. Each stream handles
its messages in order, so this only lasts while the message is lost to the stream."""

REWIND_AFTER_S = 10.0
"""A partition is sought back to an unacknowledged offset at most this often."""


def head_acknowledged(start: int | None, acked: Iterable[int]) -> bool:
    """Whether a partition's acknowledged offsets reach back to ``start``, its first offset
    in this assignment. Without a known start nothing may be committed."""
    if start is None:
        return False
    lowest = min(acked, default=None)
    return lowest is not None and lowest <= start


class CommittedStartConsumer(aiokafka_driver.Consumer):
    """The aiokafka-driver consumer with explicit start positions; see the module doc."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_offset: dict[TP, int] = {}
        self._held_since: dict[TP, tuple[int, float]] = {}
        self._rewound_to: dict[TP, tuple[int, float]] = {}
        """The offset each partition was last read again from, and when."""
        self._seeks = 0
        """Seeks made so far; a fetch notes it when it begins."""
        self._expect: dict[TP, tuple[int, int]] = {}
        """Partitions sought: the position their next record is expected at, and the count
        of seeks once the seek was done."""
        self._log_start: dict[TP, int] = {}
        """Partitions read again from an offset retention had removed: their log's start."""

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        # only the streams' partitions: table changelogs are read by recovery and standbys
        # from offsets of their own, and Faust commits nothing for them
        acking = self.app.topics.acks_enabled_for
        fresh = [tp for tp, offset in committed.items() if not offset and acking(tp.topic)]
        self._start_offset = {TP(tp.topic, tp.partition): o for tp, o in committed.items() if o}
        if fresh:
            starts = await self._thread.call_thread(self._seek_to_reset_position, fresh)
            self._start_offset.update(starts)
        # every stream partition has been sought: aiokafka's seek, or the one above
        sought = {tp: o for tp, o in self._start_offset.items() if acking(tp.topic)}
        self._sought(sought)
        return committed

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        tp = TP(partition.topic, partition.partition)
        self._sought({tp: offset})

    async def _seek(self, partition: TP, offset: int) -> None:
        """Seek in the consumer's thread, as every other call on the Kafka client is made.

        Faust's own ``_seek`` calls the client from the app's thread, while the consumer's
        thread may be handing out fetched records: the client's fetcher then loses its
        place (observed: ``KeyError`` in aiokafka's ``fetched_records``, and the worker
        crashed), or the position the fetch hands out afterwards overrides the seek.
        """
        consumer = self._thread._ensure_consumer()
        await self._thread.call_thread(consumer.seek, partition, offset)

    def _sought(self, positions: Mapping[TP, int]) -> None:
        """Partitions whose fetch position has just been set: the next record of each is
        expected at that position (see :meth:`getmany`)."""
        self._seeks += 1
        self._expect.update((tp, (offset, self._seeks)) for tp, offset in positions.items())

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's batch of records, less those of a partition fetched before it was sought.

        The consumer's thread may be fetching while a seek is made; what it returns then
        can come from the old position. After a seek, a record of the partition is taken
        only at the position sought, or from a fetch that began after the seek was done;
        the others are left out, and are fetched again from the new position. Delivered,
        each would record a read offset past that position, and the fetch loop would drop
        the messages fetched again below it as already read. The message being delivered
        while the seek is made still records its offset when it is done; so the first
        record taken after a seek sets the read offset to its own offset, just before the
        fetch loop reads it: it is delivered. (Offsets missing before it hold the commit,
        see :meth:`_held_back`.)
        """
        began = self._seeks
        expect = self._expect
        async for tp, message in super().getmany(timeout):
            if expect and tp in expect:
                offset, sought = expect[tp]
                if message.offset != offset and sought > began:
                    continue
                del expect[tp]
                self._read_offset[tp] = message.offset
            yield tp, message

    async def _seek_to_reset_position(self, partitions: list[Any]) -> dict[TP, int]:
        """In the consumer's thread: seek ``partitions`` to where the reset policy starts a
        partition without a committed offset; returns those positions."""
        consumer = self._thread._ensure_consumer()
        policy = self.app.conf.consumer_auto_offset_reset
        if policy == "earliest":
            await consumer.seek_to_beginning(*partitions)
        elif policy == "latest":
            await consumer.seek_to_end(*partitions)
        else:
            raise ConfigError(f"unsupported consumer_auto_offset_reset {policy!r}")
        return {TP(tp.topic, tp.partition): await consumer.position(tp) for tp in partitions}

    def _new_offset(self, tp: TP) -> int | None:
        """The offset to commit for ``tp``: past the first run of acknowledged offsets.

        Faust's own method, with three changes: only acknowledged offsets count (not the
        fetch loop's gaps, see :meth:`_add_gap`); a partition without a committed offset
        (or with 0) commits nothing until its start is acknowledged; and the acknowledged
        offsets are deduplicated (a message handled twice, before and after a seek, split
        the run and the commit advanced one offset at a time: observed 450 offsets behind
        for minutes).
        """
        acked = self._acked[tp]
        if not acked:
            self._check_tail(tp)
            return None
        acked[:] = sorted(set(acked))
        committed = self._committed_offset[tp]
        if committed:
            # the message at the committed offset (or the log's start, when retention
            # removed it unread) must have been handled. Faust lets the offset after it
            # pass (for a transaction marker, which is never delivered): a message dropped
            # there was committed past. Here the partition is read again from it first,
            # and only if it still does not come is it taken as no message.
            head = max(committed, self._log_start.get(tp, 0))
            if acked[0] > head and not self._absent(tp, head, acked[0]):
                self._held_back(tp, head)
                return None
        elif not head_acknowledged(start := self._start_offset.get(tp), acked):
            if start is not None:
                self._held_back(tp, start)
            return None
        self._held_since.pop(tp, None)
        run = next(consecutive_numbers(acked))
        del acked[: len(run)]
        self._acked_index[tp].difference_update(run)
        return run[-1] + 1

    def _check_tail(self, tp: TP) -> None:
        """A partition with nothing acknowledged to commit, whose log goes on past what was
        delivered: every delivered offset is committed, yet the client's highwater is
        further on. Records the client passed were not delivered, and none after them
        came to show the gap (the last records of a partition that then stays quiet). Once
        that has lasted :data:`STALL_S`, the partition is read again from the committed
        offset (a record merely on its way is delivered well within that). A transaction
        marker at a partition's end looks the same: that partition is read again every
        :data:`REWIND_AFTER_S` until a record follows the marker, and nothing is skipped
        for it."""
        committed = self._committed_offset[tp]
        read = self._read_offset.get(tp)
        if not committed or read is None or committed <= read:
            return
        highwater = self.highwater(tp)
        if highwater is not None and highwater > committed:
            self._held_back(tp, committed)

    def _absent(self, tp: TP, offset: int, next_handled: int) -> bool:
        """Whether ``offset``, right before the first handled one, is taken as no message:
        the partition was read again from it at least :data:`STALL_S` ago and it did not
        come (a transaction marker, or removed by retention)."""
        rewound = self._rewound_to.get(tp)
        if next_handled != offset + 1 or rewound is None or rewound[0] != offset:
            return False
        if time.monotonic() - rewound[1] < STALL_S:
            return False
        log.warning("%s: offset %d did not come when read again; taken as no message", tp, offset)
        return True

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """The fetch loop's record of offsets it did not deliver: not counted as handled.

        Faust calls this when a record arrives at ``offset_to``, more than one offset past
        the read offset, and counts ``offset_from`` to ``offset_to`` (that record included)
        as handled. The offsets before the record may be messages that were only not
        delivered, and the record itself has not been handled yet; the commit waits for
        their acknowledgements instead, and reads them again if they do not come (see
        :meth:`_new_offset`).
        """
        if offset_to > offset_from:
            log.info(
                "%s: offsets %d-%d not delivered before %d; the commit waits for them",
                tp,
                offset_from,
                offset_to - 1,
                offset_to,
            )

    def ack(self, message: Message) -> bool:
        """Faust's acknowledgement, except for a message its streams skipped unprocessed.

        A stream skips a message that reaches it while the flow is suspended (a rebalance
        under way) or that was fetched in an earlier generation, and acknowledges it, so
        that the lag does not grow; counted, that acknowledgement lets the commit pass a
        message nobody handled. Such a message is delivered again from the committed
        offset after the rebalance instead (one finished across a rebalance is handled
        twice; every output is idempotent).
        """
        app, generation = self.app, message.generation_id
        stale = generation is not None and generation != app.consumer_generation_id
        if stale or not app.flow_control.is_active():
            message.acked = True
            self._unacked_messages.discard(message)
            return False
        return super().ack(message)

    def _held_back(self, tp: TP, at: int) -> None:
        """The commit of ``tp`` waits for offset ``at`` while later offsets are acknowledged;
        once that has lasted :data:`STALL_S`, the partition is read again from ``at``."""
        now = time.monotonic()
        held = self._held_since.get(tp)
        if held is None or held[0] != at:
            self._held_since[tp] = (at, now)
        elif now - held[1] >= STALL_S:
            self._rewind(tp, at)

    def _rewind(self, tp: TP, start: int) -> None:
        """Seek ``tp`` back to ``start``: messages after it were handled while the ones from
        it on were dropped (delivered before a seek, while the streams were held back or the
        fetch loop still delivered a batch from before it). Without this the partition would
        commit nothing until the next rebalance; the messages handled twice are written
        idempotently."""
        now = time.monotonic()
        last = self._rewound_to.get(tp)
        if last is not None and now - last[1] < REWIND_AFTER_S:
            return
        self._rewound_to[tp] = (start, now)
        log.warning("%s: offsets from %d were never handled; reading them again", tp, start)

        async def rewind() -> None:
            try:
                if tp not in self.assignment():
                    return
                log_start = (await self.earliest_offsets(tp)).get(tp, 0)
                if log_start > start:
                    # retention removed them before they were read: the log starts later
                    log.error(
                        "%s: offsets %d-%d were removed by retention before they were "
                        "handled; reading on from %d",
                        tp,
                        start,
                        log_start - 1,
                        log_start,
                    )
                    self._log_start[tp] = log_start
                await self.seek(tp, max(start, log_start))
            except Exception:  # a rebalance took the partition; the next owner starts over
                log.exception("%s: could not seek back to %d", tp, start)

        self.add_future(rewind())  # a task of this service, joined when it stops

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self._start_offset.pop(tp, None)
            self._held_since.pop(tp, None)
            self._rewound_to.pop(tp, None)
            self._expect.pop(tp, None)
            self._log_start.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TP], generation_id: int = 0) -> None:
        # The fetch loop can still record a read offset for a message of the previous
        # generation after the revocation cleared them (a delivery cut short by the
        # rebalance). Left in place, it drops every message of the new generation below it
        # as already read, although none of them was processed.
        self._read_offset.clear()
        await super().on_partitions_assigned(assigned, generation_id)
