"""Helpers for the dashboard's integration and browser tests.

A scoped deployment (uuid-named indices, templates, topics and consumer group, removed
afterwards), generated incident and warning documents across the 16 districts, and a real
uvicorn server in a thread.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
import uvicorn
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError
from pydantic import SecretStr

from pipeline.bootstrap import create_topics, install_templates
from pipeline.clients import kafka_python_config
from pipeline.geo.crs import convert
from pipeline.geo.districts import all_districts, district_polygon, get_district
from pipeline.names import INDEX_KINDS, index_name
from pipeline.processing import DOC_ID_HEADER
from pipeline.settings import Settings
from schemas import ClassifiedIncident, Warning
from schemas.documents import incident_document, warning_document
from tests.factories import classified_factory, warning_factory

OPERATOR_TOKEN = "op-" + uuid.uuid4().hex
VIEWER_TOKEN = "view-" + uuid.uuid4().hex

# (type, category, Chinese description, English description)
KINDS = [
    ("fire", "accident", "居民楼起火,现场有浓烟。", "Fire in a residential building."),
    ("road_traffic", "accident", "高架路两车相撞。", "Two cars collided on the elevated road."),
    (
        "waterlogging",
        "natural_disaster",
        "暴雨导致下立交积水。",
        "Heavy rain flooded the underpass.",
    ),
    (
        "food_poisoning",
        "public_health",
        "学校食堂多名学生呕吐。",
        "Students sick after canteen lunch.",
    ),
    (
        "crowd_crush",
        "social_safety",
        "地铁站台人员密集拥挤。",
        "Crowd surge on the metro platform.",
    ),
    ("gas_supply", "accident", "小区燃气管道泄漏。", "Gas leak in a housing estate, evacuated."),
]
LEVELS = [4, 4, 3, 4, 2, 4, 3, 4, 4, 1, 4, 3]
OUTSIDE = (31.30, 120.60)  # Suzhou, outside Shanghai


def inside_point(code: str, seed: int) -> tuple[float, float]:
    """A WGS 84 ``(lat, lon)`` inside district ``code``, drawn at random from ``seed``."""
    part = max(district_polygon(code).geoms, key=lambda p: p.area)
    rng = random.Random(seed)
    x0, y0, x1, y1 = part.bounds
    for _ in range(1000):
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if part.contains(shapely.Point(lon, lat)):
            return lat, lon
    point = part.point_on_surface()
    return point.y, point.x


def incident_docs(n: int, now: datetime) -> list[dict[str, Any]]:
    """``n`` incident documents, one every 7 minutes back from ``now``, over all districts.

    Alternate rounds of the six kinds are described in Chinese and in English; every 50th
    lies outside the city; every 60th is unclassified; every 7th was merged from two reports
    and re-graded.
    """
    districts = all_districts()
    docs = []
    for i in range(n):
        kind, category, zh, en = KINDS[i % len(KINDS)]
        if i % 60 == 30:  # the classifier could not decide
            kind, category = "unclassified", None
        level = LEVELS[i % len(LEVELS)]
        at = now - timedelta(minutes=7 * i + 1)
        district = None if i % 50 == 49 else districts[i % len(districts)]
        lat, lon = inside_point(district.code, i) if district else OUTSIDE
        g_lat, g_lon = convert(lat, lon, "wgs84", "gcj02")
        report_id = f"r-dash-{i:05d}"
        history = [{"level": level, "at": at.isoformat(), "rule_id": kind, "report_id": report_id}]
        if i % 7 == 0:
            earlier = {"level": 4, "at": (at - timedelta(minutes=3)).isoformat()}
            history.insert(0, {**earlier, "rule_id": kind, "report_id": f"{report_id}-first"})
        data = classified_factory(
            report_id=report_id,
            incident_id=f"inc-dash-{i:05d}",
            description=zh if (i // len(KINDS)) % 2 == 0 else en,
            reported_at=at.isoformat(),
            processed_at=(at + timedelta(seconds=2)).isoformat(),
            type=kind,
            type_hint=None if category is None else kind,
            category=category,
            level=level,
            location={"lat": lat, "lon": lon, "crs": "wgs84"},
            geo={"wgs84": {"lat": lat, "lon": lon}, "gcj02": {"lat": g_lat, "lon": g_lon}},
            district=district.ref() if district else None,
            address=f"{district.name_zh if district else '苏州市'}某路{i}号",
            grade_history=history,
            report_count=len(history),
        )
        docs.append(incident_document(ClassifiedIncident.model_validate(data), ingested_at=now))
    return docs


# warning id, sequence, district, hazard, level, action, previous level, end reason, hours ago
WARNING_CHANGES = [
    ("w-hp-rain", 1, "310101", "rainstorm", "blue", "issue", None, None, 5),
    ("w-hp-rain", 2, "310101", "rainstorm", "yellow", "escalate", "blue", None, 4),
    ("w-hp-rain", 3, "310101", "rainstorm", "orange", "escalate", "yellow", None, 3),
    ("w-pd-gale", 1, "310115", "gale", "yellow", "issue", None, None, 5),
    ("w-pd-gale", 2, "310115", "gale", "yellow", "end", "yellow", "cancelled", 2),
    ("w-pd-rain", 1, "310115", "rainstorm", "blue", "issue", None, None, 1),
    ("w-mh-heat-1", 1, "310112", "heat", "yellow", "issue", None, None, 6),
    ("w-mh-heat-1", 2, "310112", "heat", "yellow", "end", "yellow", "expired", 4),
    ("w-mh-heat-2", 1, "310112", "heat", "red", "issue", None, None, 2),
    ("w-cm-water", 1, "310151", "high_water", "blue", "issue", None, None, 5),
    ("w-cm-water", 2, "310151", "high_water", "yellow", "escalate", "blue", None, 4),
    ("w-cm-water", 3, "310151", "high_water", "blue", "deescalate", "yellow", None, 3),
]


def warning_docs(now: datetime) -> list[dict[str, Any]]:
    """The documents of :data:`WARNING_CHANGES`; their active set is :data:`ACTIVE_WARNINGS`."""
    docs = []
    for wid, seq, code, hazard, level, action, previous, reason, hours in WARNING_CHANGES:
        data = warning_factory(
            warning_id=wid,
            sequence=seq,
            district={"code": code, "name": get_district(code).name_zh},
            hazard=hazard,
            level=level,
            action=action,
            previous_level=previous,
            end_reason=reason,
            at=(now - timedelta(hours=hours)).isoformat(),
            issued_at=(now - timedelta(hours=6)).isoformat(),
            valid_until=(now + timedelta(hours=6)).isoformat(),
        )
        docs.append(warning_document(Warning.model_validate(data), ingested_at=now))
    return docs


ACTIVE_WARNINGS = [  # most severe first
    ("w-mh-heat-2", "310112", "heat", "red"),
    ("w-hp-rain", "310101", "rainstorm", "orange"),
    ("w-pd-rain", "310115", "rainstorm", "blue"),
    ("w-cm-water", "310151", "high_water", "blue"),
]


def scoped_settings(settings: Settings, **extra: Any) -> Settings:
    """Settings whose indices, topics, group and tokens are this test run's own."""
    ns = f"cwdash-{uuid.uuid4().hex[:12]}"
    return settings.model_copy(
        update={
            "index_prefix": ns,
            "topic_namespace": ns,
            "app_id": ns,
            "topic_partitions": 1,
            "dashboard_operator_token": SecretStr(OPERATOR_TOKEN),
            "dashboard_viewer_token": SecretStr(VIEWER_TOKEN),
            **extra,
        }
    )


