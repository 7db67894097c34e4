"""Invariants I1-I3 of RELIABILITY.md, checked against the broker and the indices.

Every record on a watched topic has an :class:`Expect`: indexed under an id, or
dead-lettered at a stage with an error code. :func:`check_invariants` reads the watched
topics and the ``deadletter`` topic back from the broker and the indices from
Elasticsearch, and tallies what was lost, duplicated or malformed.

Incident reports are correlated: a report's id (``source:report_id``) is a *member* of
exactly one incident document (its own, or the one it was merged into), listed in
``incident.reports``. Other documents are indexed under their own id.

- I1 no loss: every record is indexed (or a member of one incident) or dead-lettered,
  never both;
- I2 no duplicates: one document per id, each report in one incident, no document nobody
  expects;
- I3 useful dead letters: the original bytes, key and headers, and headers naming the
  stage, error code, message and source topic/partition/offset.
"""

from __future__ import annotations

import base64
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, helpers
from kafka import KafkaConsumer, TopicPartition

from pipeline.clients import kafka_python_config
from pipeline.settings import Settings
from pipeline.synthetic import SyntheticEvent

DEADLETTER_HEADERS = (
    "citywatch.stage",
    "citywatch.error_code",
    "citywatch.error_message",
    "citywatch.source_topic",
    "citywatch.source_partition",
    "citywatch.source_offset",
)


@dataclass(frozen=True)
class Expect:
    """What must become of one record: a document id, or a dead letter (stage, code)."""

    doc_id: str | None = None
    stage: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    @property
    def coordinates(self) -> tuple[str, int, int]:
        return (self.topic, self.partition, self.offset)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return None if v is None else v.decode("utf-8", "replace")
        return None


@dataclass
class Tally:
    """Counts and problems of one check; ``held`` when there is no problem."""

    events: int = 0
    indexed: int = 0
    deadlettered: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.problems

    def fail(self, problem: str, *, lost: int = 0, duplicated: int = 0) -> None:
        self.problems.append(problem)
        self.lost += lost
        self.duplicated += duplicated

    def assert_held(self) -> None:
        shown = "\n".join(self.problems[:25])
        more = f"\n... and {len(self.problems) - 25} more" if len(self.problems) > 25 else ""
        assert self.held, f"invariants violated ({len(self.problems)} problems):\n{shown}{more}"


def expect_synthetic(events: Iterable[SyntheticEvent]) -> dict[bytes | None, Expect]:
    """Good synthetic reports are indexed by id; poison pills dead-lettered at validate."""
    return {
        e.key: Expect(doc_id=e.event_id)
        if e.poison is None
        else Expect(stage="validate", code=e.poison)
        for e in events
    }


def read_messages(settings: Settings, topic: str, timeout_s: float = 120) -> list[Message]:
    """Every message of ``topic`` from the beginning to the end offsets seen at the start."""
    consumer = KafkaConsumer(
        enable_auto_commit=False, max_partition_fetch_bytes=8 << 20, **kafka_python_config(settings)
    )
    try:
        parts = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out: list[Message] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in parts):
            assert time.monotonic() < deadline, f"reading {topic} took over {timeout_s}s"
            for records in consumer.poll(timeout_ms=1000).values():
                out.extend(
                    Message(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers or ()))
                    for r in records
                    if r.offset < end[TopicPartition(r.topic, r.partition)]
                )
        return out
    finally:
        consumer.close()


def members_of(docs: Mapping[str, dict]) -> dict[str, list[str]]:
    """Report id -> ids of the incident documents listing it in ``incident.reports``."""
    found: dict[str, list[str]] = defaultdict(list)
    for doc_id, doc in docs.items():
        for r in (doc.get("incident") or {}).get("reports") or []:
            found[f"{r['source']}:{r['report_id']}"].append(doc_id)
    return found


def index_sources(es: Elasticsearch, index: str) -> dict[str, dict]:
    """``_id -> _source`` of every document of ``index`` (empty when it does not exist)."""
    if not es.indices.exists(index=index):
        return {}
    es.indices.refresh(index=index)
    return {h["_id"]: h["_source"] for h in helpers.scan(es, index=index, size=1000)}


