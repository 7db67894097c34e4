"""Faust's Kafka consumer, made safe for partitions that have no committed offset yet.

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

:class:`CommittedStartConsumer` closes both: a partition without a committed offset (or
with 0) is sought explicitly to where the group's reset policy starts it, and no offset is
committed for it until the message at that start has been acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP

from pipeline.errors import ConfigError


def head_acknowledged(start: int | None, acked: Iterable[int], gap_begins: Iterable[int]) -> bool:
    """Whether a partition's acknowledged offsets (and the offset ranges Faust saw missing
    from the log, which count as handled) reach back to ``start``, its first offset in this
    assignment. Without a known start nothing may be committed."""
    if start is None:
        return False
    lowest = min([*acked, *gap_begins], default=None)
    return lowest is not None and lowest <= start


class CommittedStartConsumer(aiokafka_driver.Consumer):
    """The aiokafka-driver consumer with explicit start positions; see the module doc."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_offset: dict[TP, int] = {}

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
        return committed

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
        if not self._committed_offset[tp]:
            acked = self._acked[tp]
            if not acked:
                return None
            gap = self._gap[tp]
            gap_begins = [iv.begin for iv in gap.overlap(0, max(acked) + 1)] if gap else []
            if not head_acknowledged(self._start_offset.get(tp), acked, gap_begins):
                return None
        return super()._new_offset(tp)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self._start_offset.pop(tp, None)
        await super().on_partitions_revoked(revoked)
