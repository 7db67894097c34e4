"""The dashboard's pure parts: search and filter bodies, paging, document shaping, roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consumers.dashboard import queries, views
from consumers.dashboard.auth import role_of_token
from consumers.dashboard.config import DashboardConfig
from consumers.dashboard.geo import district_features, district_layer
from consumers.dashboard.queries import IncidentFilter
from pipeline.settings import Settings
from tests.factories import example_documents


def _must(query):
    return query["bool"]["should"][0]["bool"]["must"]


def test_chinese_is_a_phrase_and_english_a_match():
    must = _must(queries.text_query("地铁站台 escalator"))
    assert must[0]["bool"]["should"][0] == {"match_phrase": {"message": "地铁站台"}}
    assert must[1] == {"match": {"message": {"query": "escalator", "operator": "and"}}}


def test_quoted_english_is_a_phrase_and_ids_match_exactly():
    query = queries.text_query('"gas leak"')
    assert _must(query) == [{"match_phrase": {"message": "gas leak"}}]
    assert {"term": {"incident.id": '"gas leak"'}} in query["bool"]["should"]
    assert queries.text_query("   ") is None


def test_filters_become_term_and_range_filters():
    since = datetime(2025, 7, 1, tzinfo=UTC)
    f = IncidentFilter(districts=("310101",), levels=(1, 2), since=since, q="火")
    query = queries.incident_query(f)
    assert {"terms": {"incident.district.code": ["310101"]}} in query["bool"]["filter"]
    assert {"terms": {"incident.level": [1, 2]}} in query["bool"]["filter"]
    assert {"range": {"@timestamp": {"gte": since.isoformat()}}} in query["bool"]["filter"]
    assert len(query["bool"]["must"]) == 1
    assert "must" not in queries.incident_query(IncidentFilter())["bool"]


@pytest.mark.parametrize(
    ("page", "size", "window"), [(1, 50, (0, 50)), (3, 100, (200, 100)), (200, 50, (9950, 50))]
)
def test_page_window(page, size, window):
    assert queries.page_window(page, size) == window


@pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 0), (1, 101), (201, 50)])
def test_page_window_refuses(page, size):
    with pytest.raises(ValueError):
        queries.page_window(page, size)


def test_list_body_is_newest_first_with_a_tie_breaker():
    body = queries.incident_list_body(IncidentFilter(), 2, 20)
    assert body["sort"] == [{"@timestamp": "desc"}, {"incident.id": "asc"}]
    assert (body["from"], body["size"]) == (20, 20)


def _bucket(doc):
    return {"latest": {"hits": {"hits": [{"_source": doc}]}}}


def test_latest_changes_drop_ended_warnings_and_sort_by_severity():
    ended = example_documents()["warnings"]  # an end
    blue = {**ended, "warning": {**ended["warning"], "action": "issue", "level": "blue"}}
    blue["warning"]["level_rank"] = 1
    red = {**blue, "warning": {**blue["warning"], "level": "red", "level_rank": 4}}
    aggs = {
        "by_district": {
            "buckets": [
                {"by_hazard": {"buckets": [_bucket(ended), _bucket(blue)]}},
                {"by_hazard": {"buckets": [_bucket(red)]}},
            ]
        }
    }
    assert [w["level"] for w in views.latest_changes(aggs)] == ["red", "blue"]


def test_incident_detail_derives_resources_reports_and_status():
    doc = example_documents()["incidents"]
    applied = doc["incident"]["status_history"][-1]["at"]  # the record: verified
    later = "2099-01-01T00:00:00+00:00"
    audit = [
        {"@timestamp": later, "event": {"action": "incident.resolve"}, "audit": {"target": {}}},
        {"@timestamp": applied, "event": {"action": "incident.verify"}, "audit": {"target": {}}},
    ]
    detail = views.incident_detail(doc, audit)
    assert [f["kind"] for f in detail["resources"]] == ["fire_station"]
    assert detail["merged_reports"] == [doc["incident"]["grade_history"][0]["report_id"]]
    assert detail["status"] == "resolved"  # asked for after the record's last change
    assert views.incident_detail(doc)["status"] == "verified"  # the record's own
    assert views.incident_detail(doc, audit[1:])["status"] == "verified"  # already applied
    bare = {**doc, "incident": {k: v for k, v in doc["incident"].items() if "status" not in k}}
    assert views.incident_detail(bare)["status"] == "reported"
    assert views.incident_summary(doc)["location"] == doc["geo"]["location"]


def test_district_features_carry_the_most_severe_warning():
    layer = district_layer()
    warnings = [
        {"district": {"code": "310101"}, "hazard": "gale", "level": "blue", "level_rank": 1},
        {"district": {"code": "310101"}, "hazard": "rainstorm", "level": "red", "level_rank": 4},
    ]
    collection = district_features(layer, warnings, {"310101": {"count": 3, "max_level": 2}})
    props = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    assert len(props) == 16
    assert props["310101"]["warning_level"] == "red" and props["310101"]["incidents"] == 3
    assert props["310115"]["warning_level"] is None and props["310115"]["incidents"] == 0


def test_tokens_grant_roles():
    settings = Settings().model_copy(
        update={"dashboard_operator_token": "op", "dashboard_viewer_token": "view"}
    )
    config = DashboardConfig.from_settings(settings)
    assert role_of_token("op", config) == "operator"
    assert role_of_token("view", config) == "viewer"
    assert role_of_token("other", config) is None
    closed = DashboardConfig.from_settings(Settings(app_id="citywatch", topic_namespace=""))
    assert closed.operator_token is None and role_of_token("", closed) is None
    assert closed.audit_topic == "audit.actions" and closed.group_id == "citywatch-dashboard"
