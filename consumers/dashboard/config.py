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
    commands_topic: str
    """Topic of warning commands read by the worker."""
    incident_commands_topic: str | None
    """Topic of incident commands read by the worker (None: the dashboard only audits)."""
    incidents_index: str
    warnings_index: str
    audit_index: str
    topic_partitions: int
    topic_replication: int

    @classmethod
    def from_settings(cls, settings: Settings) -> DashboardConfig:
        """Resolve the dashboard's configuration from ``settings``."""
        topics = settings.topics()
        prefix = settings.index_prefix
        return cls(
            operator_token=_secret(settings.dashboard_operator_token),
            viewer_token=_secret(settings.dashboard_viewer_token),
            group_id=settings.dashboard_group_id or f"{settings.app_id}-dashboard",
            client_queue=settings.dashboard_client_queue,
            incidents_topic=topics.classified,
            warnings_topic=topics.warnings,
            audit_topic=topics.audit,
            commands_topic=topics.commands,
            incident_commands_topic=topics.incident_commands,
            incidents_index=index_name(prefix, "incidents"),
            warnings_index=index_name(prefix, "warnings"),
            audit_index=f"{prefix}-audit",
            topic_partitions=settings.topic_partitions,
            topic_replication=settings.topic_replication,
        )
