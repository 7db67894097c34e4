"""A bad document never costs its bulk: line breaks, and requests refused as malformed."""

from __future__ import annotations

import json

from pipeline.indexing import BulkAction, bulk_body, frameable
from pipeline.retry import Backoff
from pipeline.sink import BulkSink


class Meta:
    status = 400


class BadRequest(Exception):
    """What the Elasticsearch client raises for a whole request refused with 400."""

    meta = Meta()
    error = "illegal_argument_exception"


class StrictBulk:
    """Refuses a whole request with 400 when any document line is not a JSON object."""

    def __init__(self) -> None:
        self.requests: list[list[str]] = []

    async def bulk(self, *, body: bytes, **kwargs):
        lines = body.decode().strip().split("\n")
        if len(lines) % 2:
            raise BadRequest("Malformed action/metadata line")
        ids = [json.loads(m)["index"]["_id"] for m in lines[0::2]]
        self.requests.append(ids)
        for source in lines[1::2]:
            if not source.startswith("{"):
                raise BadRequest("Malformed action/metadata line")
        return {"errors": False, "items": [{"index": {"status": 201}} for _ in ids]}


async def _no_sleep(_s: float) -> None:
    return None


def _action(doc_id: str, source: bytes) -> BulkAction:
    return BulkAction("idx", doc_id, source)


def test_line_breaks_in_valid_json_become_spaces():
    indented = json.dumps({"a": 1, "b": [1, 2]}, indent=2).encode()
    assert frameable(_action("x", indented))
    lines = bulk_body([_action("x", indented)]).decode().strip().split("\n")
    assert len(lines) == 2 and json.loads(lines[1]) == {"a": 1, "b": [1, 2]}


def test_line_breaks_in_broken_json_are_refused_alone():
    assert not frameable(_action("x", b'{\n "a": '))
    assert not frameable(_action("x", b'{"a": "raw\nbreak in a string"}'))
    assert frameable(_action("x", b'{"a": "escaped\\nbreak"}'))


async def test_an_unframeable_document_is_refused_and_the_rest_indexed():
    client = StrictBulk()
    sink = BulkSink(client, backoff=Backoff(0.01, 0.02), sleep=_no_sleep)
    actions = [_action(f"d{i}", b'{"n": %d}' % i) for i in range(5)]
    actions.insert(2, _action("bad", b'{\n "n": '))
    result = await sink.write(actions)
    assert sorted(a.doc_id for a in result.indexed) == [f"d{i}" for i in range(5)]
    assert [(a.doc_id, t) for a, t, _ in result.rejected] == [("bad", "x_content_parse_exception")]


async def test_a_request_refused_as_malformed_is_halved_until_the_bad_document_is_alone():
    client = StrictBulk()
    sink = BulkSink(client, backoff=Backoff(0.01, 0.02), sleep=_no_sleep)
    actions = [_action(f"d{i}", b'{"n": %d}' % i) for i in range(8)]
    actions[5] = _action("d5", b"[5]")
    result = await sink.write(actions)
    assert sorted(a.doc_id for a in result.indexed) == sorted(f"d{i}" for i in range(8) if i != 5)
    [(refused, etype, reason)] = result.rejected
    assert refused.doc_id == "d5" and etype == "illegal_argument_exception" and reason
    assert len(client.requests) <= 2 * 3 + 1, "halving, not one request per document"