@contextmanager
def deployment(es: Elasticsearch, scope: Settings) -> Iterator[Settings]:
    """Templates and output topics of ``scope``; removes indices, topics and group after."""
    install_templates(es, scope)
    topics = scope.topics()
    commands = getattr(topics, "commands", None)
    create_topics(scope, (topics.classified, topics.warnings) + ((commands,) if commands else ()))
    try:
        yield scope
    finally:
        es.options(ignore_status=404).indices.delete(
            index=f"{scope.index_prefix}-*", expand_wildcards="all"
        )
        for kind in INDEX_KINDS:
            es.options(ignore_status=404).indices.delete_index_template(
                name=index_name(scope.index_prefix, kind)
            )
        admin = KafkaAdminClient(**kafka_python_config(scope))
        try:
            ours = [t for t in admin.list_topics() if t.startswith(scope.topic_namespace + ".")]
            if ours:
                admin.delete_topics(ours)
            delete_groups = getattr(admin, "delete_groups", None) or admin.delete_consumer_groups
            try:
                delete_groups([f"{scope.app_id}-dashboard"])
            except KafkaError:
                pass  # the group was never joined
        finally:
            admin.close()


def index_documents(es: Elasticsearch, scope: Settings, kind: str, docs: list[dict]) -> None:
    """Bulk-index ``docs`` under their ``event.id`` and make them searchable."""
    index = index_name(scope.index_prefix, kind)
    actions = ({"_index": index, "_id": d["event"]["id"], "_source": d} for d in docs)
    ok, errors = helpers.bulk(es, actions, raise_on_error=False, refresh="wait_for")
    assert not errors, errors[:3]
    assert ok == len(docs)


def publish(scope: Settings, topic: str, doc: dict[str, Any]) -> None:
    """Publish one document as the worker does (JSON value, id in the doc-id header)."""
    doc_id = doc["event"]["id"]
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    try:
        producer.send(
            topic,
            key=doc_id.encode(),
            value=json.dumps(doc, ensure_ascii=False).encode(),
            headers=[(DOC_ID_HEADER, doc_id.encode())],
        ).get(timeout=30)
    finally:
        producer.close()


class LiveServer:
    """The app served by a real uvicorn on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn exited during start-up"
            assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


def wait_until_live(app: Any, timeout: float = 60.0) -> None:
    """Block until the live feed has its partitions and positions."""
    deadline = time.monotonic() + timeout
    while not (app.state.feed and app.state.feed.ready.is_set()):
        assert time.monotonic() < deadline, f"live feed not ready: {app.state.feed.status()}"
        time.sleep(0.1)


def new_incident(now: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    """A fresh incident document (Huangpu, level Ⅱ) for the live feed."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    uid = uuid.uuid4().hex[:10]
    data = classified_factory(
        incident_id=f"inc-live-{uid}",
        report_id=f"r-live-{uid}",
        reported_at=now.isoformat(),
        level=2,
        grade_history=[
            {"level": 2, "at": now.isoformat(), "rule_id": "accident.fire", "report_id": uid}
        ],
        description=f"外滩商场发生火灾,多人被困 {uid}",
        **overrides,
    )
    return incident_document(ClassifiedIncident.model_validate(data), ingested_at=now)
