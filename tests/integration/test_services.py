"""The local services are real: independent clients agree byte for byte."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from pipeline.clients import kafka_python_config

pytestmark = pytest.mark.integration

PAYLOAD = "浦东新区 火警 ✓ — fire near Lujiazui".encode() + bytes([0, 1, 254, 255])


def test_kafka_python_message_is_read_back_by_kcat(kafka_bootstrap, settings, topic_factory):
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        pytest.fail("kcat is not installed (Debian package 'kcat'); `make setup` installs it")
    topic = topic_factory("kcat")
    producer = KafkaProducer(acks="all", **kafka_python_config(settings))
    producer.send(topic, key=b"k1", value=PAYLOAD).get(timeout=30)
    producer.close()
    result = subprocess.run(
        [
            kcat,
            "-C",
            "-b",
            kafka_bootstrap,
            "-t",
            topic,
            "-o",
            "beginning",
            "-c",
            "1",
            "-e",
            "-f",
            "%s",
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == PAYLOAD


async def test_faust_app_round_trips_an_event(kafka_bootstrap, settings, topic_factory):
    import faust

    src_name, dst_name = topic_factory("faust-in"), topic_factory("faust-out")
    app = faust.App(
        f"citywatch-test-{uuid.uuid4().hex[:8]}",
        broker=f"kafka://{kafka_bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_partitions=1,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
    )
    src = app.topic(src_name, value_serializer="raw")
    dst = app.topic(dst_name, value_serializer="raw")

    @app.agent(src)
    async def relay(stream):
        async for value in stream:
            await dst.send(value=value[::-1])

    await app.start()
    try:
        producer = KafkaProducer(acks="all", **kafka_python_config(settings))
        producer.send(src_name, value=PAYLOAD).get(timeout=30)
        producer.close()
        consumer = KafkaConsumer(
            dst_name,
            auto_offset_reset="earliest",
            consumer_timeout_ms=1000,
            **kafka_python_config(settings),
        )
        received: list[bytes] = []
        for _ in range(60):
            received.extend(m.value for m in consumer)
            if received:
                break
            await asyncio.sleep(0.5)
        consumer.close()
    finally:
        await app.stop()
    assert received == [PAYLOAD[::-1]]


def test_elasticsearch_indexes_and_finds_a_document(es, unique_name):
    index = unique_name("citywatch-test")
    try:
        es.index(
            index=index,
            id="r1",
            document={"description": "Fire at Lujiazui, 浦东新区火灾"},
            refresh="wait_for",
        )
        hits = es.search(index=index, query={"match": {"description": "lujiazui"}})["hits"]
        assert [h["_id"] for h in hits["hits"]] == ["r1"]
        hits = es.search(index=index, query={"match_phrase": {"description": "火灾"}})["hits"]
        assert hits["total"]["value"] == 1
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)


def test_required_services_fail_instead_of_skipping(tmp_path):
    """With CITYWATCH_REQUIRE_SERVICES=1, an unreachable broker is a failure, not a skip."""
    env = dict(os.environ)
    env.update(
        CITYWATCH_REQUIRE_SERVICES="1",
        CITYWATCH_KAFKA_BOOTSTRAP="127.0.0.1:1",
        CITYWATCH_ES_URL="http://127.0.0.1:1",
    )
    here = Path(__file__)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{here}::test_kafka_python_message_is_read_back_by_kcat",
            f"{here}::test_elasticsearch_indexes_and_finds_a_document",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        cwd=here.parents[2],
    )
    assert result.returncode == 1, result.stdout
    assert "2 errors" in result.stdout or "2 failed" in result.stdout, result.stdout
    assert "skipped" not in result.stdout
