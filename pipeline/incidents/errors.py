"""Errors of the incident core: correlation, lifecycle, resources and inspections.

Each message names the incident, report, resource or transition at fault and what is
allowed instead, so an operator command can show it as it is.
"""

from __future__ import annotations

from pipeline.errors import CitywatchError


class IncidentError(CitywatchError, ValueError):
    """An incident operation cannot be applied; the message says why."""


class UnknownIncident(IncidentError, KeyError):
    """No incident with this id in the state (never seen, or fallen out of the window)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown incident"


class SplitError(IncidentError):
    """A split that cannot be done (unknown report, the founding report, no audit data)."""


class InvalidTransition(IncidentError):
    """A lifecycle change that the lifecycle does not allow."""


class ResourceError(IncidentError):
    """A resource cannot be committed or released (unknown, not dispatchable, wrong status)."""


class InvalidReport(IncidentError):
    """A classified report lacks a field correlation needs, or has a malformed one."""
