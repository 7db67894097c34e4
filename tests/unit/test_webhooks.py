"""Webhooks without Kafka: subscription files and matching, retries against a local
receiver that fails the first attempts, the delivery log and its queries."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from consumers.common.documents import change_of
from consumers.webhooks import query_deliveries
from consumers.webhooks.delivery import Sender
from consumers.webhooks.log import DeliveryLog
from consumers.webhooks.notifier import WebhookNotifier, WebhooksConfig
from consumers.webhooks.subscriptions import load_subscriptions, parse_subscriptions
from pipeline.errors import ConfigError
from pipeline.retry import Backoff
from pipeline.settings import Settings
from tests.alerts_support import incident_doc, warning_chain
from tests.webhooks_support import receiver


def _change(doc):
    return change_of(doc["event"]["id"], doc)


def test_subscription_file_yaml_and_errors(tmp_path):
    path = tmp_path / "subs.yaml"
    path.write_text(
        "subscriptions:\n"
        "  - id: pudong\n    url: http://127.0.0.1:1/h\n    districts: ['310115']\n"
        "  - id: serious\n    url: https://x.example/h\n    min_level: 2\n",
        encoding="utf-8",
    )
    subs = load_subscriptions(path)
    assert [s.id for s in subs] == ["pudong", "serious"] and subs[1].min_level == 2
    with pytest.raises(ConfigError, match=r"subscriptions\.0\.min_level"):
        parse_subscriptions([{"id": "a", "url": "http://h/", "min_level": 7}])
    with pytest.raises(ConfigError, match="used twice"):
        parse_subscriptions([{"id": "a", "url": "http://h/"}, {"id": "a", "url": "http://h/"}])
    with pytest.raises(ConfigError, match="hazards"):
        parse_subscriptions([{"id": "a", "url": "http://h/", "hazards": ["volcano"]}])


def test_matching_by_district_category_level_and_hazard():
    rain = warning_chain("w-m-1")  # Huangpu rainstorm: blue, yellow, blue, end(blue)
    fire2 = _change(incident_doc("r-wm-1", [2]))
    fire4 = _change(incident_doc("r-wm-2", [4]))
    (everything, huangpu, pudong, serious, rainstorm, social, warnings_only) = parse_subscriptions(
        [
            {"id": "all", "url": "http://h/"},
            {"id": "hp", "url": "http://h/", "districts": ["310101"]},
            {"id": "pd", "url": "http://h/", "districts": ["310115"]},
            {"id": "serious", "url": "http://h/", "min_level": 2},
            {"id": "rain", "url": "http://h/", "hazards": ["rainstorm"], "min_level": 3},
            {"id": "social", "url": "http://h/", "categories": ["social_safety"]},
            {"id": "w", "url": "http://h/", "kinds": ["warning"]},
        ]
    )
    changes = [_change(d) for d in rain] + [fire2, fire4]
    assert all(everything.matches(c) for c in changes)
    assert all(huangpu.matches(c) for c in changes) and not any(pudong.matches(c) for c in changes)
    assert [serious.matches(c) for c in changes] == [False] * 4 + [True, False]
    assert [rainstorm.matches(c) for c in changes] == [False, True, False, False, False, False]
    assert not any(social.matches(c) for c in changes)
    assert [warnings_only.matches(c) for c in changes] == [True] * 4 + [False, False]


def test_sender_retries_with_backoff_until_delivered():
    sleeps: list[float] = []
    sender = Sender(max_attempts=5, backoff=Backoff(0.1, 0.4), sleep=sleeps.append)
    with receiver(fail_first=3) as (url, received):
        outcome = sender.deliver(url, b"{}", {"X-Citywatch-Delivery": "d1"})
    assert outcome.status == "delivered" and outcome.attempts == 4
    assert len(received.attempts) == 4 and len(received.successes) == 1
    assert len(sleeps) == 3 and all(s <= 0.4 for s in sleeps)
    assert sleeps[2] >= 0.2  # 0.1 * 2**2 capped at 0.4, jittered down to half at most


def test_sender_gives_up_and_does_not_retry_refusals():
    sender = Sender(max_attempts=3, backoff=Backoff(0.01, 0.01), sleep=lambda s: None)
    with receiver(fail_first=10) as (url, received):
        assert sender.deliver(url, b"{}", {"X-Citywatch-Delivery": "d"}).status == "failed"
        assert len(received.attempts) == 3
    with receiver(fail_first=10, fail_status=410) as (url, received):
        assert sender.deliver(url, b"{}", {"X-Citywatch-Delivery": "d"}).status == "rejected"
        assert len(received.attempts) == 1
    outcome = sender.deliver("http://127.0.0.1:9/nothing", b"{}", {})
    assert outcome.status == "failed" and outcome.http_status is None and outcome.error


def _notifier(tmp_path, subs, max_attempts=6):
    settings = Settings()
    config = WebhooksConfig.from_settings(
        settings, subscriptions_file=tmp_path / "unused.yaml", db=tmp_path / "log.sqlite3"
    )
    sender = Sender(max_attempts=max_attempts, backoff=Backoff(0.001, 0.01), sleep=lambda s: None)
    return WebhookNotifier(settings, config, subscriptions=parse_subscriptions(subs), sender=sender)


def test_one_successful_delivery_per_change_despite_failures_and_repeats(tmp_path):
    docs = warning_chain("w-wh-1") + [incident_doc("r-wh-1", [2]), incident_doc("r-wh-1", [2, 1])]
    with receiver(fail_first=2) as (url, received):
        subs = [
            {"id": "all", "url": url + "/all", "secret": "s3cret"},
            {"id": "serious", "url": url + "/serious", "min_level": 2},
        ]
        first = _notifier(tmp_path, subs)
        for _ in range(2):  # the same changes delivered twice by Kafka
            for doc in docs:
                for sub in first.subscriptions:
                    if sub.matches(_change(doc)):
                        first.deliver(sub, _change(doc), doc, "t:0:0")
        again = _notifier(tmp_path, subs)  # a restart over the same log
        for doc in docs:
            for sub in again.subscriptions:
                if sub.matches(_change(doc)):
                    again.deliver(sub, _change(doc), doc, "t:0:0")
        counts = received.success_counts()
    assert sum(counts.values()) == len(counts) == 6 + 2
    assert set(counts.values()) == {1}
    assert len(received.attempts) == 3 * 8
    signed = next(a for a in received.attempts if a["path"] == "/all")
    body = json.dumps(signed["body"], ensure_ascii=False, separators=(",", ":")).encode()
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signed["headers"]["X-Citywatch-Signature"] == expected
    settings = Settings()
    delivered = query_deliveries(settings, db=tmp_path / "log.sqlite3", status="delivered")
    assert len(delivered) == 8 and all(r["attempts"] == 3 for r in delivered)
    assert {r["subscription"] for r in delivered} == {"all", "serious"}
    one = query_deliveries(settings, db=tmp_path / "log.sqlite3", doc_id="hotline_119:r-wh-1")
    assert sorted((r["subscription"], r["version"]) for r in one) == [
        ("all", 1),
        ("all", 2),
        ("serious", 1),
        ("serious", 2),
    ]


def test_failed_deliveries_are_logged_and_retried_on_redelivery(tmp_path):
    doc = incident_doc("r-wh-2", [3])
    with receiver(fail_first=4) as (url, received):
        notifier = _notifier(tmp_path, [{"id": "a", "url": url}], max_attempts=3)
        sub = notifier.subscriptions[0]
        assert notifier.deliver(sub, _change(doc), doc, "t:0:1") == "failed"
        assert notifier.deliver(sub, _change(doc), doc, "t:0:1") == "delivered"
        assert notifier.deliver(sub, _change(doc), doc, "t:0:1") == "delivered"
        assert len(received.attempts) == 5 and len(received.successes) == 1
    log = DeliveryLog(tmp_path / "log.sqlite3")
    (row,) = log.query()
    assert row["status"] == "delivered" and row["attempts"] == 5 and row["http_status"] == 200
    assert log.counts() == {("a", "delivered"): 1}


def test_status_changes_are_changes_of_their_own(tmp_path):
    doc = incident_doc("r-wh-3", [2])
    verified = json.loads(json.dumps(doc))
    verified["incident"]["status"] = "verified"
    with receiver() as (url, received):
        notifier = _notifier(tmp_path, [{"id": "a", "url": url}])
        sub = notifier.subscriptions[0]
        for d in (doc, verified, verified, doc):
            notifier.deliver(sub, _change(d), d, "t:0:2")
        ids = [a["body"]["change_id"] for a in received.attempts]
    assert ids == ["hotline_119:r-wh-3", "hotline_119:r-wh-3@verified"]
    assert notifier.outcomes == {"delivered": 2, "duplicate": 2}
