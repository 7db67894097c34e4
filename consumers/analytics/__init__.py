"""Analytics rollups (``citywatch analytics``).

Rollups per hour x district x category x level for incidents and per hour x district x
hazard x level for warnings, with time to first report, time from first report to
verification and warning durations, kept in ``{prefix}-rollups`` and as Parquet files.
"""

from __future__ import annotations

from pathlib import Path

from consumers.analytics.service import AnalyticsConfig, AnalyticsConsumer
from consumers.common.options import setting, stop_on_signals
from pipeline.settings import Settings

__all__ = ["AnalyticsConfig", "AnalyticsConsumer", "run"]


def run(
    settings: Settings,
    *,
    directory: Path | None = None,
    group_id: str | None = None,
    parquet: bool | None = None,
    metrics_port: int | None = None,
    until_caught_up: bool = False,
) -> None:
    """Run the analytics consumer until interrupted (or, with ``until_caught_up``, until it
    has processed everything published so far). Arguments left None fall back to the
    settings ``analytics_dir``, ``analytics_group_id``, ``analytics_parquet`` and
    ``analytics_metrics_port``; with a metrics port, ``/metrics`` serves the consumer lag."""
    from consumers.common.metrics import serve_metrics

    config = AnalyticsConfig.from_settings(
        settings, directory=directory, group_id=group_id, parquet=parquet
    )
    consumer = AnalyticsConsumer(settings, config)
    port = (
        metrics_port
        if metrics_port is not None
        else setting(settings, "analytics_metrics_port", None)
    )
    server = serve_metrics(consumer.samples, port=int(port)) if port is not None else None
    try:
        with stop_on_signals(consumer.stop):
            consumer.run(until_caught_up=until_caught_up)
    finally:
        if server is not None:
            server.shutdown()
        consumer.es.close()
