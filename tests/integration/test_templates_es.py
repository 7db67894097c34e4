"""The index templates against the real Elasticsearch node: each installs, a valid document
of each kind indexes and is searchable, and strict mappings reject unknown fields and wrong
types. Templates and indices are uuid-named and removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import BadRequestError

from pipeline.bootstrap import index_template
from pipeline.names import INDEX_KINDS, index_name
from tests.factories import example_documents

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def indexed(es, settings) -> Iterator[dict[str, tuple[str, dict[str, Any]]]]:
    """Installs every template under a uuid prefix and indexes one example of each kind:
    ``{kind: (index name, document)}``. Templates and indices are deleted afterwards."""
    scoped = settings.model_copy(update={"index_prefix": f"cwtest-schemas-{uuid.uuid4().hex[:12]}"})
    out = {}
    try:
        for kind, doc in example_documents(ingested_at=datetime.now(UTC)).items():
            name = index_name(scoped.index_prefix, kind)
            es.indices.put_index_template(name=name, **index_template(kind, scoped))
            result = es.index(index=name, id=doc["event"]["id"], document=doc, refresh=True)
            assert result["result"] == "created"
            out[kind] = (name, doc)
        yield out
    finally:
        es.options(ignore_status=404).indices.delete(
            index=f"{scoped.index_prefix}-*", expand_wildcards="all"
        )
        for kind in INDEX_KINDS:
            es.options(ignore_status=404).indices.delete_index_template(
                name=index_name(scoped.index_prefix, kind)
            )


def test_every_kind_has_an_example(indexed):
    assert set(indexed) == set(INDEX_KINDS)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_document_is_stored_under_its_event_id(es, indexed, kind):
    name, doc = indexed[kind]
    hits = es.search(index=name, query={"term": {"event.id": doc["event"]["id"]}})
    assert hits["hits"]["total"]["value"] == 1
    assert hits["hits"]["hits"][0]["_id"] == doc["event"]["id"]
    assert hits["hits"]["hits"][0]["_source"] == doc
    mapping = es.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["dynamic"] == "strict"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"match_phrase": {"message": "大楼起火"}}, 1),
        ({"match_phrase": {"message": "火起楼大"}}, 0),
        ({"match": {"message": "building"}}, 1),
        ({"match": {"message": "BUILDING fire"}}, 1),
        ({"match_phrase": {"incident.address": "中山东一路"}}, 1),
        ({"term": {"incident.category": "accident"}}, 1),
        ({"term": {"incident.district.code": "310101"}}, 1),
        ({"range": {"incident.level": {"lte": 4}}}, 1),
        ({"geo_distance": {"distance": "1km", "geo.location": {"lat": 31.24, "lon": 121.49}}}, 1),
        (
            {
                "nested": {
                    "path": "incident.exposure.facilities",
                    "query": {"term": {"incident.exposure.facilities.kind": "fire_station"}},
                }
            },
            1,
        ),
    ],
)
def test_incident_is_searchable(es, indexed, query, expected):
    assert es.count(index=indexed["incidents"][0], query=query)["count"] == expected


def test_warning_summary_and_deadletter_error_are_searchable(es, indexed):
    found = es.count(index=indexed["warnings"][0], query={"match_phrase": {"message": "暴雨"}})
    assert found["count"] == 1
    query = {"match": {"error.message": "valid JSON"}}
    assert es.count(index=indexed["deadletter"][0], query=query)["count"] == 1


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_unknown_field_is_rejected(es, indexed, kind):
    name, doc = indexed[kind]
    with pytest.raises(BadRequestError) as caught:
        es.index(index=name, id="unknown-field", document={**doc, "surprise": "x"})
    assert caught.value.meta.status == 400
    assert "strict_dynamic_mapping_exception" in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("incidents", ("incident", "level"), "Ⅳ"),
        ("incidents", ("geo", "location"), {"lat": 91.0, "lon": 200.0}),
        ("warnings", ("warning", "at"), "not a date"),
        ("readings", ("reading", "value"), "twelve"),
        ("risk", ("risk", "score"), {"nested": 1}),
        ("deadletter", ("deadletter", "source"), "incidents.reports"),
    ],
)
def test_wrong_type_is_rejected(es, indexed, kind, path, value):
    name, doc = indexed[kind]
    bad = {**doc, path[0]: {**doc[path[0]], path[1]: value}}
    with pytest.raises(BadRequestError) as caught:
        es.index(index=name, id="wrong-type", document=bad)
    assert caught.value.meta.status == 400


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_index_takes_the_configured_shards_replicas_and_refresh(es, indexed, settings, kind):
    name, _ = indexed[kind]
    index = es.indices.get_settings(index=name)[name]["settings"]["index"]
    assert int(index["number_of_shards"]) == settings.index_shards
    assert int(index["number_of_replicas"]) == settings.index_replicas
    assert index["refresh_interval"] == settings.index_refresh_interval
