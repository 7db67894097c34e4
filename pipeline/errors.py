"""The citywatch exception tree.

``EventError`` means "this event is bad": it goes to the dead-letter topic.
``DependencyError`` means "a dependency is unwell": retry, never skip.
"""

from __future__ import annotations


class CitywatchError(Exception):
    """Root of every citywatch error."""


class ConfigError(CitywatchError):
    """A setting, rulebook or reference file is invalid; the message names it."""


class ServiceError(CitywatchError):
    """A local service could not be installed, started or stopped."""


class EventError(CitywatchError):
    """This event is bad; it belongs in the dead-letter topic."""

    def __init__(self, code: str, message: str, stage: str = "validate") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.stage = stage


class DependencyError(CitywatchError):
    """A dependency (Kafka, Elasticsearch) is unwell; retry, never skip the event."""