def check_invariants(
    settings: Settings,
    es: Elasticsearch,
    watched: Mapping[str, Mapping[bytes | None, Expect]],
    *,
    data_index: str = "incidents",
    members: bool = True,
) -> Tally:
    """I1-I3 for the records of the ``watched`` topics (topic -> key -> Expect).

    ``members``: expected ids are reports inside incident documents (else document ids).
    """
    tally = Tally()
    records = [m for topic in watched for m in read_messages(settings, topic)]
    tally.events = len(records)
    docs = index_sources(es, f"{settings.index_prefix}-{data_index}")
    holders = members_of(docs) if members else {doc_id: [doc_id] for doc_id in docs}
    dead_docs = index_sources(es, f"{settings.index_prefix}-deadletter")
    dead_msgs = read_messages(settings, settings.topics().deadletter)
    dead_by_coords: dict[tuple[str, int, int], list[dict]] = defaultdict(list)
    for doc in dead_docs.values():
        src = doc["deadletter"]["source"]
        dead_by_coords[(src["topic"], src["partition"], src["offset"])].append(doc)
    msgs_by_coords: dict[tuple[str, int, int], list[Message]] = defaultdict(list)
    for m in dead_msgs:
        coords = (
            m.header("citywatch.source_topic") or "",
            int(m.header("citywatch.source_partition") or -1),
            int(m.header("citywatch.source_offset") or -1),
        )
        msgs_by_coords[coords].append(m)

    wanted_ids: set[str] = set()
    for rec in records:
        expect = watched[rec.topic].get(rec.key)
        if expect is None:
            tally.fail(f"{rec.coordinates}: unexpected record key {rec.key!r}")
            continue
        dead = dead_by_coords.get(rec.coordinates, [])
        if expect.doc_id is not None:
            wanted_ids.add(expect.doc_id)
            if dead:
                tally.fail(
                    f"{rec.coordinates}: good event {expect.doc_id} dead-lettered", duplicated=1
                )
            continue
        _check_dead_letter(tally, rec, expect, dead, msgs_by_coords.get(rec.coordinates, []))

    for doc_id in sorted(wanted_ids - holders.keys()):
        tally.fail(f"{doc_id} lost: not in {data_index}", lost=1)
    for doc_id in sorted(holders.keys() - wanted_ids):
        tally.fail(f"{doc_id} in {data_index} matches no input record", duplicated=1)
    for doc_id, held_by in sorted(holders.items()):
        if len(held_by) > 1:
            tally.fail(f"{doc_id} is in {len(held_by)} documents {held_by}", duplicated=1)
    watched_coords = {r.coordinates for r in records}
    for coords in sorted(dead_by_coords.keys() - watched_coords):
        tally.fail(f"dead letter for {coords} matches no watched record", duplicated=1)
    tally.indexed = len(holders.keys() & wanted_ids)
    tally.deadlettered = sum(1 for c in dead_by_coords if c in watched_coords)
    return tally


def _check_dead_letter(
    tally: Tally,
    rec: Message,
    expect: Expect,
    docs: list[dict],
    msgs: list[Message],
) -> None:
    """I1 and I3 for one record that must be dead-lettered."""
    where = f"{rec.coordinates} ({expect.code})"
    if not docs:
        tally.fail(f"{where}: dead letter lost: not in the deadletter index", lost=1)
        return
    if len(docs) > 1:
        tally.fail(f"{where}: {len(docs)} dead-letter documents", duplicated=len(docs) - 1)
    doc = docs[0]
    got = (doc["deadletter"]["stage"], doc["error"]["code"])
    if got != (expect.stage, expect.code):
        tally.fail(f"{where}: dead letter says stage/code {got}")
    if not doc["error"].get("message"):
        tally.fail(f"{where}: dead letter without an error message")
    original = rec.value or b""
    dl = doc["deadletter"]
    if dl["original_size"] != len(original):
        tally.fail(f"{where}: original_size {dl['original_size']} != {len(original)}")
    kept = base64.b64decode(dl["original_b64"])
    if kept != original and not (dl.get("original_truncated") and original.startswith(kept)):
        tally.fail(f"{where}: original bytes differ in the index")
    if not msgs:
        tally.fail(f"{where}: no message on the deadletter topic", lost=1)
        return
    for m in msgs:
        if (m.value or b"") != original or m.key != rec.key:
            tally.fail(f"{where}: deadletter message does not carry the original key and bytes")
        names = Counter(k for k, _ in m.headers)
        missing = [h for h in DEADLETTER_HEADERS if not names[h]]
        if missing:
            tally.fail(f"{where}: deadletter message lacks headers {missing}")
        if not set(rec.headers) <= set(m.headers):
            tally.fail(f"{where}: original headers not carried over")
        if (m.header("citywatch.stage"), m.header("citywatch.error_code")) != got:
            tally.fail(f"{where}: topic headers and index disagree on stage/code")


def expected_total(settings: Settings, watched: Mapping[str, Mapping[bytes | None, Expect]]) -> int:
    """Ids (reports or documents) plus dead letters the watched records must end as."""
    ids: set[str] = set()
    dead = 0
    for topic, by_key in watched.items():
        for rec in read_messages(settings, topic):
            expect = by_key.get(rec.key)
            if expect is not None and expect.doc_id is not None:
                ids.add(expect.doc_id)
            elif expect is not None:
                dead += 1
    return len(ids) + dead
