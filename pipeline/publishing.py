"""Publishing from agents: event coordinates, and sends acknowledged before a batch acks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import faust

from pipeline.app import Topics
from pipeline.processing import Origin, OutMessage
from pipeline.retry import Backoff, retry_async


def origin_of(event: faust.EventT) -> Origin:
    msg = event.message
    return Origin(
        topic=msg.topic,
        partition=msg.partition,
        offset=msg.offset,
        key=msg.key,
        headers=list(msg.headers or []),
        timestamp=msg.timestamp,
    )


class Publisher:
    """Sends output messages and waits until Kafka acknowledged every one."""

    def __init__(self, topics: Topics, backoff: Backoff) -> None:
        self.topics = topics
        self.backoff = backoff

    async def publish(self, messages: Sequence[OutMessage]) -> None:
        if messages:
            await retry_async(
                f"publish of {len(messages)} messages",
                lambda: self._send_all(messages),
                retry_on=(Exception,),
                backoff=self.backoff,
            )

    async def _send_all(self, messages: Sequence[OutMessage]) -> None:
        # The values are bytes already: straight to the app's producer, without the topic
        # objects' codecs and callbacks; every send is awaited below.
        producer = self.topics.producer
        futures = [
            await producer.send(m.topic, m.key, m.value, None, None, m.headers or None)
            for m in messages
        ]
        await asyncio.gather(*futures)
