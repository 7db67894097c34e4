"""Pure bulk-indexing logic: build NDJSON bulk bodies and route each item's outcome.

Per-item outcome (as in the Elasticsearch connector for Kafka Connect):
- indexed (2xx) -> done;
- a data error (400: mapping or parsing rejection) -> dead letter, stage ``index``;
- a version conflict (409) on a versioned action -> done: the index already holds a later
  version of the document;
- anything else (429, 5xx, 403 index blocked, 404 missing index, timeouts) -> retry that
  item only; never dead-lettered, never skipped.

A document that several messages of one partition update in place (an incident, keyed by
its id) is written with the message's offset as its external version (``external_gte``):
a message delivered again after later ones were indexed (a partition read again after a
rebalance) cannot take the document back to an earlier state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    INDEXED = "indexed"
    SUPERSEDED = "superseded"
    """Not written: the index holds a later version of the document (counted as indexed)."""
    REJECTED = "rejected"
    RETRY = "retry"


#: 400-class error types that mean "this document is bad": dead-letter it
REJECT_ERROR_TYPES = frozenset(
    {
        "mapper_parsing_exception",
        "document_parsing_exception",
        "strict_dynamic_mapping_exception",
        "parse_exception",
        "illegal_argument_exception",
        "json_parse_exception",
        "x_content_parse_exception",
        "mapper_exception",
    }
)


@dataclass(frozen=True)
class BulkAction:
    """One document to index: where, under which id, its JSON bytes, and its origin."""

    index: str
    doc_id: str
    source: bytes
    origin: Any = None
    """Caller's handle (e.g. the Kafka event) to route a rejection back to."""
    version: int | None = None
    """External version (the offset of the message in its partition), or None."""


@dataclass
class BulkResult:
    indexed: list[BulkAction] = field(default_factory=list)
    rejected: list[tuple[BulkAction, str, str]] = field(default_factory=list)
    """(action, error type, reason) for items Elasticsearch refused as bad data."""
    retry: list[tuple[BulkAction, int, str]] = field(default_factory=list)
    """(action, status, reason) for items to send again."""


#: (error type, reason) of a document that cannot travel on one line of a bulk body
UNFRAMEABLE = (
    "x_content_parse_exception",
    "the document has line breaks and is not valid JSON, so no bulk line can carry it",
)


def latest_per_document(
    actions: Sequence[BulkAction],
) -> tuple[list[BulkAction], list[BulkAction]]:
    """The last action of each document (index and id) in batch order, and the earlier
    actions it supersedes.

    A batch can hold several versions of one document (an incident updated by several
    reports). Written together, a retried earlier version could land after a later one
    that went through, and the document would go back in time; only the last one is
    written. Should Elasticsearch refuse it as bad data, the document keeps what it held
    before the batch.
    """
    last = {(a.index, a.doc_id): i for i, a in enumerate(actions)}
    latest: list[BulkAction] = []
    superseded: list[BulkAction] = []
    for i, action in enumerate(actions):
        (latest if last[(action.index, action.doc_id)] == i else superseded).append(action)
    return latest, superseded


def frameable(action: BulkAction) -> bool:
    """True when the document can travel on one NDJSON line.

    A line break inside valid JSON is whitespace, so such a document is sent with its line
    breaks turned into spaces (the same JSON); a document with line breaks that is not
    valid JSON would split its bulk request and cost the whole batch, so it is refused on
    its own.
    """
    if b"\n" not in action.source:
        return True
    try:
        json.loads(action.source)
    except ValueError:
        return False
    return True


def bulk_body(actions: Sequence[BulkAction]) -> bytes:
    """The NDJSON body of a bulk request; documents are passed through as bytes.

    Line breaks inside a (valid JSON, see :func:`frameable`) document become spaces.
    """
    parts: list[bytes] = []
    for a in actions:
        op: dict[str, Any] = {"_index": a.index, "_id": a.doc_id}
        if a.version is not None:
            op["version"] = a.version
            op["version_type"] = "external_gte"
        meta = json.dumps({"index": op}, ensure_ascii=False)
        parts.append(meta.encode())
        parts.append(a.source.replace(b"\n", b" ") if b"\n" in a.source else a.source)
    parts.append(b"")
    return b"\n".join(parts)


def classify_item(item: dict[str, Any]) -> tuple[Outcome, int, str, str]:
    """Outcome of one bulk response item: (outcome, status, error type, reason)."""
    result = next(iter(item.values()))
    status = int(result.get("status", 0))
    if 200 <= status < 300:
        return Outcome.INDEXED, status, "", ""
    error = result.get("error") or {}
    etype = error.get("type", "") if isinstance(error, dict) else str(error)
    reason = error.get("reason", "") if isinstance(error, dict) else str(error)
    caused = error.get("caused_by") if isinstance(error, dict) else None
    if caused and caused.get("reason"):
        reason = f"{reason}: {caused.get('type')}: {caused.get('reason')}"
    if status == 400 and (etype in REJECT_ERROR_TYPES or not etype):
        return Outcome.REJECTED, status, etype, reason
    if status == 409 and etype == "version_conflict_engine_exception":
        return Outcome.SUPERSEDED, status, etype, reason
    return Outcome.RETRY, status, etype, reason


def route_items(actions: Sequence[BulkAction], items: Iterable[dict[str, Any]]) -> BulkResult:
    """Pair each action with its response item (same order) and route it."""
    result = BulkResult()
    items = list(items)
    if len(items) != len(actions):
        raise ValueError(f"bulk response has {len(items)} items for {len(actions)} actions")
    for action, item in zip(actions, items, strict=True):
        outcome, status, etype, reason = classify_item(item)
        if outcome is Outcome.INDEXED or outcome is Outcome.SUPERSEDED:
            result.indexed.append(action)
        elif outcome is Outcome.REJECTED:
            result.rejected.append((action, etype, reason[:500]))
        else:
            result.retry.append((action, status, f"{etype}: {reason}"[:500]))
    return result
