"""Is a local service answering? Probes for the Kafka broker and the Elasticsearch node."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def kafka_answers(
    port: int, timeout_s: float = 5.0, client_config: dict[str, Any] | None = None
) -> bool:
    """True when a broker on 127.0.0.1:port answers a metadata request.

    ``client_config`` holds extra kafka-python arguments (security protocol, SASL
    credentials, CA file) for a broker whose listener is not PLAINTEXT.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=[f"127.0.0.1:{port}"],
            request_timeout_ms=int(timeout_s * 1000),
            client_id="citywatch-probe",
            **(client_config or {}),
        )
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def es_version(port: int, timeout_s: float = 5.0) -> str | None:
    """The node's version when Elasticsearch on 127.0.0.1:port answers, else None.

    Asks the nodes API: the integ-test distribution answers ``GET /`` with 405.
    """
    url = f"http://127.0.0.1:{port}/_nodes/_local?filter_path=nodes.*.version"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            nodes = json.load(resp).get("nodes", {})
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return next((n.get("version") for n in nodes.values()), None) or "unknown"


def es_healthy(port: int, timeout_s: float = 5.0) -> bool:
    """True when the cluster health is yellow or green."""
    url = f"http://127.0.0.1:{port}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return json.load(resp).get("status") in ("yellow", "green")
    except (urllib.error.URLError, OSError, ValueError):
        return False
