"""The dashboard API against the real Elasticsearch and Kafka.

300 incidents over the 16 districts (and a few outside the city) and a set of warning
changes are indexed into uuid-prefixed indices; every answer is checked against what the
same documents say when counted in Python. Operator actions must leave an audit document
and an audit event; the live feed must deliver a document published on Kafka.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import shapely
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition
from shapely.geometry import shape

from consumers.dashboard import create_app
from consumers.dashboard.config import DashboardConfig
from pipeline.clients import kafka_python_config
from pipeline.geo.districts import all_districts, district_polygon
from tests.dashboard_support import (
    ACTIVE_WARNINGS,
    OPERATOR_TOKEN,
    VIEWER_TOKEN,
    LiveServer,
    deployment,
    incident_docs,
    index_documents,
    new_incident,
    publish,
    scoped_settings,
    wait_until_live,
    warning_docs,
)

pytestmark = pytest.mark.integration

N_INCIDENTS = 300
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture(scope="module")
def world(es, settings, kafka_bootstrap):
    """A scoped deployment with the generated documents indexed: (scope, incident docs)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with deployment(es, scoped_settings(settings)) as scope:
        docs = incident_docs(N_INCIDENTS, now)
        index_documents(es, scope, "incidents", docs)
        index_documents(es, scope, "warnings", warning_docs(now))
        yield scope, docs


@pytest.fixture(scope="module")
def client(world):
    scope, _ = world
    with TestClient(create_app(scope, live=False)) as c:
        yield c


def get(client, path, headers=VIEWER, **params):
    response = client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids_of(docs):
    return [d["incident"]["id"] for d in sorted(docs, key=lambda d: d["@timestamp"], reverse=True)]


def test_list_is_paged_newest_first(client, world):
    _, docs = world
    seen = []
    for page in (1, 2, 3):
        body = get(client, "/api/incidents", page=page, size=100)
        assert body["total"] == N_INCIDENTS
        seen += [item["id"] for item in body["items"]]
    assert seen == ids_of(docs)
    first = get(client, "/api/incidents", size=5)["items"][0]
    assert first["level"] in (1, 2, 3, 4) and first["district"]["code"] == "310101"
    assert first["location"]["lat"] and first["report_count"] >= 1 and first["status"] == "reported"


@pytest.mark.parametrize(
    ("params", "status"), [({"size": 101}, 422), ({"page": 201}, 422), ({"page": 200}, 200)]
)
def test_pages_are_bounded(client, params, status):
    assert client.get("/api/incidents", headers=VIEWER, params=params).status_code == status


def _matches(doc, district=None, category=None, level=None, since=None, until=None):
    inc = doc["incident"]
    at = datetime.fromisoformat(doc["@timestamp"])
    return (
        (district is None or (inc.get("district") or {}).get("code") in district)
        and (category is None or inc.get("category") in category)
        and (level is None or inc["level"] in level)
        and (since is None or at >= since)
        and (until is None or at < until)
    )


