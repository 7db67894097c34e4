"""Scenarios 8 and 11: documents Elasticsearch refuses, and poison pills on the input.

Both are bad data, not outages: each bad record ends in ``deadletter`` with its own error
code while the rest of its batch flows. They run against the shared services.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from pipeline.clients import kafka_python_config
from pipeline.processing import DOC_ID_HEADER, Origin
from pipeline.synthetic import synthetic_reports
from pipeline.worker import build_processor
from tests.fault.deployment import Deployment
from tests.fault.invariants import Expect, check_invariants, expect_synthetic, expected_total
from tests.fault.recovery import wait_settled
from tests.fault.verdict import conclude, settle

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.fault_fast]

REJECTED = Expect(stage="index", code="mapping_rejected")


def incident_documents(dep: Deployment, count: int) -> list[tuple[bytes, bytes]]:
    """(id, document) of ``count`` incident documents as the worker's classifier makes them."""
    processor = build_processor(dep.settings)
    out = []
    for e in synthetic_reports(count, seed=108, run_id="s8"):
        [msg] = processor.process(Origin(dep.topics.reports, 0, 0, e.key), e.value)
        out.append((dict(msg.headers)[DOC_ID_HEADER], msg.value))
    return out


def spoiled(doc: bytes, how: str) -> bytes:
    """A copy of ``doc`` that the strict incidents mapping refuses."""
    d = json.loads(doc)
    if how == "wrong_type":
        d["incident"]["level"] = "very high"
    elif how == "bad_geo":
        d["geo"]["location"] = {"lat": 95.0, "lon": 121.47}
    elif how == "unknown_field":
        d["incident"]["priority"] = "urgent"
    return json.dumps(d, ensure_ascii=False).encode()


def test_08_mapping_rejection(deployment: Deployment, scenario):
    result = scenario(
        8,
        "mapping rejection",
        "on incidents.classified: 3 documents the strict mapping refuses (a string level, "
        "latitude 95, an unknown field) among 300 good ones, in one produce",
    )
    dep = deployment
    docs = incident_documents(dep, 300)
    bad = {}
    for n, how in ((40, "wrong_type"), (150, "bad_geo"), (260, "unknown_field")):
        key = f"spoiled-{how}".encode()
        docs.insert(n, (key, spoiled(docs[n][1], how)))
        bad[key] = REJECTED
    expect = {key: Expect(doc_id=key.decode()) for key, _ in docs if key not in bad}
    watched = {dep.topics.classified: {**expect, **bad}}
    worker = dep.worker().start()
    worker.wait_ready()
    dep.produce(dep.topics.classified, docs)
    produced = time.monotonic()
    settled = wait_settled(
        dep.settings, dep.es, expected_total(dep.settings, watched), produced, members=False
    )
    tally = check_invariants(dep.settings, dep.es, watched, members=False)
    mixed = [
        m
        for m in re.findall(r"bulk docs=(\d+) indexed=(\d+) rejected=(\d+)", worker.log_text())
        if int(m[1]) > 0 and int(m[2]) > 0
    ]
    own = [] if mixed else ["no bulk had both indexed and rejected items"]
    own += [] if worker.alive() else ["the worker died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{len(mixed)} bulk request(s) held indexed and refused documents together; each "
        "refused document is in deadletter with stage=index, code=mapping_rejected and the "
        "classified topic's coordinates, the rest of its batch indexed. Recovery is measured "
        "from the produce.",
    )


