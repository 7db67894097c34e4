"""The webhook notifier (``citywatch webhooks``) and its delivery log.

Subscriptions (a YAML or JSON file) choose changes by district, category, minimum level
and hazard; each matching change is POSTed once per subscription, with retries and capped
exponential backoff, and recorded in a SQLite delivery log that can be queried.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from consumers.common.options import data_path
from consumers.webhooks.log import DeliveryLog
from consumers.webhooks.notifier import WebhookNotifier, WebhooksConfig
from consumers.webhooks.subscriptions import Subscription, load_subscriptions
from pipeline.settings import Settings

__all__ = [
    "DeliveryLog",
    "Subscription",
    "WebhookNotifier",
    "WebhooksConfig",
    "load_subscriptions",
    "query_deliveries",
    "run",
]


def run(
    settings: Settings,
    *,
    subscriptions_file: Path | None = None,
    db: Path | None = None,
    group_id: str | None = None,
    max_attempts: int | None = None,
    metrics_port: int | None = None,
) -> None:
    """Run the notifier until interrupted; arguments left None fall back to the settings
    (``webhooks_file``, ``webhooks_db``, ``webhooks_group_id``, ``webhooks_max_attempts``,
    ``webhooks_metrics_port``). With a metrics port, ``/metrics`` serves the consumer lag."""
    from consumers.common.metrics import serve_metrics
    from consumers.common.options import setting, stop_on_signals

    config = WebhooksConfig.from_settings(
        settings,
        subscriptions_file=subscriptions_file,
        db=db,
        group_id=group_id,
        max_attempts=max_attempts,
    )
    notifier = WebhookNotifier(settings, config)
    port = (
        metrics_port
        if metrics_port is not None
        else setting(settings, "webhooks_metrics_port", None)
    )
    server = serve_metrics(notifier.samples, port=int(port)) if port is not None else None
    try:
        with stop_on_signals(notifier.stop):
            notifier.run()
    finally:
        if server is not None:
            server.shutdown()


def query_deliveries(
    settings: Settings,
    *,
    db: Path | None = None,
    subscription: str | None = None,
    doc_id: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Rows of the delivery log (newest first) matching every filter given."""
    path = data_path(settings, db, "webhooks_db", "webhooks", "deliveries.sqlite3")
    log = DeliveryLog(path)
    try:
        return log.query(
            subscription=subscription, doc_id=doc_id, status=status, since=since, limit=limit
        )
    finally:
        log.close()