def test_filters(client, world):
    _, docs = world
    middle = datetime.fromisoformat(sorted(d["@timestamp"] for d in docs)[N_INCIDENTS // 2])
    cases = [
        {"district": ["310115"]},
        {"district": ["310101", "310151"], "level": [4]},
        {"category": ["accident", "public_health"]},
        {"level": [1, 2]},
        {"since": middle},
        {"since": middle - timedelta(hours=5), "until": middle, "category": ["accident"]},
    ]
    for case in cases:
        params = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in case.items()}
        body = get(client, "/api/incidents", size=100, **params)
        expected = ids_of([d for d in docs if _matches(d, **case)])
        assert expected, case
        assert body["total"] == len(expected), case
        assert [i["id"] for i in body["items"]] == expected[:100], case


def test_naive_time_is_refused(client):
    response = client.get("/api/incidents", headers=VIEWER, params={"since": "2025-01-01T00:00"})
    assert response.status_code == 422 and "time zone" in response.text


@pytest.mark.parametrize(
    ("q", "needle"),
    [
        ("地铁站台", "地铁站台"),
        ("积水", "积水"),
        ("underpass", "underpass"),
        ("CANTEEN lunch", "canteen lunch"),
        ("台站铁地", None),
        ("collided underpass", None),
    ],
)
def test_search(client, world, q, needle):
    _, docs = world
    expected = ids_of([d for d in docs if needle and needle in d["message"].lower()])
    body = get(client, "/api/incidents", q=q, size=100)
    assert body["total"] == len(expected)
    assert sorted(i["id"] for i in body["items"]) == sorted(expected)
    if needle:
        assert expected


def test_search_by_incident_id(client):
    body = get(client, "/api/incidents", q="inc-dash-00042")
    assert [i["id"] for i in body["items"]] == ["inc-dash-00042"]


def test_stats_are_counted_on_the_server(client, world):
    _, docs = world
    body = get(client, "/api/stats")
    assert body["total"] == N_INCIDENTS
    as_dict = {k: {b["key"]: b["count"] for b in body[k]} for k in ("by_category", "by_level")}
    categories = Counter(d["incident"].get("category") for d in docs)
    assert body["unclassified"] == categories.pop(None) > 0
    assert as_dict["by_category"] == categories
    assert as_dict["by_level"] == Counter(d["incident"]["level"] for d in docs)
    districts = Counter(
        d["incident"]["district"]["code"] for d in docs if "district" in d["incident"]
    )
    assert {b["key"]: b["count"] for b in body["by_district"]} == districts
    assert body["outside_city"] == N_INCIDENTS - sum(districts.values()) > 0
    narrowed = get(client, "/api/stats", district=["310105"], q="Fire")
    expected = [d for d in docs if _matches(d, district=["310105"]) and "Fire" in d["message"]]
    assert narrowed["total"] == len(expected) > 0


def test_active_warnings(client):
    body = get(client, "/api/warnings/active")
    got = [(w["warning_id"], w["district"]["code"], w["hazard"], w["level"]) for w in body["items"]]
    assert got[:2] == ACTIVE_WARNINGS[:2]
    assert sorted(got) == sorted(ACTIVE_WARNINGS)
    timeline = get(client, "/api/warnings/w-hp-rain")["changes"]
    assert [(c["sequence"], c["action"], c["level"]) for c in timeline] == [
        (3, "escalate", "orange"),
        (2, "escalate", "yellow"),
        (1, "issue", "blue"),
    ]


def test_incident_detail(client, world):
    _, docs = world
    doc = next(d for d in docs if d["incident"]["id"] == "inc-dash-00007")
    body = get(client, "/api/incidents/inc-dash-00007")
    assert body["document"] == doc
    assert [g["report_id"] for g in body["document"]["incident"]["grade_history"]] == [
        "r-dash-00007-first",
        "r-dash-00007",
    ]
    assert body["merged_reports"] == ["r-dash-00007-first", "r-dash-00007"]
    assert body["document"]["incident"]["explanation"]["matched_terms"]
    assert [f["kind"] for f in body["resources"]] == ["fire_station"]
    assert body["status"] == "reported" and body["audit"] == []
    assert client.get("/api/incidents/nope", headers=VIEWER).status_code == 404


def test_districts_geojson(client, world):
    _, docs = world
    body = get(client, "/api/districts")
    features = body["features"]
    assert body["type"] == "FeatureCollection" and len(features) == 16
    counts = Counter(d["incident"]["district"]["code"] for d in docs if "district" in d["incident"])
    levels = {code: level for _, code, _, level in ACTIVE_WARNINGS}
    for feature, district in zip(features, all_districts(), strict=True):
        props = feature["properties"]
        assert props["code"] == district.code and props["population"] == district.population
        assert props["incidents"] == counts[district.code]
        assert props["warning_level"] == levels.get(district.code)
        geom = shape(feature["geometry"])
        assert geom.is_valid and 120.8 < geom.bounds[0] and geom.bounds[2] < 122.3
        full = district_polygon(district.code)
        assert shapely.get_num_coordinates(geom) < shapely.get_num_coordinates(full)
        assert geom.symmetric_difference(full).area < 0.05 * full.area
        assert full.contains(shapely.Point(props["label"]))
    assert sum(f["properties"]["population"] for f in features) == 24_870_895


def test_reads_need_a_valid_token(client):
    assert client.get("/api/stats").status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Basic abc"}).status_code == 401
    assert get(client, "/api/meta")["role"] == "viewer"
    assert get(client, "/api/meta", headers=OPERATOR)["role"] == "operator"
    assert client.get("/api/health").status_code == 200


def _audit_events(scope, audit_id, timeout=30.0, topic=None):
    """The message of ``topic`` (default: the audit topic) whose doc-id header is ``audit_id``."""
    topic = topic or DashboardConfig.from_settings(scope).audit_topic
    consumer = KafkaConsumer(**kafka_python_config(scope), consumer_timeout_ms=1000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in consumer.poll(timeout_ms=500).get(tp, []):
                if dict(record.headers).get("citywatch.doc_id") == audit_id.encode():
                    return json.loads(record.value)
        return None
    finally:
        consumer.close()


def test_operator_actions_are_audited(client, world, es):
    scope, _ = world
    path = "/api/incidents/inc-dash-00010/status"
    body = {"action": "verify", "actor": "张三", "reason": "现场核实"}
    assert client.post(path, json=body).status_code == 401
    assert client.post(path, json=body, headers={"Authorization": "Bearer x"}).status_code == 401
    assert client.post(path, json=body, headers=VIEWER).status_code == 403
    assert client.post(path, json={"action": "verify"}, headers=OPERATOR).status_code == 422
    assert client.post("/api/incidents/nope/status", json=body, headers=OPERATOR).status_code == 404
    audit_index = f"{scope.index_prefix}-audit"
    mine = {"term": {"audit.target.id": "inc-dash-00010"}}
    assert es.count(index=audit_index, query=mine)["count"] == 0

    response = client.post(path, json=body, headers={**OPERATOR, "User-Agent": "pytest"})
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["action"] == "incident.verify" and record["actor"] == "张三"
    stored = es.get(index=audit_index, id=record["id"])["_source"]
    assert stored["user"] == {"name": "张三", "roles": ["operator"]}
    assert stored["audit"]["reason"] == "现场核实" and stored["audit"]["status"] == "verified"
    assert stored["audit"]["target"]["id"] == "inc-dash-00010"
    assert stored["user_agent"]["original"] == "pytest" and stored["@timestamp"]
    assert es.indices.get_mapping(index=audit_index)[audit_index]["mappings"]["dynamic"] == "strict"
    assert _audit_events(scope, record["id"]) == stored

    assert client.post(path, json=body, headers=OPERATOR).status_code == 409
    resolve = {"action": "resolve", "actor": "李四", "reason": "处置完毕"}
    assert client.post(path, json=resolve, headers=OPERATOR).status_code == 200
    detail = get(client, "/api/incidents/inc-dash-00010")
    assert detail["status"] == "resolved"
    assert [a["action"] for a in detail["audit"]] == ["incident.resolve", "incident.verify"]
    listed = get(client, "/api/incidents", q="inc-dash-00010")["items"][0]
    assert listed["status"] == "resolved"
    assert es.count(index=audit_index, query=mine)["count"] == 2


def test_lifting_a_warning_is_audited(client, world, es):
    scope, _ = world
    lift = {"actor": "王五", "reason": "雨势减弱"}
    assert client.post("/api/warnings/w-hp-rain/lift", json=lift, headers=VIEWER).status_code == 403
    response = client.post("/api/warnings/w-hp-rain/lift", json=lift, headers=OPERATOR)
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["target"]["hazard"] == "rainstorm" and record["action"] == "warning.lift"
    stored = es.get(index=f"{scope.index_prefix}-audit", id=record["id"])["_source"]
    assert stored["user"]["name"] == "王五" and stored["audit"]["reason"] == "雨势减弱"
    assert _audit_events(scope, record["id"]) == stored
    commands = DashboardConfig.from_settings(scope).commands_topic
    assert record["command_sent"] == (commands is not None)
    if commands:
        command = _audit_events(scope, record["id"], topic=commands)
        assert command == {
            "action": "lift",
            "district": "310101",
            "hazard": "rainstorm",
            "by": "王五",
            "reason": "雨势减弱",
            "at": stored["@timestamp"],
        }
    active = {w["warning_id"]: w for w in get(client, "/api/warnings/active")["items"]}
    assert active["w-hp-rain"]["lift_requested"]["actor"] == "王五"
    assert active["w-pd-rain"]["lift_requested"] is None
    ended = client.post("/api/warnings/w-pd-gale/lift", json=lift, headers=OPERATOR)
    assert ended.status_code == 409
    assert client.post("/api/warnings/nope/lift", json=lift, headers=OPERATOR).status_code == 404


def test_session_cookie_carries_the_role(world):
    scope, _ = world
    with TestClient(create_app(scope, live=False)) as c:
        assert c.post("/api/session", json={"token": "wrong"}).status_code == 401
        assert c.post("/api/session", json={"token": VIEWER_TOKEN}).json()["role"] == "viewer"
        assert c.get("/api/stats").status_code == 200
        act = {"action": "verify", "actor": "x", "reason": "y"}
        assert c.post("/api/incidents/inc-dash-00011/status", json=act).status_code == 403
        assert c.delete("/api/session").status_code == 200
        assert c.get("/api/stats").status_code == 401


def test_without_a_viewer_token_anyone_reads_but_nobody_unnamed_acts(world):
    scope, _ = world
    open_scope = scope.model_copy(update={"dashboard_viewer_token": None})
    with TestClient(create_app(open_scope, live=False)) as c:
        assert c.get("/api/stats").status_code == 200
        act = {"action": "verify", "actor": "x", "reason": "y"}
        assert c.post("/api/incidents/inc-dash-00012/status", json=act).status_code == 401


def _next_event(lines, kind, deadline):
    event = None
    for line in lines:
        if time.monotonic() > deadline:
            break
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: ") and event == kind:
            return json.loads(line[len("data: ") :])
    raise AssertionError(f"no {kind} event before the deadline")


def test_stream_delivers_a_published_incident(world):
    scope, _ = world
    app = create_app(scope)
    topics = scope.topics()
    with LiveServer(app) as server:
        wait_until_live(app)
        timeout = httpx.Timeout(10.0)
        with httpx.stream("GET", f"{server.url}/api/stream", headers=VIEWER, timeout=timeout) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            lines = r.iter_lines()
            assert _next_event(lines, "hello", time.monotonic() + 10)["live"]["ready"]
            doc = new_incident()
            started = time.monotonic()
            publish(scope, topics.classified, doc)
            event = _next_event(lines, "incident", started + 5)
            assert event["id"] == doc["event"]["id"]
            assert event["item"]["message"] == doc["message"] and event["item"]["level"] == 2
            warning = warning_docs(datetime.now(UTC).replace(microsecond=0))[0]
            publish(scope, topics.warnings, warning)
            assert _next_event(lines, "warning", time.monotonic() + 5)["item"]["hazard"]
        assert app.state.feed.status()["received"] >= 2
