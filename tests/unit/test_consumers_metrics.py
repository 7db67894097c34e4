"""Consumer metrics: the Prometheus text format and the tiny endpoint that serves it."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from consumers.common.metrics import Sample, render, serve_metrics
from pipeline.errors import DependencyError
from pipeline.retry import Backoff, retry_call


def test_render_groups_types_and_escapes_labels():
    text = render(
        [
            Sample("citywatch_consumer_lag", {"topic": "a.b", "partition": "0"}, 3),
            Sample("citywatch_consumer_lag", {"topic": 'q"x', "partition": "1"}, 0),
            Sample("citywatch_alerts_published_total", {}, 2, "counter"),
        ]
    )
    assert text.splitlines() == [
        "# TYPE citywatch_consumer_lag gauge",
        'citywatch_consumer_lag{partition="0",topic="a.b"} 3',
        'citywatch_consumer_lag{partition="1",topic="q\\"x"} 0',
        "# TYPE citywatch_alerts_published_total counter",
        "citywatch_alerts_published_total 2",
    ]


def test_metrics_endpoint_on_loopback():
    server = serve_metrics(lambda: [Sample("citywatch_consumer_lag", {"group": "g"}, 7)])
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            assert r.status == 200 and 'citywatch_consumer_lag{group="g"} 7' in r.read().decode()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=5)
    finally:
        server.shutdown()
        server.server_close()


def test_retry_call_retries_dependency_errors_with_capped_backoff():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 4:
            raise DependencyError("down")
        return "ok"

    result = retry_call(
        "flaky", flaky, retry_on=(DependencyError,), backoff=Backoff(0.1, 0.2), sleep=sleeps.append
    )
    assert result == "ok" and len(calls) == 4 and len(sleeps) == 3
    assert all(0.05 <= s <= 0.2 for s in sleeps)

    def down():
        raise DependencyError("still down")

    with pytest.raises(DependencyError):
        retry_call("down", down, retry_on=(DependencyError,), attempts=2, sleep=lambda s: None)
