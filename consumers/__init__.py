"""Downstream kafka-python consumers: dashboard feed, alerts, analytics."""
