"""The Elasticsearch bulk sink: writes a batch until every item is indexed or rejected.

Whole-request failures (connection refused, timeouts, 429, 5xx) and per-item retryable
failures are retried with capped exponential backoff and jitter; only the failed items are
sent again. The call returns only when nothing is left to retry, so the caller's partition
waits and its offsets are not committed past unindexed events. Of several versions of one
document in a batch only the last is written, so that a retried earlier version cannot
overwrite it.

Bad documents never cost their batch: one that no bulk line can carry is refused before
sending, and a whole request refused as malformed (400) is split in halves until the
document at fault is refused alone; the others are indexed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from pipeline.indexing import (
    UNFRAMEABLE,
    BulkAction,
    BulkResult,
    bulk_body,
    frameable,
    latest_per_document,
    route_items,
)
from pipeline.retry import Backoff

log = logging.getLogger("citywatch.sink")
DEFAULT_BACKOFF = Backoff()


class BulkClient(Protocol):
    async def bulk(self, *, body: bytes, **kwargs: Any) -> Any: ...


class BulkSink:
    """Writes batches of :class:`BulkAction` through an async Elasticsearch client."""

    def __init__(
        self,
        client: BulkClient,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        refresh: str | bool = False,
        timeout_s: float = 30.0,
    ) -> None:
        self.client = client
        self.backoff = backoff
        self.sleep = sleep
        self.refresh = refresh
        self.timeout_s = timeout_s
        self.retries_total = 0

    async def write(self, actions: Sequence[BulkAction]) -> BulkResult:
        """Index ``actions``; returns indexed and rejected items (nothing left to retry)."""
        final = BulkResult()
        fits = [frameable(a) for a in actions]
        pending, superseded = latest_per_document(
            [a for a, ok in zip(actions, fits, strict=True) if ok]
        )
        final.rejected.extend(
            (a, *UNFRAMEABLE) for a, ok in zip(actions, fits, strict=True) if not ok
        )
        # each replaced by a later version of its document in this batch
        final.indexed.extend(superseded)
        attempt = 0
        while pending:
            attempt += 1
            try:
                response = await asyncio.wait_for(
                    self.client.bulk(
                        body=bulk_body(pending),
                        refresh=self.refresh,
                        filter_path="errors,items.*.status,items.*.error",
                    ),
                    timeout=self.timeout_s,
                )
                body = getattr(response, "body", response)
            except Exception as exc:  # noqa: BLE001 - every request failure is retried
                if _is_data_error(exc):
                    await self._split(pending, exc, final)
                    return final
                await self._pause(attempt, f"bulk of {len(pending)} failed: {exc!r}")
                continue
            if not body.get("errors"):
                final.indexed.extend(pending)
                return final
            routed = route_items(pending, body.get("items", []))
            final.indexed.extend(routed.indexed)
            final.rejected.extend(routed.rejected)
            pending = [a for a, _status, _reason in routed.retry]
            if pending:
                status, reason = routed.retry[0][1], routed.retry[0][2]
                await self._pause(
                    attempt, f"{len(pending)} items to retry (e.g. status {status}: {reason})"
                )
        return final

    async def _split(self, pending: list[BulkAction], exc: Exception, final: BulkResult) -> None:
        """A request refused as malformed: write each half; a document alone is refused."""
        if len(pending) == 1:
            etype = str(getattr(exc, "error", "") or "bad_request")
            final.rejected.append((pending[0], etype, str(exc)[:500]))
            return
        log.warning("bulk of %d refused as malformed; writing each half: %r", len(pending), exc)
        half = len(pending) // 2
        for part in (pending[:half], pending[half:]):
            result = await self.write(part)
            final.indexed.extend(result.indexed)
            final.rejected.extend(result.rejected)

    async def _pause(self, attempt: int, why: str) -> None:
        self.retries_total += 1
        delay = self.backoff.delay(attempt)
        log.warning("bulk attempt %d/∞: %s; retrying in %.2fs", attempt, why, delay)
        await self.sleep(delay)


def _is_data_error(exc: Exception) -> bool:
    """A whole request refused as malformed (400): a document in it is bad, not the node."""
    status = getattr(getattr(exc, "meta", None), "status", None)
    return status == 400
