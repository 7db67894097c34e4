"""The worker's bulk client, without a node: request headers, node configuration, errors."""

import base64
from pathlib import Path
from types import SimpleNamespace

import certifi

from pipeline.clients import elasticsearch_bulk_client
from pipeline.es_bulk import NDJSON, BulkRequestError
from pipeline.settings import Settings
from pipeline.sink import _is_data_error


def test_plain_http_without_credentials():
    client = elasticsearch_bulk_client(Settings(es_url="http://127.0.0.1:9200"))
    assert client.headers == {"accept": "application/json", "content-type": NDJSON}
    (node,) = client.transport.node_pool.all()
    assert (node.config.scheme, node.config.host, node.config.port) == ("http", "127.0.0.1", 9200)


def test_basic_auth_and_the_ca_of_an_https_node():
    ca = Path(certifi.where())  # any readable CA bundle
    settings = Settings(
        es_url="https://es.example:9243", es_username="cw", es_password="s3cret", es_ca_certs=ca
    )
    client = elasticsearch_bulk_client(settings)
    assert client.headers["authorization"] == "Basic " + base64.b64encode(b"cw:s3cret").decode()
    (node,) = client.transport.node_pool.all()
    assert node.config.scheme == "https" and node.config.ca_certs == str(ca)


def test_an_api_key_wins_over_a_password():
    client = elasticsearch_bulk_client(
        Settings(es_api_key="a2V5", es_username="cw", es_password="x")
    )
    assert client.headers["authorization"] == "ApiKey a2V5"


def test_an_http_error_reads_like_the_client_s_api_error():
    meta = SimpleNamespace(status=400)
    body = {"error": {"type": "x_content_parse_exception", "reason": "unexpected token"}}
    error = BulkRequestError(meta, body)
    assert error.error == "x_content_parse_exception"
    assert "400" in str(error) and "unexpected token" in str(error)
    assert _is_data_error(error)  # the sink writes each half
    assert not _is_data_error(BulkRequestError(SimpleNamespace(status=503), "unavailable"))
