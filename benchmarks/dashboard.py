"""Dashboard performance with 10,000 incidents: API latency, page load, SSE fan-out.

Run against the local services (``citywatch services up``)::

    .venv/bin/python -m benchmarks.dashboard --incidents 10000 --clients 50

It indexes the incidents (and a set of warnings) under a uuid prefix, serves the dashboard
with uvicorn on 127.0.0.1, and measures: p50/p95 of each read endpoint, the time until the
page in headless Chromium has loaded everything (when Playwright and Chromium are present),
and the delay from producing an incident to Kafka (from just before the send) until each
of ``--clients`` concurrent SSE clients has it. Everything it created is removed
afterwards. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaProducer

from consumers.dashboard import create_app
from pipeline.clients import elasticsearch_client, kafka_python_config
from pipeline.settings import Settings
from tests.dashboard_support import (
    VIEWER_TOKEN,
    LiveServer,
    deployment,
    incident_docs,
    index_documents,
    new_incident,
    scoped_settings,
    wait_until_live,
    warning_docs,
)

HEADERS = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
ENDPOINTS = {
    "incidents": "/api/incidents?size=50",
    "incidents_filtered": "/api/incidents?size=50&district=310115&level=4&q=fire",
    "incidents_chinese": "/api/incidents?size=50&q=%E5%9C%B0%E9%93%81%E7%AB%99%E5%8F%B0",
    "incidents_page_100": "/api/incidents?size=100&page=99",
    "incident_detail": "/api/incidents/inc-dash-00007",
    "stats": "/api/stats",
    "districts": "/api/districts",
    "warnings_active": "/api/warnings/active",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def api_latency(url: str, repeats: int) -> dict[str, dict[str, float]]:
    out = {}
    with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
        for name, path in ENDPOINTS.items():
            client.get(path).raise_for_status()  # warm-up
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
            }
    return out


def page_load(url: str) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    import tempfile

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        context.add_cookies([{"name": "citywatch_session", "value": VIEWER_TOKEN, "url": url}])
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        elapsed = (time.perf_counter() - started) * 1000
        context.close()
        return round(elapsed, 1)


async def sse_fanout(url: str, scope: Settings, clients: int, events: int) -> dict[str, Any]:
    sent: dict[str, float] = {}
    received: list[float] = []
    ready = asyncio.Event()
    connected = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal connected
        seen = 0
        async with http.stream("GET", "/api/stream") as response:
            async for line in response.aiter_lines():
                if line.startswith("event: hello"):
                    connected += 1
                    if connected == clients:
                        ready.set()
                elif line.startswith("data: ") and '"type":"incident"' in line:
                    now = time.perf_counter()
                    doc_id = json.loads(line[6:])["id"]
                    received.append((now - sent[doc_id]) * 1000)
                    seen += 1
                    if seen == events:
                        return

    producer = KafkaProducer(acks="all", linger_ms=0, **kafka_python_config(scope))

    def send(doc: dict[str, Any]) -> None:
        doc_id = doc["event"]["id"]
        sent[doc_id] = time.perf_counter()
        producer.send(
            scope.topics().classified,
            key=doc_id.encode(),
            value=json.dumps(doc, ensure_ascii=False).encode(),
            headers=[("citywatch.doc_id", doc_id.encode())],
        ).get(timeout=30)

    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as http:
        tasks = [asyncio.create_task(client(http)) for _ in range(clients)]
        await asyncio.wait_for(ready.wait(), 30)
        await asyncio.to_thread(producer.partitions_for, scope.topics().classified)
        for _ in range(events):
            await asyncio.to_thread(send, new_incident())
            await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    producer.close()
    return {
        "clients": clients,
        "events": events,
        "deliveries": len(received),
        "p50_ms": round(statistics.median(received), 1),
        "p95_ms": round(percentile(received, 0.95), 1),
        "max_ms": round(max(received), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000, help="Incidents to index.")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent SSE clients.")
    parser.add_argument("--events", type=int, default=20, help="Live incidents to produce.")
    parser.add_argument("--repeats", type=int, default=50, help="Requests per endpoint.")
    args = parser.parse_args()
    settings = Settings()
    es = elasticsearch_client(settings)
    now = datetime.now(UTC).replace(microsecond=0)
    with deployment(es, scoped_settings(settings)) as scope:
        started = time.perf_counter()
        index_documents(es, scope, "incidents", incident_docs(args.incidents, now))
        index_documents(es, scope, "warnings", warning_docs(now))
        indexed_s = time.perf_counter() - started
        app = create_app(scope)
        with LiveServer(app) as server:
            wait_until_live(app)
            result = {
                "incidents": args.incidents,
                "index_s": round(indexed_s, 1),
                "api": api_latency(server.url, args.repeats),
                "page_load_ms": page_load(server.url),
                "sse": asyncio.run(sse_fanout(server.url, scope, args.clients, args.events)),
            }
    es.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
