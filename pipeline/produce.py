"""``citywatch produce``: publish JSON Lines to a topic, byte for byte, keyed by event id."""

from __future__ import annotations

import json
import time
from pathlib import Path

from kafka import KafkaProducer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.clients import kafka_python_config
from pipeline.settings import Settings

KEY_FIELDS = ("sensor_id", "report_id", "finding_id")


def event_key(line: bytes) -> bytes | None:
    """The partition key of an event: its sensor, report or finding id when readable.

    Readings are keyed by sensor so each sensor's readings stay in order on one partition.
    Unreadable lines get no key; the pipeline dead-letters them.
    """
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    for name in KEY_FIELDS:
        value = obj.get(name)
        if isinstance(value, str) and value:
            return value.encode("utf-8")
    return None


def produce_file(
    settings: Settings, path: Path, topic: str, console: Console, rate: float | None = None
) -> int:
    """Send every non-empty line of ``path`` to ``topic``; returns the count acknowledged.

    ``rate`` (events per second) paces the sends; None sends as fast as the broker takes.
    """
    lines = [ln for ln in path.read_bytes().splitlines() if ln.strip()]
    producer = KafkaProducer(
        acks="all", linger_ms=5, max_request_size=4 * 1024 * 1024, **kafka_python_config(settings)
    )
    try:
        futures = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"produce -> {topic}", total=len(lines))
            started = time.monotonic()
            for n, line in enumerate(lines):
                if rate:
                    delay = started + n / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                futures.append(producer.send(topic, value=line, key=event_key(line)))
                progress.advance(task)
            producer.flush()
        for f in futures:
            f.get(timeout=30)
        return len(futures)
    finally:
        producer.close()
