"""A stateful agent's batch: its table writes are stored before its outputs are sent."""

from types import SimpleNamespace

from pipeline.processing import OutMessage
from pipeline.stateful_agents import flush_table_writes, handle_batch


class _Buffer:
    """Faust's producer buffer: ``flush`` returns after 0.1 s idle, maybe not empty."""

    def __init__(self, log, pending):
        self.log, self.size = log, pending

    async def flush(self):
        self.log.append("buffer.flush")
        self.size = max(0, self.size - 2)


class _Producer:
    def __init__(self, log, pending=0):
        self.log, self.buffer = log, _Buffer(log, pending)

    async def flush(self):
        self.log.append(f"producer.flush (buffer {self.buffer.size})")


class _Publisher:
    def __init__(self, log):
        self.log = log

    async def publish(self, messages):
        self.log.append(f"publish {len(messages)}")


async def test_the_buffer_is_drained_before_the_sends_in_flight_are_awaited():
    log = []
    await flush_table_writes(_Producer(log, pending=5))
    assert log == ["buffer.flush"] * 3 + ["producer.flush (buffer 0)"]


async def test_outputs_are_published_after_the_batch_s_table_writes_are_stored():
    log = []
    producer = _Producer(log, pending=1)
    stream = SimpleNamespace(app=SimpleNamespace(producer=producer))
    stream._set_current_event = lambda event: log.append(f"handle {event.message.offset}")
    events = [
        SimpleNamespace(
            message=SimpleNamespace(
                topic="t", partition=0, offset=o, key=b"k", headers=[], timestamp=0.0
            ),
            value=b"{}",
        )
        for o in (7, 8)
    ]

    def handle(origin, value):
        return [OutMessage("out", b"k", value)]

    await handle_batch(stream, events, handle, _Publisher(log))
    assert log == [
        "handle 7",
        "handle 8",
        "buffer.flush",
        "producer.flush (buffer 0)",
        "publish 2",
    ]
