"""Client configuration derived from settings: kafka-python, aiokafka/faust, Elasticsearch."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from pipeline.settings import Settings

if TYPE_CHECKING:  # the full client is imported by the tools that use it, not the worker
    from elasticsearch import Elasticsearch

    from pipeline.es_bulk import BulkClient


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python producers, consumers and admin clients."""
    conf: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_list(),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol.startswith("SASL"):
        conf["sasl_mechanism"] = settings.kafka_sasl_mechanism
        conf["sasl_plain_username"] = settings.kafka_sasl_username
        conf["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password
            else None
        )
    if settings.kafka_security_protocol.endswith("SSL") and settings.kafka_ssl_cafile:
        conf["ssl_cafile"] = str(settings.kafka_ssl_cafile)
    return conf


def kafka_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """An SSL context for aiokafka/faust when the protocol uses TLS."""
    if not settings.kafka_security_protocol.endswith("SSL"):
        return None
    cafile = str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    return ssl.create_default_context(cafile=cafile)


def elasticsearch_client(settings: Settings, **overrides: Any) -> Elasticsearch:
    """An Elasticsearch client configured from settings."""
    from elasticsearch import Elasticsearch

    return Elasticsearch(**{**_es_kwargs(settings), **overrides})


def _es_kwargs(settings: Settings) -> dict[str, Any]:
    """Hosts, timeout, credentials and CA of the Elasticsearch clients."""
    kwargs: dict[str, Any] = {
        "hosts": settings.es_hosts(),
        "request_timeout": settings.es_request_timeout_s,
    }
    if settings.es_api_key:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca_certs:
        kwargs["ca_certs"] = str(settings.es_ca_certs)
    return kwargs


def elasticsearch_bulk_client(settings: Settings) -> BulkClient:
    """The worker's Elasticsearch client (bulk writes only; retries are the sink's own)."""
    from pipeline.es_bulk import BulkClient

    return BulkClient(**_es_kwargs(settings))
