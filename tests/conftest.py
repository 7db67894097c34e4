"""Shared fixtures: settings, and real Kafka / Elasticsearch clients for integration tests.

With ``CITYWATCH_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing service fails the
test that needs it; otherwise that test is skipped with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from pipeline.settings import Settings


def service_unavailable(what: str, required: bool) -> None:
    """Fail (services required) or skip (developer machine without services)."""
    message = f"{what} is not reachable"
    if required:
        pytest.fail(f"{message} and CITYWATCH_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{message}; start it with `citywatch services up`")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def kafka_bootstrap(settings: Settings) -> str:
    """The bootstrap servers of a broker that answers a metadata request."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    from pipeline.clients import kafka_python_config

    try:
        admin = KafkaAdminClient(request_timeout_ms=5000, **kafka_python_config(settings))
        admin.list_topics()
        admin.close()
    except (KafkaError, OSError) as exc:
        service_unavailable(
            f"Kafka at {settings.kafka_bootstrap} ({exc!r})", settings.require_services
        )
    return settings.kafka_bootstrap


@pytest.fixture(scope="session")
def es(settings: Settings):
    """A real Elasticsearch client whose cluster is yellow or green."""
    from elasticsearch import ApiError, TransportError

    from pipeline.clients import elasticsearch_client

    client = elasticsearch_client(settings)
    try:
        health = client.cluster.health(wait_for_status="yellow", timeout="10s")
        if health["status"] not in ("yellow", "green"):
            raise RuntimeError(f"cluster status {health['status']}")
    except (ApiError, TransportError, RuntimeError) as exc:
        service_unavailable(
            f"Elasticsearch at {settings.es_url} ({exc!r})", settings.require_services
        )
    yield client
    client.close()


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Makes uuid-suffixed names for topics, indices and groups."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture
def topic_factory(kafka_bootstrap: str, settings: Settings) -> Iterator[Callable[..., str]]:
    """Creates uuid-named topics and deletes them after the test."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    from pipeline.clients import kafka_python_config

    admin = KafkaAdminClient(**kafka_python_config(settings))
    created: list[str] = []

    def make(prefix: str = "test", partitions: int = 1) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        admin.create_topics([NewTopic(name, partitions, 1)])
        created.append(name)
        return name

    yield make
    if created:
        admin.delete_topics(created)
    admin.close()
