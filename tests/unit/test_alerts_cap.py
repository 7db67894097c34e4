"""CAP messages validate against the OASIS CAP 1.2 XSD and parse with capparselib; the
reference chains are right, survive a restart and ignore redeliveries (no Kafka needed:
the topic publish is replaced by a list)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from consumers.alerts.config import AlertsConfig
from consumers.alerts.feed import atom_feed
from consumers.alerts.publisher import AlertPublisher
from consumers.alerts.store import AlertStore
from pipeline.settings import Settings
from tests.alerts_support import (
    assert_valid_cap,
    incident_doc,
    parse_with_capparselib,
    references,
    warning_chain,
)

pytest.importorskip("capparselib")


def publisher(tmp_path, sent: list) -> AlertPublisher:
    settings = Settings()
    config = AlertsConfig.from_settings(settings, directory=tmp_path / "alerts")
    pub = AlertPublisher(settings, config)
    pub._publish = lambda identifier, xml, doc_id: sent.append((identifier, xml, doc_id))
    pub.store.load()
    return pub


def feed_all(pub: AlertPublisher, docs) -> list:
    return [pub.process(d["event"]["id"], d) for d in docs]


def test_every_message_validates_and_parses(tmp_path):
    sent: list = []
    pub = publisher(tmp_path, sent)
    docs = warning_chain("w-cap-1") + warning_chain(
        "w-cap-2", code="310151", name="崇明区", hazard="high_water", end_reason="expired"
    )
    docs += [
        incident_doc("r-cap-1", [2]),
        incident_doc("r-cap-2", [1], district={"code": "310115", "name": "浦东新区"}),
        incident_doc("r-cap-3", [4], district=None),
    ]
    feed_all(pub, docs)
    assert len(sent) == 10
    for identifier, xml, _ in sent:
        root = assert_valid_cap(xml)
        assert root.findtext("{urn:oasis:names:tc:emergency:cap:1.2}identifier") == identifier
        (alert,) = parse_with_capparselib(xml)
        assert str(alert["cap_id"]) == identifier
        assert [str(i["cap_language"]) for i in alert["cap_info"]] == ["zh-CN", "en"]
        area = alert["cap_info"][0]["cap_area"][0]
        assert area["geocodes"][0]["valueName"] == "GB/T 2260"
        assert (tmp_path / "alerts" / f"{identifier}.xml").read_bytes() == xml


def test_reference_chain_continues_across_a_restart(tmp_path):
    docs = warning_chain("w-cap-restart")
    sent: list = []
    first = publisher(tmp_path, sent)
    feed_all(first, docs[:2])
    second = publisher(tmp_path, sent)  # a new process over the same directory
    assert len(second.store) == 2
    feed_all(second, docs[2:])
    kinds = [parse_with_capparselib(xml)[0]["cap_message_type"] for _, xml, _ in sent]
    assert [str(k) for k in kinds] == ["Alert", "Update", "Update", "Cancel"]
    triples = [
        f"citywatch.local,{i},{str(parse_with_capparselib(x)[0]['cap_sent'])}" for i, x, _ in sent
    ]
    for n, (_, xml, _) in enumerate(sent):
        assert references(xml) == triples[:n]


def test_redelivered_inputs_make_no_second_message(tmp_path):
    docs = warning_chain("w-cap-dup") + [incident_doc("r-cap-dup", [2])]
    sent: list = []
    pub = publisher(tmp_path, sent)
    feed_all(pub, docs)
    feed_all(pub, docs)
    feed_all(publisher(tmp_path, sent), docs)
    assert len(sent) == 5
    assert len(list((tmp_path / "alerts").glob("*.xml"))) == 5


def test_incident_regrades_become_updates(tmp_path):
    sent: list = []
    pub = publisher(tmp_path, sent)
    feed_all(pub, [incident_doc("r-cap-g", [3])])
    assert sent == []
    feed_all(pub, [incident_doc("r-cap-g", [3, 2]), incident_doc("r-cap-g", [3, 2, 3])])
    types = [str(parse_with_capparselib(x)[0]["cap_message_type"]) for _, x, _ in sent]
    assert types == ["Alert", "Update"]
    assert len(references(sent[1][1])) == 1


def test_feed_lists_current_chains_and_parses(tmp_path):
    sent: list = []
    pub = publisher(tmp_path, sent)
    ended = warning_chain("w-cap-feed-ended")
    live = warning_chain("w-cap-feed-live", code="310115", name="浦东新区")[:2]
    feed_all(pub, ended + live + [incident_doc("r-cap-feed", [1])])
    store: AlertStore = pub.store
    now = datetime.now(UTC)
    current = store.current(now)
    assert {s.incidents for s in current} == {"w-cap-feed-live", "hotline_119:r-cap-feed"}
    later = now + timedelta(days=2)
    assert store.current(later) == []
    body = atom_feed(
        [(s, store.read(s.identifier)) for s in current],
        base_url="http://127.0.0.1:8081",
        title="t",
        author="a",
        now=now,
    )
    alerts = parse_with_capparselib(body)
    assert {str(a["cap_id"]) for a in alerts} == {s.identifier for s in current}


def test_resolved_incident_cancels_its_chain(tmp_path):
    sent: list = []
    pub = publisher(tmp_path, sent)
    doc = incident_doc("r-cap-res", [2])
    resolved = json.loads(json.dumps(doc))
    resolved["incident"]["status"] = "resolved"
    closed = json.loads(json.dumps(doc))
    closed["incident"]["status"] = "closed"
    verified = json.loads(json.dumps(doc))
    verified["incident"]["status"] = "verified"
    feed_all(pub, [doc, verified, resolved, closed, resolved])
    assert [i for i, _, _ in sent] == [
        "310101-I-hotline_119~r-cap-res",
        "310101-I-hotline_119~r-cap-res+resolved",
    ]
    cancel = sent[-1][1]
    assert_valid_cap(cancel)
    (alert,) = parse_with_capparselib(cancel)
    assert str(alert["cap_message_type"]) == "Cancel"
    assert references(cancel) == [pub.store.chain("hotline_119:r-cap-res")[0].reference]
    assert str(alert["cap_info"][0]["cap_urgency"]) == "Past"
    assert pub.store.current(datetime.now(UTC)) == []
