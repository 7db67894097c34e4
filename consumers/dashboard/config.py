"""The dashboard's view of the settings: tokens, consumer group, topics and indices.

Every value comes from the :class:`~pipeline.settings.Settings` instance it is given; the
dashboard's own fields are read with ``getattr`` so that a settings object without them
falls back to the defaults documented here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from pipeline.names import index_name
from pipeline.settings import Settings

AUDIT_TOPIC = "audit.actions"
"""Topic of operator actions (``<namespace>.audit.actions`` under a namespace)."""
DEFAULT_CLIENT_QUEUE = 256
"""Most live events buffered per SSE client before the client is disconnected."""


def _secret(value: object) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return text or None


@dataclass(frozen=True)
class DashboardConfig:
    """What the dashboard needs to know about its deployment."""

    operator_token: str | None
    """Bearer token of operators; None disables operator actions."""
    viewer_token: str | None
    """Bearer token of viewers; None lets anyone read without a token."""
    group_id: str
    """Kafka consumer group of the live feed."""
    client_queue: int
    """Most live events buffered per SSE client."""
    incidents_topic: str
    warnings_topic: str
    audit_topic: str
    commands_topic: str | None
    """Topic of warning commands read by the worker; None when the deployment has none."""
    incidents_index: str
    warnings_index: str
    audit_index: str
    topic_partitions: int
    topic_replication: int

    @classmethod
    def from_settings(cls, settings: Settings) -> DashboardConfig:
        """Resolve the dashboard's configuration from ``settings``."""
        topics = settings.topics()
        namespace = settings.topic_namespace
        prefix = settings.index_prefix
        group = getattr(settings, "dashboard_group_id", None) or f"{settings.app_id}-dashboard"
        return cls(
            operator_token=_secret(getattr(settings, "dashboard_operator_token", None)),
            viewer_token=_secret(getattr(settings, "dashboard_viewer_token", None)),
            group_id=group,
            client_queue=int(getattr(settings, "dashboard_client_queue", DEFAULT_CLIENT_QUEUE)),
            incidents_topic=topics.classified,
            warnings_topic=topics.warnings,
            audit_topic=f"{namespace}.{AUDIT_TOPIC}" if namespace else AUDIT_TOPIC,
            commands_topic=getattr(topics, "commands", None),
            incidents_index=index_name(prefix, "incidents"),
            warnings_index=index_name(prefix, "warnings"),
            audit_index=f"{prefix}-audit",
            topic_partitions=settings.topic_partitions,
            topic_replication=settings.topic_replication,
        )
