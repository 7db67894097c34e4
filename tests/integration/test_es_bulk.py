"""The worker's bulk client against the real Elasticsearch node, through the sink: items
indexed and refused one by one, a malformed request split until the bad line is alone."""

from __future__ import annotations

import uuid

import pytest

from pipeline.clients import elasticsearch_bulk_client
from pipeline.es_bulk import BulkRequestError
from pipeline.indexing import BulkAction
from pipeline.sink import BulkSink

pytestmark = pytest.mark.integration


@pytest.fixture
def index(es):
    name = f"cwtest-bulk-{uuid.uuid4().hex[:12]}"
    es.indices.create(index=name, mappings={"properties": {"n": {"type": "long"}}})
    yield name
    es.indices.delete(index=name, ignore_unavailable=True)


async def test_items_are_indexed_and_refused_one_by_one(settings, es, index):
    client = elasticsearch_bulk_client(settings)
    sink = BulkSink(client, refresh="wait_for")
    try:
        good = [BulkAction(index, f"ok-{i}", b'{"n": %d}' % i) for i in range(3)]
        bad = BulkAction(index, "bad", b'{"n": "not a number"}')
        result = await sink.write([*good, bad])
    finally:
        await client.close()
    assert sorted(a.doc_id for a in result.indexed) == ["ok-0", "ok-1", "ok-2"]
    [(action, etype, _reason)] = result.rejected
    assert action.doc_id == "bad" and etype == "document_parsing_exception"
    assert es.count(index=index)["count"] == 3


async def test_a_malformed_request_raises_with_its_status(settings, index):
    client = elasticsearch_bulk_client(settings)
    try:
        with pytest.raises(BulkRequestError) as raised:
            await client.bulk(body=b'{"index":{"_index":"%s"}\n{"n":1}\n' % index.encode())
    finally:
        await client.close()
    assert raised.value.meta.status == 400


async def test_an_earlier_version_delivered_again_leaves_the_later_one(settings, es, index):
    """A partition read again after a rebalance delivers an incident's earlier record after
    its later one was indexed (seen in fault scenario 2): the document keeps the later one."""
    client = elasticsearch_bulk_client(settings)
    sink = BulkSink(client, refresh="wait_for")
    try:
        first = await sink.write([BulkAction(index, "inc", b'{"n": 1}', version=376)])
        later = await sink.write([BulkAction(index, "inc", b'{"n": 2}', version=422)])
        again = await sink.write([BulkAction(index, "inc", b'{"n": 1}', version=376)])
        same = await sink.write([BulkAction(index, "inc", b'{"n": 2}', version=422)])
    finally:
        await client.close()
    for result in (first, later, again, same):
        assert len(result.indexed) == 1 and not result.rejected and not result.retry
    doc = es.get(index=index, id="inc")
    assert doc["_source"] == {"n": 2} and doc["_version"] == 422
