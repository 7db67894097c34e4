"""``citywatch worker`` whose fetch loses records: scenario 15's injection.

Every record of a stream partition (one whose offsets the app commits) at an offset that is
a multiple of ``FAULT_DROP_EVERY`` is dropped between the Kafka client and Faust's fetch
loop, the first time it is fetched, as a record lost to a rebalance or a seek would be. The
client's position has moved past it, so only a read again from its offset brings it back;
the fetch loop sees the next record one offset further on. Each drop is logged with
``FAULT dropped``. Run as ``python -m tests.fault.lossy_fetch_worker worker``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver

EVERY_ENV = "FAULT_DROP_EVERY"
log = logging.getLogger("citywatch.fault")


def drop_records(every: int) -> None:
    """Make the consumer lose each stream record at an offset divisible by ``every``, once."""
    real = aiokafka_driver.Consumer.getmany
    dropped: set[tuple[Any, int]] = set()

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[Any, Any]]:
        async for tp, message in real(self, timeout):
            offset = message.offset
            if (
                offset
                and offset % every == 0
                and (tp, offset) not in dropped
                and self.app.topics.acks_enabled_for(tp.topic)
            ):
                dropped.add((tp, offset))
                log.warning("FAULT dropped %s:%d offset %d", tp.topic, tp.partition, offset)
                continue
            yield tp, message

    aiokafka_driver.Consumer.getmany = getmany


def main() -> None:
    drop_records(int(os.environ[EVERY_ENV]))
    from pipeline.cli import main as citywatch

    citywatch()


if __name__ == "__main__":
    main()
