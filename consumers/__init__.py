"""Downstream kafka-python consumers: the dashboard's live feed, CAP alerts, webhooks,
analytics rollups, and the situation report built from Elasticsearch."""
