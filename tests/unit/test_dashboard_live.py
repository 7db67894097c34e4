"""The live feed's fan-out: every client gets every event; a slow client is dropped."""

from __future__ import annotations

import asyncio
import json

from consumers.dashboard.live import DROPPED, Broadcaster, live_event
from consumers.dashboard.stream import sse
from tests.factories import example_documents


async def test_fan_out_delivers_in_order_and_drops_a_full_queue():
    broadcaster = Broadcaster(queue_size=3)
    broadcaster.attach(asyncio.get_running_loop())
    fast, slow = broadcaster.subscribe(), broadcaster.subscribe()
    received = []

    async def drain():
        while len(received) < 5:
            received.append(await fast.queue.get())

    reader = asyncio.create_task(drain())
    for n in range(5):
        broadcaster.publish([{"n": n}])  # as the consumer thread does, one batch a poll
        await asyncio.sleep(0)
    await asyncio.wait_for(reader, 2)
    assert [e["n"] for e in received] == [0, 1, 2, 3, 4]
    assert slow.dropped and slow.queue.get_nowait() is DROPPED and slow.queue.empty()
    assert broadcaster.clients == 1 and broadcaster.dropped_clients == 1


async def test_publish_from_another_thread():
    broadcaster = Broadcaster(queue_size=10)
    broadcaster.attach(asyncio.get_running_loop())
    sub = broadcaster.subscribe()
    await asyncio.to_thread(broadcaster.publish, [{"n": 1}, {"n": 2}])
    assert [await asyncio.wait_for(sub.queue.get(), 2) for _ in range(2)] == [{"n": 1}, {"n": 2}]


def test_live_event_shapes_documents_and_skips_garbage():
    doc = example_documents()["incidents"]
    event = live_event("incident", json.dumps(doc).encode(), "the-id")
    assert event["type"] == "incident" and event["id"] == "the-id"
    assert event["item"]["message"] == doc["message"]
    assert live_event("warning", b"\xff not json", None) is None
    assert live_event("warning", b"[1, 2]", None) is None


def test_sse_frames_one_event():
    frame = sse("incident", {"a": "火"}, "id-1")
    assert frame == 'event: incident\nid: id-1\ndata: {"a":"火"}\n\n'
