"""The CAP publisher's options, from the settings and the run function's arguments.

Settings read (each optional; the default applies when the settings do not set it):
``alerts_dir`` (``<data_dir>/consumers/alerts``), ``alerts_group_id``
(``<app_id>-alerts``), ``alerts_host`` (``127.0.0.1``), ``alerts_port`` (8081),
``alerts_base_url`` (``http://<host>:<port>``), ``alerts_sender``,
``alerts_sender_name_zh``, ``alerts_sender_name_en``, ``alerts_status`` (``Actual``),
``alerts_min_incident_level`` (2), ``alerts_incident_expiry_h`` (24),
``alerts_polygon_max_points`` (120) and ``alerts_restore_from_topic`` (true).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consumers.alerts.messages import MessageOptions
from consumers.common.options import data_path, group_id, namespaced, pick
from pipeline.settings import Settings

ALERTS_TOPIC = "alerts.cap"
"""Topic of the CAP messages (``<namespace>.alerts.cap`` under a namespace)."""
CAP_STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")


@dataclass(frozen=True)
class AlertsConfig:
    """Where the publisher reads, writes and serves, and what its messages say."""

    group_id: str
    directory: Path
    topic: str
    input_topics: tuple[str, ...]
    host: str
    port: int
    base_url: str
    restore_from_topic: bool
    messages: MessageOptions
    topic_partitions: int
    topic_replication: int

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> AlertsConfig:
        """Resolve the options; a keyword argument that is not None wins over the setting."""
        o = overrides.get
        host = pick(o("host"), settings, "alerts_host", "127.0.0.1")
        port = int(pick(o("port"), settings, "alerts_port", 8081))
        defaults = MessageOptions()
        status = pick(o("status"), settings, "alerts_status", defaults.status)
        if status not in CAP_STATUSES:
            raise ValueError(f"alerts_status must be one of {CAP_STATUSES}; got {status!r}")
        base_url = pick(o("base_url"), settings, "alerts_base_url", f"http://{host}:{port}")
        messages = MessageOptions(
            sender=pick(o("sender"), settings, "alerts_sender", defaults.sender),
            sender_name_zh=pick(None, settings, "alerts_sender_name_zh", defaults.sender_name_zh),
            sender_name_en=pick(None, settings, "alerts_sender_name_en", defaults.sender_name_en),
            status=status,
            min_incident_level=int(pick(o("min_level"), settings, "alerts_min_incident_level", 2)),
            incident_expiry_h=float(pick(None, settings, "alerts_incident_expiry_h", 24.0)),
            max_points=int(pick(None, settings, "alerts_polygon_max_points", 120)),
            web_base=base_url,
        )
        if any(c in messages.sender for c in " ,<&"):
            raise ValueError("alerts_sender must not contain spaces, commas, '<' or '&'")
        topics = settings.topics()
        return cls(
            group_id=group_id(settings, o("group_id"), "alerts_group_id", "alerts"),
            directory=data_path(settings, o("directory"), "alerts_dir", "alerts"),
            topic=namespaced(settings, ALERTS_TOPIC),
            input_topics=(topics.warnings, topics.classified),
            host=host,
            port=port,
            base_url=base_url,
            restore_from_topic=bool(
                pick(o("restore_from_topic"), settings, "alerts_restore_from_topic", True)
            ),
            messages=messages,
            topic_partitions=settings.topic_partitions,
            topic_replication=settings.topic_replication,
        )
