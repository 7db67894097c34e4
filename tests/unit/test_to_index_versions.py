"""Documents updated in place are written with their message's offset as version."""

from __future__ import annotations

from pipeline.processing import DOC_ID_HEADER, Origin
from pipeline.settings import Settings
from pipeline.to_index import OutputIndexer

TOPICS = Settings().topics()
INDEXER = OutputIndexer(TOPICS, "citywatch")


def test_an_incident_record_keyed_by_its_id_carries_its_offset_as_version():
    # every record of an incident is in the partition of its key, in the order written
    origin = Origin(
        TOPICS.classified, 0, 422, b"hotline_120:r1", [(DOC_ID_HEADER, b"hotline_120:r1")]
    )
    action = INDEXER.action_for(origin, b"{}")
    assert (action.doc_id, action.version) == ("hotline_120:r1", 422)


def test_a_document_keyed_otherwise_has_no_version():
    # a reading keyed by its sensor: its own document, whose id is not the key
    origin = Origin(
        TOPICS.enriched, 1, 9, b"rain-01", [(DOC_ID_HEADER, b"rain-01:2026-07-01T12:00")]
    )
    assert INDEXER.action_for(origin, b"{}").version is None


def test_a_dead_letter_has_no_version():
    origin = Origin(TOPICS.deadletter, 1, 7, b"k", [], timestamp=1_700_000_000.0)
    assert INDEXER.action_for(origin, b"x").version is None
