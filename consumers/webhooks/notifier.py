"""The webhook notifier: incident and warning changes in, HTTP POSTs to subscribers out.

It consumes ``incidents.classified`` and ``warnings.issued`` in its own consumer group.
For each batch, every change is matched against the subscriptions; the deliveries of one
subscription go out in input order, different subscriptions in parallel. The batch's
offsets are committed once every delivery of the batch has reached a final status in the
delivery log (a subscriber that stays down ends ``failed`` after ``max_attempts``, so one
dead receiver cannot hold the others up for ever).

Body of each POST (JSON): ``delivery_id``, ``subscription``, ``kind``, ``doc_id``,
``version``, ``change_id``, ``change`` (district, category, level, hazard, colour,
action, status, at) and
``document`` (the citywatch document as published).
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from consumers.common.consumer import BatchConsumer, ConsumerStats
from consumers.common.documents import Change, change_of, decode_record
from consumers.common.metrics import Sample
from consumers.common.options import data_path, group_id, pick
from consumers.webhooks.delivery import Sender, delivery_id, request_body, request_headers
from consumers.webhooks.log import FINAL, DeliveryLog
from consumers.webhooks.subscriptions import Subscription, load_subscriptions
from pipeline.errors import ConfigError
from pipeline.retry import Backoff
from pipeline.settings import Settings

log = logging.getLogger("citywatch.webhooks")


@dataclass(frozen=True)
class WebhooksConfig:
    """Settings read: ``webhooks_file`` (required), ``webhooks_db``
    (``<data_dir>/consumers/webhooks/deliveries.sqlite3``), ``webhooks_group_id``
    (``<app_id>-webhooks``), ``webhooks_max_attempts`` (6), ``webhooks_timeout_s`` (10),
    ``webhooks_parallel`` (4); backoff from ``retry_base_s`` and ``retry_cap_s``."""

    subscriptions_file: Path
    db: Path
    group_id: str
    max_attempts: int
    timeout_s: float
    parallel: int
    backoff: Backoff
    input_topics: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WebhooksConfig:
        o = overrides.get
        file = pick(o("subscriptions_file"), settings, "webhooks_file", None)
        if file is None:
            raise ConfigError("no subscriptions: set CITYWATCH_WEBHOOKS_FILE (YAML or JSON)")
        topics = settings.topics()
        return cls(
            subscriptions_file=Path(file),
            db=data_path(settings, o("db"), "webhooks_db", "webhooks", "deliveries.sqlite3"),
            group_id=group_id(settings, o("group_id"), "webhooks_group_id", "webhooks"),
            max_attempts=int(pick(o("max_attempts"), settings, "webhooks_max_attempts", 6)),
            timeout_s=float(pick(o("timeout_s"), settings, "webhooks_timeout_s", 10.0)),
            parallel=int(pick(o("parallel"), settings, "webhooks_parallel", 4)),
            backoff=Backoff(settings.retry_base_s, settings.retry_cap_s),
            input_topics=(topics.classified, topics.warnings),
        )


class WebhookNotifier:
    """Matches changes to subscriptions and delivers each change once per subscription."""

    def __init__(
        self,
        settings: Settings,
        config: WebhooksConfig,
        *,
        subscriptions: list[Subscription] | None = None,
        sender: Sender | None = None,
        **consumer_options: Any,
    ) -> None:
        self.config = config
        self.subscriptions = (
            subscriptions
            if subscriptions is not None
            else load_subscriptions(config.subscriptions_file)
        )
        self.log = DeliveryLog(config.db)
        self.sender = sender or Sender(
            timeout_s=config.timeout_s, max_attempts=config.max_attempts, backoff=config.backoff
        )
        self.outcomes: Counter[str] = Counter()
        self.consumer = BatchConsumer(
            settings,
            group_id=config.group_id,
            topics=config.input_topics,
            handler=self.handle,
            client_id="citywatch-webhooks",
            **consumer_options,
        )
        log.info("webhooks: %d subscriptions, log %s", len(self.subscriptions), config.db)

    def run(self, **bounds: Any) -> ConsumerStats:
        """Consume (bounded by ``until_caught_up``, ``idle_timeout_s`` ...), then close."""
        try:
            return self.consumer.run(**bounds)
        finally:
            self.log.close()

    def stop(self) -> None:
        self.consumer.stop()

    def lag(self) -> dict[str, int]:
        return self.consumer.lag()

    def handle(self, records: list[Any]) -> None:
        """Deliver a batch; returns when every delivery of it has a final status."""
        jobs: dict[str, list[tuple[Subscription, Change, dict[str, Any], str]]] = {}
        for record in records:
            decoded = decode_record(record)
            change = change_of(*decoded) if decoded else None
            if change is None:
                continue
            source = f"{record.topic}:{record.partition}:{record.offset}"
            for sub in self.subscriptions:
                if sub.matches(change):
                    jobs.setdefault(sub.id, []).append((sub, change, decoded[1], source))
        if not jobs:
            return
        workers = max(1, min(self.config.parallel, len(jobs)))
        with ThreadPoolExecutor(workers, thread_name_prefix="webhook") as pool:
            for future in [pool.submit(self._deliver_all, items) for items in jobs.values()]:
                future.result()

    def _deliver_all(self, items: list[tuple[Subscription, Change, dict[str, Any], str]]) -> None:
        for sub, change, doc, source in items:
            self.deliver(sub, change, doc, source)

    def deliver(self, sub: Subscription, change: Change, doc: dict[str, Any], source: str) -> str:
        """Deliver one change to one subscriber unless the log says it was done."""
        key = (sub.id, change.change_id)
        previous = self.log.status(*key)
        if previous in FINAL:
            self.outcomes["duplicate"] += 1
            return previous
        ident = delivery_id(sub.id, change.change_id)
        self.log.begin(
            key,
            doc_id=change.doc_id,
            version=change.version,
            kind=change.kind,
            delivery_id=ident,
            url=sub.url,
            source=source,
        )
        payload = {
            "delivery_id": ident,
            "subscription": sub.id,
            "kind": change.kind,
            "doc_id": change.doc_id,
            "version": change.version,
            "change_id": change.change_id,
            "change": {k: v for k, v in asdict(change).items() if k not in ("doc_id", "version")},
            "document": doc,
        }
        body = request_body(payload)
        outcome = self.sender.deliver(
            sub.url,
            body,
            request_headers(sub, body, ident, change.doc_id),
            on_attempt=lambda status, error: self.log.attempt(key, status, error),
        )
        self.log.finish(key, outcome.status)
        self.outcomes[outcome.status] += 1
        log.info(
            "webhook sub=%s change=%s status=%s attempts=%d source=%s",
            sub.id,
            change.change_id,
            outcome.status,
            outcome.attempts,
            source,
        )
        return outcome.status

    def samples(self) -> list[Sample]:
        """Metric samples: consumer lag and counters, and deliveries by outcome."""
        out = self.consumer.samples()
        for outcome, n in sorted(self.outcomes.items()):
            out.append(Sample("citywatch_webhook_deliveries_total", {"outcome": outcome}, n))
        return out
