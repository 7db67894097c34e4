"""Bulk-result routing and the sink's retry behaviour, without Elasticsearch."""

from __future__ import annotations

import json

import pytest

from pipeline.indexing import (
    BulkAction,
    Outcome,
    bulk_body,
    classify_item,
    latest_per_document,
    route_items,
)
from pipeline.retry import Backoff
from pipeline.sink import BulkSink


def _actions(n: int) -> list[BulkAction]:
    return [BulkAction("idx", f"id{i}", json.dumps({"n": i}).encode(), origin=i) for i in range(n)]


def _item(status: int, etype: str | None = None) -> dict:
    body: dict = {"status": status}
    if etype:
        body["error"] = {"type": etype, "reason": f"{etype} happened"}
    return {"index": body}


def test_bulk_body_is_ndjson_with_ids_and_raw_sources():
    body = bulk_body(_actions(2)).decode()
    lines = body.split("\n")
    assert json.loads(lines[0]) == {"index": {"_index": "idx", "_id": "id0"}}
    assert json.loads(lines[1]) == {"n": 0}
    assert json.loads(lines[2])["index"]["_id"] == "id1"
    assert body.endswith("\n")


@pytest.mark.parametrize(
    ("status", "etype", "outcome"),
    [
        (201, None, Outcome.INDEXED),
        (200, None, Outcome.INDEXED),
        (400, "document_parsing_exception", Outcome.REJECTED),
        (400, "strict_dynamic_mapping_exception", Outcome.REJECTED),
        (400, "mapper_parsing_exception", Outcome.REJECTED),
        (429, "es_rejected_execution_exception", Outcome.RETRY),
        (500, "internal_server_error", Outcome.RETRY),
        (503, "unavailable_shards_exception", Outcome.RETRY),
        (403, "cluster_block_exception", Outcome.RETRY),
        (404, "index_not_found_exception", Outcome.RETRY),
        (409, "version_conflict_engine_exception", Outcome.SUPERSEDED),
    ],
)
def test_each_item_status_is_routed(status, etype, outcome):
    assert classify_item(_item(status, etype))[0] is outcome


def test_route_items_pairs_actions_in_order():
    actions = _actions(4)
    items = [
        _item(201),
        _item(400, "document_parsing_exception"),
        _item(429, "es_rejected_execution_exception"),
        _item(200),
    ]
    result = route_items(actions, items)
    assert [a.doc_id for a in result.indexed] == ["id0", "id3"]
    assert [(a.doc_id, t) for a, t, _ in result.rejected] == [("id1", "document_parsing_exception")]
    assert [(a.doc_id, s) for a, s, _ in result.retry] == [("id2", 429)]


def test_a_versioned_document_is_written_with_its_offset_as_external_version():
    action = BulkAction("idx", "hotline_120:r1", b'{"n": 1}', version=422)
    meta = json.loads(bulk_body([action]).split(b"\n")[0])
    assert meta == {
        "index": {
            "_index": "idx",
            "_id": "hotline_120:r1",
            "version": 422,
            "version_type": "external_gte",
        }
    }


def test_an_item_refused_for_a_later_version_in_the_index_is_done():
    actions = _actions(2)
    result = route_items(actions, [_item(409, "version_conflict_engine_exception"), _item(201)])
    assert [a.doc_id for a in result.indexed] == ["id0", "id1"]
    assert not result.retry and not result.rejected


def test_route_items_refuses_a_short_response():
    with pytest.raises(ValueError, match="2 items for 3 actions"):
        route_items(_actions(3), [_item(201), _item(201)])


class ScriptedBulk:
    """A bulk client answering from a script; an exception in the script is raised."""

    def __init__(self, script):
        self.script = list(script)
        self.bodies: list[bytes] = []

    async def bulk(self, *, body: bytes, **kwargs):
        self.bodies.append(body)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step(body)


