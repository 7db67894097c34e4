"""The operations-center dashboard (``citywatch dashboard``).

A FastAPI service with a web page: a live feed of incidents, warnings and operator actions
by server-sent events from Kafka, and history, statistics and search from Elasticsearch.
"""

from consumers.dashboard.app import create_app, run

__all__ = ["create_app", "run"]
