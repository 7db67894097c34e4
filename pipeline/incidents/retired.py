"""The reports of incidents the bounded state has dropped.

A district keeps at most ``max_incidents`` incidents within the retention window; the least
recently active are dropped. A report delivered again after its incident was dropped (a
redelivery after a rebalance or a crash reaches the correlator behind everything produced
meanwhile) would otherwise found a second incident, or, if it founded the dropped one,
replace its document by one that lists only itself. :class:`RetiredReports` remembers which
report belonged to which dropped incident, within the same retention window and up to a
count, so such a redelivery is recognised and changes nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime


class RetiredReports:
    """Report key -> dropped incident, for the incidents dropped most recently."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._by_report: dict[str, str] = {}
        self._incidents: OrderedDict[str, tuple[datetime, tuple[str, ...]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._incidents)

    def add(self, incident_id: str, last_activity_at: datetime, reports: Iterable[str]) -> None:
        """Remember a dropped incident and its reports' keys."""
        keys = tuple(reports)
        self._incidents[incident_id] = (last_activity_at, keys)
        self._incidents.move_to_end(incident_id)
        for key in keys:
            self._by_report[key] = incident_id

    def incident_of(self, report_key: str) -> str | None:
        """The dropped incident the report with this key belonged to, if remembered."""
        return self._by_report.get(report_key)

    def expire(self, cutoff: datetime | None) -> list[str]:
        """Forget the incidents last active before ``cutoff`` and, beyond them, the oldest
        dropped over the count; returns their ids."""
        gone: list[str] = []
        incidents = self._incidents
        while incidents:
            incident_id, (last_activity_at, _) = next(iter(incidents.items()))
            if len(incidents) <= self.cap and (cutoff is None or last_activity_at >= cutoff):
                break
            self._forget(incident_id)
            gone.append(incident_id)
        if cutoff is not None:  # dropped out of order: the ones behind the first kept
            late = [i for i, (at, _) in incidents.items() if at < cutoff]
            for incident_id in late:
                self._forget(incident_id)
            gone.extend(late)
        return gone

    def _forget(self, incident_id: str) -> None:
        _, keys = self._incidents.pop(incident_id)
        for key in keys:
            if self._by_report.get(key) == incident_id:
                del self._by_report[key]
