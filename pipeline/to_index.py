"""From output-topic messages to bulk actions, and from rejected actions to dead letters.

Messages on ``incidents.classified``, ``warnings.issued`` and ``sensors.enriched`` carry
their Elasticsearch document as the value and its id in the ``citywatch.doc_id`` header;
they are indexed byte for byte. Dead letters are turned into ``deadletter`` documents; a
message on the dead-letter topic that is not a citywatch dead letter is recorded as one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.indexing import BulkAction
from pipeline.names import TopicNames, index_name
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message, dumps
from schemas.deadletters import HEADERS, DeadLetter
from schemas.documents import deadletter_document

SOURCE_TOPIC_HEADER = HEADERS["source_topic"]


class OutputIndexer:
    """Maps output-topic messages of one deployment to its indices."""

    def __init__(self, topics: TopicNames, index_prefix: str) -> None:
        self.topics = topics
        self.index_prefix = index_prefix

    def action_for(self, origin: Origin, value: bytes | None) -> BulkAction:
        """The bulk action indexing one output-topic message."""
        kind = self.topics.index_kind(origin.topic) or "deadletter"
        index = index_name(self.index_prefix, kind)
        if origin.topic == self.topics.deadletter:
            dead = self._dead_letter(origin, value)
            doc = deadletter_document(dead)
            return BulkAction(
                index=index, doc_id=dead.deadletter_id, source=dumps(doc), origin=origin
            )
        doc_id = origin.header(DOC_ID_HEADER)
        key = origin.key.decode("utf-8", "replace") if origin.key else None
        if not doc_id:
            doc_id = key or origin.coordinates
        # keyed by its id, every version of the document is in this partition, in order
        version = origin.offset if key == doc_id else None
        return BulkAction(
            index=index, doc_id=doc_id, source=value or b"{}", origin=origin, version=version
        )

    @staticmethod
    def _dead_letter(origin: Origin, value: bytes | None) -> DeadLetter:
        """The dead letter a ``deadletter`` message carries.

        A message whose ``citywatch.*`` headers are missing or malformed (not written by
        citywatch) is recorded as itself, under its own coordinates, with stage ``index``
        and code ``invalid_deadletter``, rather than stopping the indexer's batch.
        """
        if origin.header(SOURCE_TOPIC_HEADER) is None:
            problem = f"no {SOURCE_TOPIC_HEADER} header: not a dead letter written by citywatch"
        else:
            try:
                return DeadLetter.from_kafka(value, origin.headers, key=origin.key)
            except ValueError as exc:
                problem = f"malformed dead-letter headers: {exc}"
        at = datetime.fromtimestamp(origin.timestamp, UTC) if origin.timestamp else None
        return DeadLetter.build(
            value,
            stage="index",
            error_code="invalid_deadletter",
            message=problem,
            source_topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            at=at or datetime.now(UTC),
            key=origin.key,
            record_timestamp=at,
            headers=origin.headers,
        )

    def rejection_deadletter(
        self, action: BulkAction, error_type: str, reason: str
    ) -> OutMessage | None:
        """The dead letter for a document Elasticsearch refused; None for a dead letter.

        A refused dead-letter document is logged by the caller rather than re-dead-lettered,
        which would loop; the dead letter itself stays on its topic.
        """
        origin: Origin = action.origin
        if origin.topic == self.topics.deadletter:
            return None
        return deadletter_message(
            self.topics.deadletter,
            origin,
            action.source,
            stage="index",
            code="mapping_rejected",
            message=f"Elasticsearch refused document {action.doc_id} in {action.index}: "
            f"{error_type}: {reason}",
            event_id=action.doc_id,
        )
