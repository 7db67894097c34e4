"""The delivery log: one row per (subscription, change), in SQLite.

A change is identified by its ``change_id``: the document id, plus the grading and the
lifecycle status of a re-graded incident (see :class:`~consumers.common.documents.Change`);
``doc_id`` and ``version`` are kept beside it for queries.
The row is created ``pending`` before the first attempt and ends ``delivered`` (a 2xx
answer), ``rejected`` (a 4xx answer that retrying will not change) or ``failed`` (attempts
used up). A change whose row is ``delivered`` or ``rejected`` is never sent again, so a
redelivered input or a restart does not duplicate a delivery; ``failed`` and ``pending``
rows are tried again when their input comes again. Every write is committed at once (WAL,
``synchronous=FULL``), so the log is durable before the consumer commits its offsets.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FINAL = ("delivered", "rejected")
STATUSES = ("pending", "delivered", "rejected", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    subscription TEXT NOT NULL,
    change_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error TEXT,
    source TEXT,
    created_at TEXT NOT NULL,
    last_attempt_at TEXT,
    delivered_at TEXT,
    PRIMARY KEY (subscription, change_id)
);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status);
CREATE INDEX IF NOT EXISTS deliveries_doc ON deliveries (doc_id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class DeliveryLog:
    """The SQLite delivery log; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def status(self, subscription: str, change_id: str) -> str | None:
        """The status of a change for a subscription, or None when never tried."""
        with self._lock:
            row = self._db.execute(
                "SELECT status FROM deliveries WHERE subscription=? AND change_id=?",
                (subscription, change_id),
            ).fetchone()
        return row["status"] if row else None

    def begin(
        self,
        key: tuple[str, str],
        *,
        doc_id: str,
        version: int,
        kind: str,
        delivery_id: str,
        url: str,
        source: str | None,
    ) -> None:
        """Record the change as ``pending`` unless it is already recorded."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO deliveries (subscription, change_id, doc_id, version,"
                " kind, delivery_id, url, status, source, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (*key, doc_id, version, kind, delivery_id, url, source, _now()),
            )

    def attempt(
        self, key: tuple[str, str, int], http_status: int | None, error: str | None
    ) -> None:
        """Count one attempt and what it got."""
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, http_status=?, error=?,"
                " last_attempt_at=? WHERE subscription=? AND change_id=?",
                (http_status, error, _now(), *key),
            )

    def finish(self, key: tuple[str, str], status: str) -> None:
        """Set the final status of this try (``delivered``, ``rejected`` or ``failed``)."""
        if status not in STATUSES:
            raise ValueError(f"unknown delivery status {status!r}")
        delivered = _now() if status == "delivered" else None
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET status=?, delivered_at=COALESCE(?, delivered_at)"
                " WHERE subscription=? AND change_id=?",
                (status, delivered, *key),
            )

    def query(
        self,
        *,
        subscription: str | None = None,
        doc_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Deliveries matching every given filter, newest first."""
        where, args = [], []
        filters = {"subscription": subscription, "doc_id": doc_id, "status": status}
        for column, value in filters.items():
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since.astimezone(UTC).isoformat())
        sql = "SELECT * FROM deliveries"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, subscription LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, int(limit))).fetchall()
        return [dict(row) for row in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """``{(subscription, status): n}`` over the whole log."""
        with self._lock:
            rows = self._db.execute(
                "SELECT subscription, status, COUNT(*) AS n FROM deliveries"
                " GROUP BY subscription, status"
            ).fetchall()
        return {(r["subscription"], r["status"]): r["n"] for r in rows}