def _docs(body: bytes) -> list[tuple[str, dict]]:
    """The ``(_id, source)`` of each document of a bulk body, in order."""
    lines = body.decode().strip().split("\n")
    return [
        (json.loads(m)["index"]["_id"], json.loads(d))
        for m, d in zip(lines[0::2], lines[1::2], strict=True)
    ]


def _ids(body: bytes) -> list[str]:
    return [doc_id for doc_id, _source in _docs(body)]


def _all_ok(body: bytes) -> dict:
    return {"errors": False, "items": [_item(201) for _ in _ids(body)]}


async def _no_sleep(_s: float) -> None:
    return None


async def test_sink_retries_only_failed_items_and_dead_letters_rejections():
    def first(body):
        return {
            "errors": True,
            "items": [
                _item(201),
                _item(429, "es_rejected_execution_exception"),
                _item(400, "document_parsing_exception"),
                _item(503, "unavailable_shards_exception"),
            ],
        }

    client = ScriptedBulk([first, _all_ok])
    sink = BulkSink(client, backoff=Backoff(0.01, 0.02), sleep=_no_sleep)
    result = await sink.write(_actions(4))
    assert _ids(client.bodies[1]) == ["id1", "id3"], "only the failed items are re-sent"
    assert sorted(a.doc_id for a in result.indexed) == ["id0", "id1", "id3"]
    assert [a.doc_id for a, _, _ in result.rejected] == ["id2"]


async def test_sink_retries_whole_request_failures_until_they_pass():
    client = ScriptedBulk(
        [ConnectionError("refused"), TimeoutError("slow"), OSError("reset"), _all_ok]
    )
    sleeps: list[float] = []

    async def record(s: float) -> None:
        sleeps.append(s)

    sink = BulkSink(client, backoff=Backoff(0.1, 0.3), sleep=record)
    result = await sink.write(_actions(3))
    assert len(result.indexed) == 3 and not result.rejected
    assert len(client.bodies) == 4
    assert len(sleeps) == 3 and all(0.05 <= s <= 0.3 for s in sleeps)
    assert sink.retries_total == 3


def test_backoff_is_capped_and_grows():
    b = Backoff(0.2, 5.0)
    assert all(0.1 <= b.delay(1) <= 0.2 for _ in range(50))
    assert all(2.5 <= b.delay(10) <= 5.0 for _ in range(50))


def _version(doc_id: str, v: int) -> BulkAction:
    return BulkAction("idx", doc_id, json.dumps({"v": v}).encode(), origin=(doc_id, v))


def test_latest_per_document_keeps_the_last_version_in_batch_order():
    actions = [_version("a", 1), _version("b", 1), _version("a", 2), _version("c", 1)]
    actions.append(BulkAction("other", "a", b"{}"))  # same id, another index
    latest, superseded = latest_per_document(actions)
    assert [a.origin for a in latest] == [("b", 1), ("a", 2), ("c", 1), None]
    assert [a.origin for a in superseded] == [("a", 1)]


async def test_a_retried_version_never_overwrites_a_later_one():
    """Two versions of one incident in a batch, the first answered 429: sent alone, the
    retry of version 1 would land after version 2 and the document would lose what
    version 2 added. Only version 2 is written."""

    def refuse_first(body):
        items = [_item(429, "es_rejected_execution_exception")]
        return {"errors": True, "items": items + [_item(201) for _ in _ids(body)[1:]]}

    client = ScriptedBulk([refuse_first, _all_ok])
    sink = BulkSink(client, backoff=Backoff(0.01, 0.02), sleep=_no_sleep)
    result = await sink.write(
        [_version("incident-1", 1), _version("x", 1), _version("incident-1", 2)]
    )
    written = [(doc_id, doc["v"]) for body in client.bodies for doc_id, doc in _docs(body)]
    assert written == [("x", 1), ("incident-1", 2), ("x", 1)]
    assert sorted(a.origin for a in result.indexed) == [
        ("incident-1", 1),
        ("incident-1", 2),
        ("x", 1),
    ]
    assert not result.rejected
