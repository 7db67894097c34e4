"""The analytics consumer: facts from the output topics, rollups in Elasticsearch and
Parquet.

It reads ``incidents.classified``, ``warnings.issued`` and, when the dashboard has created
it, ``audit.actions`` (verifications), subscribing by pattern so that the audit topic is
picked up whenever it appears. Per batch: facts are merged into
``{prefix}-analytics-facts`` (optimistic concurrency, so several instances may share the
group), every touched hour is recomputed into ``{prefix}-rollups``, every touched day's
Parquet file is rewritten, and only then are the offsets committed. Elasticsearch being
unwell is a :class:`~pipeline.errors.DependencyError`: the batch is retried, never skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from consumers.analytics import facts as f
from consumers.analytics.indices import ensure_indices, facts_index, rollups_index
from consumers.analytics.parquet import write_day
from consumers.analytics.rollups import ROLLUP_KIND, recompute
from consumers.common.consumer import BatchConsumer, ConsumerStats
from consumers.common.documents import decode_record
from consumers.common.metrics import Sample
from consumers.common.options import data_path, group_id, namespaced, pick
from pipeline.clients import elasticsearch_client
from pipeline.errors import DependencyError
from pipeline.settings import Settings

log = logging.getLogger("citywatch.analytics")

AUDIT_TOPIC = "audit.actions"
MERGE_ATTEMPTS = 10
Merge = Callable[[dict[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class AnalyticsConfig:
    """Settings read: ``analytics_group_id`` (``<app_id>-analytics``), ``analytics_dir``
    (``<data_dir>/consumers/analytics``), ``analytics_parquet`` (true)."""

    group_id: str
    directory: Path
    parquet: bool
    prefix: str
    facts_index: str
    rollups_index: str
    incidents_topic: str
    warnings_topic: str
    audit_topic: str
    replicas: int

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> AnalyticsConfig:
        o = overrides.get
        topics = settings.topics()
        return cls(
            group_id=group_id(settings, o("group_id"), "analytics_group_id", "analytics"),
            directory=data_path(settings, o("directory"), "analytics_dir", "analytics"),
            parquet=bool(pick(o("parquet"), settings, "analytics_parquet", True)),
            prefix=settings.index_prefix,
            facts_index=facts_index(settings.index_prefix),
            rollups_index=rollups_index(settings.index_prefix),
            incidents_topic=topics.classified,
            warnings_topic=topics.warnings,
            audit_topic=getattr(topics, "audit", None) or namespaced(settings, AUDIT_TOPIC),
            replicas=settings.index_replicas,
        )

    @property
    def pattern(self) -> str:
        """The subscription: exactly the three topics."""
        names = (self.incidents_topic, self.warnings_topic, self.audit_topic)
        return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def _dependency(exc: Exception) -> bool:
    if isinstance(exc, ApiError):
        return exc.meta.status == 429 or exc.meta.status >= 500
    return isinstance(exc, TransportError)


class AnalyticsConsumer:
    """Keeps the facts, rollups and Parquet files in step with the topics."""

    def __init__(
        self,
        settings: Settings,
        config: AnalyticsConfig,
        es: Elasticsearch | None = None,
        **consumer_options: Any,
    ) -> None:
        self.config = config
        self.es = es or elasticsearch_client(settings)
        self.rollups_written = 0
        self.files_written = 0
        self.consumer = BatchConsumer(
            settings,
            group_id=config.group_id,
            topics=(),
            pattern=config.pattern,
            handler=self.handle,
            client_id="citywatch-analytics",
            **consumer_options,
        )

    def prepare(self) -> None:
        """Create the facts and rollups indices when missing."""
        ensure_indices(self.es, self.config.prefix, self.config.replicas)

    def run(self, **bounds: Any) -> ConsumerStats:
        """Prepare, then consume (bounded by ``until_caught_up``, ``idle_timeout_s`` ...)."""
        self.prepare()
        return self.consumer.run(**bounds)

    def stop(self) -> None:
        self.consumer.stop()

    def lag(self) -> dict[str, int]:
        return self.consumer.lag()

    def handle(self, records: list[Any]) -> None:
        """Facts, rollups and files for one batch; raises DependencyError to be retried."""
        try:
            touched = self._facts(records)
            self.rollups_written += recompute(
                self.es, self.config.facts_index, self.config.rollups_index, touched
            )
            if self.config.parquet:
                for kind, day in sorted({(k, f.day_of(h)) for k, h in touched}):
                    index, directory = self.config.rollups_index, self.config.directory
                    write_day(self.es, index, directory, ROLLUP_KIND[kind], day)
                    self.files_written += 1
        except (ApiError, TransportError) as exc:
            if _dependency(exc):
                raise DependencyError(f"Elasticsearch: {exc!r}") from exc
            raise
        except helpers.BulkIndexError as exc:
            statuses = {next(iter(e.values())).get("status", 0) for e in exc.errors}
            if all(s == 429 or s >= 500 for s in statuses):
                raise DependencyError(f"Elasticsearch bulk: {statuses}") from exc
            raise

    def _facts(self, records: list[Any]) -> set[tuple[str, str]]:
        warnings: dict[str, dict[str, Any]] = {}
        merges: dict[str, list[Merge]] = {}
        for record in records:
            decoded = decode_record(record)
            if decoded is None:
                continue
            doc_id, doc = decoded
            try:
                if record.topic == self.config.warnings_topic and "warning" in doc:
                    warnings[f"warning:{doc_id}"] = f.warning_fact(doc_id, doc)
                elif record.topic == self.config.incidents_topic and "incident" in doc:
                    merges.setdefault(f"incident:{doc_id}", []).append(
                        lambda old, i=doc_id, d=doc: f.merge_incident(old, i, d)
                    )
                elif record.topic == self.config.audit_topic:
                    verified = f.verification_of(doc)
                    if verified:
                        merges.setdefault(f"incident:{verified[0]}", []).append(
                            lambda old, i=verified[0], at=verified[1]: f.merge_verification(
                                old, i, at
                            )
                        )
            except (KeyError, ValueError, TypeError) as exc:
                log.warning(
                    "skipped %s:%d:%d: %r", record.topic, record.partition, record.offset, exc
                )
        touched = {("warning", fact["hour"]) for fact in warnings.values()}
        if warnings:
            actions = [
                {"_index": self.config.facts_index, "_id": i, "_source": d}
                for i, d in warnings.items()
            ]
            helpers.bulk(self.es, actions, refresh=False)
        return touched | self._merge(merges)

    def _merge(self, merges: dict[str, list[Merge]]) -> set[tuple[str, str]]:
        """Apply the merges with optimistic concurrency; the touched incident hours."""
        touched: set[tuple[str, str]] = set()
        pending = merges
        for _ in range(MERGE_ATTEMPTS):
            if not pending:
                return touched
            found = self.es.mget(index=self.config.facts_index, ids=list(pending))["docs"]
            actions = []
            for item in found:
                old = item["_source"] if item.get("found") else None
                fact = old
                for merge in pending[item["_id"]]:
                    fact = merge(fact)
                touched |= {("incident", x["hour"]) for x in (old, fact) if x and x.get("hour")}
                action = {"_index": self.config.facts_index, "_id": item["_id"], "_source": fact}
                if old is None:
                    action["_op_type"] = "create"
                else:
                    action |= {
                        "if_seq_no": item["_seq_no"],
                        "if_primary_term": item["_primary_term"],
                    }
                actions.append(action)
            _, errors = helpers.bulk(self.es, actions, raise_on_error=False, refresh=False)
            conflicts = set()
            for error in errors:
                body = next(iter(error.values()))
                if body.get("status") != 409:
                    raise helpers.BulkIndexError("facts not written", [error])
                conflicts.add(body["_id"])
            pending = {i: pending[i] for i in conflicts}
        raise DependencyError(
            f"facts kept changing under {len(pending)} merges; retrying the batch"
        )

    def samples(self) -> list[Sample]:
        """Metric samples: consumer lag and counters, rollups and files written."""
        return self.consumer.samples() + [
            Sample(
                "citywatch_analytics_rollups_written_total", {}, self.rollups_written, "counter"
            ),
            Sample("citywatch_analytics_files_written_total", {}, self.files_written, "counter"),
        ]
