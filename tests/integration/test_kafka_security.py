"""Kafka SASL/SCRAM over TLS: every citywatch client authenticates; others are refused.

A broker of the test's own is started with a SASL_SSL client listener only: a throw-away
CA and broker certificate made with openssl, SCRAM-SHA-512 users created when its storage
is formatted. The worker, ``citywatch produce`` and a kafka-python consumer (what the
downstream consumers use) work with the right credentials; a wrong password, a plaintext
connection and TLS without the CA are refused.

kcat is not used here: the librdkafka of Debian 12 (2.0.2) fails SCRAM against Kafka 4.x
brokers (a client-nonce bug fixed in librdkafka 2.6.1), whatever the credentials.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from pydantic import SecretStr

from pipeline.clients import kafka_python_config
from pipeline.services.security import KafkaSecurity, ScramUser, generate_tls
from pipeline.settings import Settings
from pipeline.synthetic import synthetic_reports
from tests.fault.deployment import ROOT, Deployment, scoped_settings
from tests.fault.invariants import check_invariants, expect_synthetic
from tests.fault.isolated import Isolated
from tests.fault.verdict import settle

pytestmark = pytest.mark.integration

WORKER = ScramUser.generated("citywatch-worker")


@pytest.fixture(scope="module")
def secure_broker(settings, tmp_path_factory) -> Iterator[Isolated]:
    tls = generate_tls(tmp_path_factory.mktemp("kafka-tls"))
    security = KafkaSecurity(tls=tls, broker_user=ScramUser.generated("broker"), users=(WORKER,))
    own = Isolated(settings, kafka=True, security=security)
    try:
        own.up()
        yield own
    finally:
        own.down()


def client_settings(broker: Isolated, user: ScramUser = WORKER, **update) -> Settings:
    """Settings of a citywatch client of the secure broker."""
    assert broker.security is not None
    values = {
        "kafka_security_protocol": "SASL_SSL",
        "kafka_sasl_mechanism": broker.security.mechanism,
        "kafka_sasl_username": user.name,
        "kafka_sasl_password": SecretStr(user.password),
        "kafka_ssl_cafile": broker.security.tls.ca_cert,
        **update,
    }
    return broker.settings.model_copy(update=values)


def refused(settings: Settings) -> bool:
    """True when an admin client with these settings cannot list the topics."""
    try:
        admin = KafkaAdminClient(
            request_timeout_ms=8000, bootstrap_timeout_ms=8000, **kafka_python_config(settings)
        )
    except (KafkaError, OSError, ValueError):
        return True
    try:
        admin.list_topics()
        return False
    except (KafkaError, OSError):
        return True
    finally:
        admin.close()


def test_worker_producer_and_consumer_over_sasl_ssl(secure_broker, es, tmp_path):
    scope = scoped_settings(client_settings(secure_broker))
    dep = Deployment.create(scope, es, tmp_path)
    try:
        good = list(synthetic_reports(150, seed=21, run_id="sec"))
        pills = [e for e in synthetic_reports(200, seed=22, poison_ratio=0.1) if e.poison][:10]
        worker = dep.worker().start()
        worker.wait_ready()
        lines = tmp_path / "reports.jsonl"
        lines.write_bytes(b"\n".join(e.value for e in good) + b"\n")
        argv = [sys.executable, "-m", "pipeline.cli", "produce", str(lines)]
        argv += ["--topic", dep.topics.reports]
        produced = subprocess.run(argv, cwd=ROOT, env=dep.env(), capture_output=True, timeout=120)
        assert produced.returncode == 0, produced.stderr[-2000:]
        producer = KafkaProducer(acks="all", **kafka_python_config(scope))
        for e in pills:
            producer.send(dep.topics.reports, key=e.key, value=e.value).get(timeout=30)
        producer.close()
        watched = {dep.topics.reports: expect_synthetic(good + pills)}
        settled = settle(dep, watched, time.monotonic())
        assert settled.within_limit, settled.describe() + worker.logs()
        check_invariants(scope, es, watched).assert_held()
        consumer = KafkaConsumer(
            dep.topics.classified,
            group_id=f"{scope.app_id}-reader",
            auto_offset_reset="earliest",
            consumer_timeout_ms=10000,
            **kafka_python_config(scope),
        )
        read = [json.loads(m.value)["event"]["id"] for m in consumer]
        consumer.close()
        assert read, "a consumer with credentials read nothing from incidents.classified"
    finally:
        dep.close()


def test_a_wrong_password_is_refused(secure_broker):
    wrong = ScramUser(WORKER.name, WORKER.password + "x")
    assert not refused(client_settings(secure_broker))
    assert refused(client_settings(secure_broker, wrong))
    assert refused(client_settings(secure_broker, ScramUser("nobody", "secret")))


def test_plaintext_and_unverified_tls_are_refused(secure_broker):
    assert refused(client_settings(secure_broker, kafka_security_protocol="PLAINTEXT"))
    assert refused(client_settings(secure_broker, kafka_security_protocol="SASL_PLAINTEXT"))
    assert refused(client_settings(secure_broker, kafka_ssl_cafile=None)), "untrusted cert"
