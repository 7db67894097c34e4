"""The one settings class of citywatch.

Every value has a type, a default and a docstring, and comes from the environment with the
prefix ``CITYWATCH_`` (``CITYWATCH_KAFKA_BOOTSTRAP``, ``CITYWATCH_ES_URL`` ...). Only this
module reads the environment; everything else receives a :class:`Settings` instance.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.names import TopicNames

TEMURIN_25 = Path("/usr/lib/jvm/temurin-25-jdk-amd64")


def _default_data_dir() -> Path:
    """Where local services keep their installs, data and logs.

    When run as root, Elasticsearch runs as an unprivileged user who cannot enter
    ``/root``, so root's default lies under ``/var/lib``.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/citywatch")
    return Path.home() / ".local" / "share" / "citywatch"


def _default_es_java_home() -> Path | None:
    return TEMURIN_25 if TEMURIN_25.is_dir() else None


#: the settings that tell one deployment (or test run) sharing a cluster from another
DEPLOYMENT_FIELDS = ("topic_namespace", "index_prefix", "app_id", "kafka_bootstrap", "es_url")


class Settings(BaseSettings):
    """citywatch settings, read from ``CITYWATCH_*`` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="CITYWATCH_",
        frozen=True,
        extra="ignore",
        validate_default=True,
        use_attribute_docstrings=True,
    )

    # --- Kafka (clients) -------------------------------------------------------------
    kafka_bootstrap: str = "localhost:9092"
    """Kafka bootstrap servers, comma separated (host:port)."""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """Kafka security protocol for every citywatch client; production uses SASL_SSL."""
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-512"
    """SASL mechanism when the protocol is SASL_*."""
    kafka_sasl_username: str | None = None
    """SASL user name."""
    kafka_sasl_password: SecretStr | None = None
    """SASL password."""
    kafka_ssl_cafile: Path | None = None
    """CA certificate (PEM) that signed the brokers' certificates."""
    topic_namespace: str = Field("", pattern=r"^[A-Za-z0-9_-]*$")
    """Optional namespace: every topic becomes ``<namespace>.<name>`` (empty: the names)."""
    topic_partitions: int = Field(3, ge=1)
    """Partitions of each topic created by ``citywatch init``."""
    topic_replication: int = Field(1, ge=1)
    """Replication factor of each topic created by ``citywatch init``."""

    # --- Elasticsearch (clients) -----------------------------------------------------
    es_url: str = "http://localhost:9200"
    """Elasticsearch URL(s), comma separated."""
    es_api_key: SecretStr | None = None
    """Elasticsearch API key (base64 id:key); preferred over user name and password."""
    es_username: str | None = None
    """Elasticsearch basic-auth user name."""
    es_password: SecretStr | None = None
    """Elasticsearch basic-auth password."""
    es_ca_certs: Path | None = None
    """CA certificate (PEM) for an Elasticsearch cluster served over TLS."""
    es_request_timeout_s: float = Field(30.0, gt=0)
    """Timeout of one Elasticsearch request, in seconds."""
    index_prefix: str = "citywatch"
    """Prefix of every index and template citywatch creates."""
    index_shards: int = Field(1, ge=1)
    """Primary shards per citywatch index."""
    index_replicas: int = Field(0, ge=0)
    """Replicas per citywatch index (0 on a single node)."""
    index_refresh_interval: str = Field("500ms", pattern=r"^(-1|\d+(ms|s|m))$")
    """How often new documents become searchable in the citywatch indices (Elasticsearch's
    ``index.refresh_interval``; ``-1`` turns periodic refresh off). Half of Elasticsearch's
    default second: the refresh wait was the largest part of the produce-to-searchable
    latency. Set in the index templates, so it applies to indices created after
    ``citywatch init``; change an existing index with its ``_settings``."""

    # --- Worker (``citywatch worker``) ----------------------------------------------
    app_id: str = "citywatch"
    """Faust application id: the consumer group and the prefix of internal topics."""
    worker_web_enabled: bool = False
    """Serve the Faust worker's web endpoints (metrics, table views)."""
    worker_web_port: int = Field(6066, ge=1, le=65535)
    """Port of the worker's web endpoints when enabled."""
    worker_session_timeout_s: float = Field(10.0, gt=0)
    """How long a worker that died without leaving its group keeps its partitions."""
    worker_store: str = "memory://"
    """Faust table store; tables are recovered from their changelog topics on start."""
    process_batch_size: int = Field(500, ge=1)
    """Most input events validated, enriched and classified per batch."""
    process_linger_s: float = Field(0.05, gt=0)
    """Longest wait for a processing batch to fill (bounds latency at low rates)."""
    bulk_size: int = Field(1000, ge=1)
    """Most documents per Elasticsearch bulk request."""
    bulk_linger_s: float = Field(0.2, gt=0)
    """Longest wait for a bulk request to fill (bounds latency at low rates)."""
    bulk_timeout_s: float = Field(30.0, gt=0)
    """Timeout of one bulk request; a timed-out request is retried, never skipped."""
    retry_base_s: float = Field(0.2, gt=0)
    """First retry delay for an unwell dependency (doubles per attempt, with jitter)."""
    retry_cap_s: float = Field(30.0, gt=0)
    """Longest retry delay for an unwell dependency."""
    on_invalid_event: Literal["deadletter", "fail"] = "deadletter"
    """What to do with a bad event: send it to the dead-letter topic, or stop the worker."""
    max_event_bytes: int = Field(1_048_576, ge=1024)
    """Largest accepted input message; larger ones are dead-lettered as too_large."""
    event_max_past_s: int = Field(30 * 86400, ge=0)
    """Oldest accepted event time, in seconds before now."""
    event_max_future_s: int = Field(3600, ge=0)
    """Latest accepted event time, in seconds after now (clock skew)."""
    correlate_distance_m: float = Field(500.0, gt=0)
    """Reports of one category this close (metres) may be one incident."""
    correlate_gap_s: float = Field(1800.0, gt=0)
    """... and this close in time (seconds)."""
    correlate_retention_s: float = Field(86400.0, gt=0)
    """How long an incident stays open for merges and follow-ups after its last report."""
    correlate_retired_max: int = Field(10_000, ge=0)
    """Dropped incidents whose reports each district remembers, so that a report delivered
    again after its incident left the bounded state joins nothing (the most recent drops)."""
    recommend_min_level: int = Field(3, ge=1, le=4)
    """Incidents at this level or more severe (1 = Ⅰ ... 4 = Ⅳ) get resource recommendations."""
    recommend_k: int = Field(3, ge=1, le=20)
    """How many resources of each needed kind are recommended, nearest first."""
    recommend_max_distance_m: float | None = Field(None, gt=0)
    """Resources farther than this are not recommended; None: no limit."""
    inspections_overdue_period_s: float = Field(86400.0, gt=0)
    """An overdue inspection finding is escalated again once per this period."""
    inspections_retention_s: float = Field(30 * 86400.0, gt=0)
    """Rectified findings are forgotten this long after rectification."""
    risk_profile_file: Path | None = None
    """District risk score profile (JSON or YAML); None uses the built-in default."""
    facility_radius_m: float = Field(1000.0, gt=0)
    """Radius of the exposure search around an incident (schools, hospitals ...)."""
    grid_resolution: int = Field(8, ge=0, le=15)
    """H3 resolution of the aggregation grid cells (8 is about 0.74 km² per hexagon)."""
    rulebook_file: Path | None = None
    """Classification rulebook (YAML); None uses the shipped one."""
    warnings_profile: Literal["shanghai", "cma"] = "shanghai"
    """Warning profile used by the worker and ``citywatch assess``."""
    warnings_profiles_file: Path | None = None
    """Warning profiles (YAML); None uses the shipped one."""
    sensor_registry_file: Path | None = None
    """Sensor registry (JSON); None uses the shipped sample."""
    warnings_tick_interval_s: float = Field(60.0, gt=0)
    """How often the worker steps warnings without new readings (expiry, de-escalation)."""
    districts_file: Path | None = None
    """District boundaries (GeoJSON FeatureCollection, GCJ-02); None uses Shanghai's."""
    facilities_file: Path | None = None
    """Facilities and resources registry (JSON, WGS 84); None uses the shipped sample."""

    # --- Dashboard (``citywatch dashboard``) -----------------------------------------
    dashboard_host: str = "127.0.0.1"
    """Address the dashboard listens on."""
    dashboard_port: int = Field(8000, ge=1, le=65535)
    """Port of the dashboard."""
    dashboard_operator_token: SecretStr | None = None
    """Bearer token of operators (verify/resolve incidents, lift warnings); None disables
    operator actions."""
    dashboard_viewer_token: SecretStr | None = None
    """Bearer token for reading the dashboard; None lets anyone read without a token."""
    dashboard_group_id: str | None = None
    """Kafka consumer group of the dashboard's live feed; None uses ``{app_id}-dashboard``.
    Each dashboard replica needs its own."""
    dashboard_client_queue: int = Field(256, ge=1)
    """Most live events buffered per SSE client; a client further behind is disconnected."""

    # --- Downstream consumers (``citywatch alerts|webhooks|analytics|report``) -------
    alerts_dir: Path | None = None
    """Directory of the CAP messages (``<identifier>.xml``), the publisher's durable state;
    None: ``<data_dir>/consumers/alerts``."""
    alerts_group_id: str | None = None
    """Consumer group of ``citywatch alerts``; None: ``<app_id>-alerts``."""
    alerts_host: str = "127.0.0.1"
    """Address the CAP feed listens on."""
    alerts_port: int = Field(8081, ge=1, le=65535)
    """Port of the CAP feed."""
    alerts_base_url: str | None = None
    """Public base URL used in feed links; None: ``http://<host>:<port>``."""
    alerts_sender: str = "citywatch.local"
    """CAP sender: a globally unique originator id such as your domain (no spaces, commas,
    ``<`` or ``&``)."""
    alerts_sender_name_zh: str = "citywatch 上海市城市运行应急指挥"
    """senderName of the zh-CN info blocks."""
    alerts_sender_name_en: str = "citywatch Shanghai emergency operations"
    """senderName of the en info blocks."""
    alerts_status: Literal["Actual", "Exercise", "System", "Test", "Draft"] = "Actual"
    """CAP status of every message."""
    alerts_min_incident_level: int = Field(2, ge=1, le=4)
    """Incidents at this level or more serious (1 = Ⅰ) become CAP alerts."""
    alerts_incident_expiry_h: float = Field(24.0, gt=0)
    """Hours an incident alert stays current."""
    alerts_polygon_max_points: int = Field(120, ge=4)
    """Most lat,lon pairs in a district's CAP polygons."""
    alerts_restore_from_topic: bool = True
    """On start, rewrite missing CAP files from the ``alerts.cap`` topic."""
    webhooks_file: Path | None = None
    """Webhook subscriptions (YAML or JSON); required by ``citywatch webhooks``."""
    webhooks_db: Path | None = None
    """SQLite delivery log; None: ``<data_dir>/consumers/webhooks/deliveries.sqlite3``."""
    webhooks_group_id: str | None = None
    """Consumer group of the webhook notifier; None: ``<app_id>-webhooks``."""
    webhooks_max_attempts: int = Field(6, ge=1)
    """Attempts per delivery before it is logged failed."""
    webhooks_timeout_s: float = Field(10.0, gt=0)
    """Timeout of one webhook POST, in seconds."""
    webhooks_parallel: int = Field(4, ge=1)
    """Subscriptions delivered to in parallel (each one in order)."""
    webhooks_metrics_port: int | None = None
    """Port of the notifier's ``/metrics`` on 127.0.0.1; None: not served."""
    analytics_dir: Path | None = None
    """Parquet directory of the analytics consumer; None: ``<data_dir>/consumers/analytics``."""
    analytics_group_id: str | None = None
    """Consumer group of the analytics consumer; None: ``<app_id>-analytics``."""
    analytics_parquet: bool = True
    """Also write the rollups as Parquet files."""
    analytics_metrics_port: int | None = None
    """Port of the analytics consumer's ``/metrics``; None: not served."""
    report_dir: Path = Path("reports")
    """Where ``citywatch report`` writes its Markdown, HTML and charts."""

    # --- Local services (``citywatch services``) -------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir)
    """Local services: installs, data, logs and pid files."""
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "citywatch")
    """Local services: downloaded artifacts, kept between runs."""
    local_kafka_version: str = "4.1.1"
    """Apache Kafka version run by ``citywatch services up`` (from Maven Central)."""
    local_kafka_port: int = Field(9092, ge=1, le=65535)
    """Client port of the local Kafka broker (bound to 127.0.0.1)."""
    local_kafka_controller_port: int = Field(9093, ge=1, le=65535)
    """KRaft controller port of the local Kafka node (bound to 127.0.0.1)."""
    local_kafka_heap: str = "1g"
    """JVM heap (-Xms and -Xmx) of the local Kafka broker."""
    local_kafka_java_home: Path | None = None
    """JDK for the local Kafka broker; None uses the java on PATH."""
    local_es_version: str = "9.5.4"
    """Elasticsearch version run by ``citywatch services up`` (integ-test-zip)."""
    local_es_port: int = Field(9200, ge=1, le=65535)
    """HTTP port of the local Elasticsearch node (bound to 127.0.0.1)."""
    local_es_transport_port: int = Field(9300, ge=1, le=65535)
    """Transport port of the local Elasticsearch node (bound to 127.0.0.1)."""
    local_es_heap: str = "1g"
    """JVM heap (-Xms and -Xmx) of the local Elasticsearch node."""
    local_es_java_home: Path | None = Field(default_factory=_default_es_java_home)
    """JDK for Elasticsearch (9.x needs Java 21+; the Temurin 25 JDK when present)."""
    local_es_user: str = "citywatch"
    """Unprivileged user that runs Elasticsearch when the services are started by root."""
    services_timeout_s: float = Field(240.0, gt=0)
    """How long ``citywatch services up`` waits for both services to answer."""

    # --- Tests -----------------------------------------------------------------------
    require_services: bool = False
    """When true, integration tests fail (instead of skipping) if a service is missing."""

    def topics(self) -> TopicNames:
        """The topic names of this deployment."""
        return TopicNames.of(self.topic_namespace)

    def child_env(self, *fields: str, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a child process (``base``, default this one's) in which the
        named settings have this instance's values (``CITYWATCH_<FIELD>``)."""
        env = dict(os.environ if base is None else base)
        for name in fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            env[f"CITYWATCH_{name.upper()}"] = "" if value is None else str(value)
        return env

    @property
    def worker_data_dir(self) -> Path:
        """The worker's Faust data directory (its table directory lies within)."""
        return self.data_dir / "worker" / f"{self.app_id}-data"

    def kafka_bootstrap_list(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]

    def es_hosts(self) -> list[str]:
        return [s.strip() for s in self.es_url.split(",") if s.strip()]

    def masked(self) -> dict[str, object]:
        """The settings as a dict with secrets masked, for logs and ``--help``."""
        return {k: ("***" if isinstance(v, SecretStr) else v) for k, v in self.model_dump().items()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