def pills(now: datetime) -> dict[str, tuple[bytes, str]]:
    """Poison pills by name: (value, the error code it must be dead-lettered with)."""
    base = json.loads(next(synthetic_reports(1, seed=111, run_id="pill")).value)

    def variant(**changes) -> bytes:
        report = json.loads(json.dumps(base))
        for path, value in changes.items():
            target, *rest = path.split("__")
            if rest:
                report[target][rest[0]] = value
            elif value is None:
                report.pop(target)
            else:
                report[target] = value
        return json.dumps(report, ensure_ascii=False).encode()

    return {
        "invalid-utf8": (b'{"report_id": "\xff\xfe", "description": "\xc3\x28"}', "invalid_utf8"),
        "invalid-json": (variant()[:-9], "invalid_json"),
        "missing-field": (variant(description=None), "missing_field"),
        "unknown-field": (variant(priority="urgent"), "unknown_field"),
        "lat-91": (variant(location__lat=91.0), "out_of_range"),
        "year-10000": (variant(reported_at="10000-01-01T00:00:00+08:00"), "invalid_timestamp"),
        "empty-value": (b"", "empty_value"),
        "2mb-value": (variant(description="x" * (2 << 20)), "too_large"),
        "text-4001": (variant(description="火" * 4001), "too_long"),
        "lon-181": (variant(location__lon=181.0), "out_of_range"),
        "60-days-old": (
            variant(reported_at=(now - timedelta(days=60)).isoformat()),
            "timestamp_out_of_window",
        ),
        "json-array": (b"[1, 2, 3]", "not_an_object"),
    }


def test_11_poison_pills(deployment: Deployment, scenario):
    result = scenario(
        11,
        "poison pills",
        "invalid UTF-8, invalid JSON, missing field, unknown field, lat=91, year 10000, empty "
        "value, 2 MB value (and text of 4,001 characters, lon=181, 60 days old, a JSON array) "
        "among 300 good reports, with a header on every record",
    )
    dep = deployment
    events = list(synthetic_reports(300, seed=111, run_id="s11"))
    records = [(e.key, e.value) for e in events]
    expect = expect_synthetic(events)
    for n, (name, (value, code)) in enumerate(pills(datetime.now(UTC)).items()):
        key = f"pill-{name}".encode()
        records.insert(20 * n + 10, (key, value))
        expect[key] = Expect(stage="validate", code=code)
    watched = {dep.topics.reports: expect}
    worker = dep.worker().start()
    worker.wait_ready()
    dep.produce(dep.topics.reports, records, extra=["-H", "citywatch-test=fault-suite"])
    produced = time.monotonic()
    settled = settle(dep, watched, produced)
    tally = check_invariants(dep.settings, dep.es, watched)
    own = [] if worker.alive() else ["a poison pill stopped the worker"]
    if "Traceback" in worker.log_text():
        own.append("the worker logged a traceback")
    conclude(
        result,
        tally,
        settled,
        own,
        notes="Each pill is in deadletter with stage=validate and its own error code "
        "(invalid_utf8, invalid_json, missing_field, unknown_field, out_of_range, "
        "invalid_timestamp, empty_value, too_large; too_long, timestamp_out_of_window, "
        "not_an_object), the original key, bytes and header on the topic (the 2 MB one in "
        "full; its index document keeps the first 64 KiB); the worker stayed up. Recovery "
        "is measured from the produce.",
    )


def test_08_documents_with_line_breaks_do_not_break_a_bulk(deployment: Deployment):
    """A document with raw line breaks must not break the NDJSON bulk it travels in.

    Indented JSON is indexed like its one-line form; broken JSON over several lines is
    dead-lettered alone. Neither may cost the rest of the batch.
    """
    dep = deployment
    docs = incident_documents(dep, 100)
    doc_id, doc = docs[50]
    docs[50] = (doc_id, json.dumps(json.loads(doc), indent=2, ensure_ascii=False).encode())
    broken = (b"broken-over-lines", b'{\n  "incident": {\n    "level": ')
    docs.insert(70, broken)
    expect = {key: Expect(doc_id=key.decode()) for key, _ in docs}
    expect[broken[0]] = REJECTED
    watched = {dep.topics.classified: expect}
    worker = dep.worker().start()
    worker.wait_ready()
    producer = KafkaProducer(acks="all", **kafka_python_config(dep.settings))
    for key, value in docs:
        producer.send(dep.topics.classified, key=key, value=value)
    producer.flush(timeout=60)
    producer.close()
    settled = wait_settled(
        dep.settings,
        dep.es,
        expected_total(dep.settings, watched),
        time.monotonic(),
        members=False,
        timeout_s=90,
    )
    check_invariants(dep.settings, dep.es, watched, members=False).assert_held()
    assert settled.within_limit, settled.describe()
    assert worker.alive() and "Traceback" not in worker.log_text(), worker.logs()
