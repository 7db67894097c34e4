"""Synchronous retries with capped exponential backoff and jitter, for the consumers.

The consumers run kafka-python in plain threads, so this is the blocking counterpart of
:func:`pipeline.retry.retry_async`, with the same :class:`~pipeline.retry.Backoff` and the
same ``attempt i/N`` log lines; ``sleep`` is injectable so that tests are fast.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from pipeline.retry import DEFAULT_BACKOFF, Backoff

T = TypeVar("T")
log = logging.getLogger("citywatch.consumers.retry")


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
    """Call ``call`` until it succeeds, retrying the listed errors with backoff.

    ``attempts=None`` retries without limit. The last error is re-raised when the attempts
    are used up or ``should_stop()`` turns true.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except retry_on as exc:
            total = "∞" if attempts is None else str(attempts)
            if (attempts is not None and attempt >= attempts) or should_stop():
                log.error(
                    "%s failed: attempt %d/%s, giving up: %r", description, attempt, total, exc
                )
                raise
            delay = backoff.delay(attempt)
            log.warning(
                "%s failed: attempt %d/%s, retrying in %.2fs: %r",
                description,
                attempt,
                total,
                delay,
                exc,
            )
            sleep(delay)
