"""The one retry helper: capped exponential backoff with full jitter, injectable sleep.

Used for dependency errors (Elasticsearch down, 429, 5xx, timeouts, Kafka send failures):
the caller's partition waits while it retries; the event is never skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("citywatch.retry")


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n`` (1-based): uniform in [0, min(cap, base * 2**(n-1))]."""

    base_s: float = 0.2
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** max(0, attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)


DEFAULT_BACKOFF = Backoff()


def _after_failure(
    description: str,
    attempt: int,
    attempts: int | None,
    exc: BaseException,
    backoff: Backoff,
    should_stop: Callable[[], bool],
) -> float:
    """The delay before the next attempt; re-raises when the retries are over."""
    total = "∞" if attempts is None else str(attempts)
    if (attempts is not None and attempt >= attempts) or should_stop():
        log.error("%s failed: attempt %d/%s, giving up: %r", description, attempt, total, exc)
        raise exc
    delay = backoff.delay(attempt)
    log.warning(
        "%s failed: attempt %d/%s, retrying in %.2fs: %r", description, attempt, total, delay, exc
    )
    return delay


async def retry_async(
    description: str,
    call: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[BaseException], ...],
    attempts: int | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    should_stop: Callable[[], bool] = lambda: False,
) -> T:
    """Call ``call`` until it succeeds; retry the listed errors with backoff.

    ``attempts=None`` retries without limit (the pipeline's choice: never skip an event).
    Each failure logs ``attempt i/N`` with the error. ``should_stop`` ends the retries by
    re-raising the last error, for a worker that is shutting down.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except retry_on as exc:
            await sleep(_after_failure(description, attempt, attempts, exc, backoff, should_stop))


def retry_call(
    description: str,
    call: Callable[[], T],
    *,
    retry_on: tuple[type[BaseException], ...],
    attempts: int | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
) -> T:
    """The blocking counterpart of :func:`retry_async`, for kafka-python consumers."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except retry_on as exc:
            sleep(_after_failure(description, attempt, attempts, exc, backoff, should_stop))
