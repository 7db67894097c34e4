"""One webhook delivery: an HTTP POST with retries and capped exponential backoff.

Retried: connection errors, timeouts, and the answers 408, 425, 429 and 5xx (a
``Retry-After`` in seconds is honoured up to the backoff cap). Not retried: other 4xx
answers (the receiver refuses the request as it is). Every attempt is reported to
``on_attempt`` (the delivery log) before the next one. The receiver can recognise a repeat
by ``X-Citywatch-Delivery``, which is the same for every attempt of the same change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consumers.webhooks.subscriptions import Subscription
from pipeline.retry import Backoff

log = logging.getLogger("citywatch.webhooks.delivery")

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "citywatch-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended: ``delivered``, ``rejected`` or ``failed``."""

    status: str
    attempts: int
    http_status: int | None
    error: str | None


def delivery_id(subscription: str, change_id: str) -> str:
    """The same id for every attempt of one change to one subscription."""
    return hashlib.sha256(f"{subscription}\n{change_id}".encode()).hexdigest()[:32]


def request_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def request_headers(sub: Subscription, body: bytes, delivery: str, doc_id: str) -> dict[str, str]:
    """The headers of a delivery: content type, ids, the signature when a secret is set."""
    headers = {
        **sub.headers,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Citywatch-Delivery": delivery,
        "X-Citywatch-Subscription": sub.id,
        "X-Citywatch-Doc-Id": doc_id,
    }
    if sub.secret is not None:
        key = sub.secret.get_secret_value().encode()
        headers["X-Citywatch-Signature"] = "sha256=" + hmac.new(key, body, "sha256").hexdigest()
    return headers


class Sender:
    """POSTs deliveries, retrying what may succeed later."""

    def __init__(
        self,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 6,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff(0.5, 30.0)
        self.sleep = sleep

    def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None, float | None]:
        """One attempt: ``(http status, error, retry-after seconds)``."""
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read(65536)
                return response.status, None, None
        except urllib.error.HTTPError as exc:
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            try:
                wait = float(retry_after) if retry_after else None
            except ValueError:
                wait = None
            return exc.code, f"HTTP {exc.code}", wait
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, f"{type(exc).__name__}: {reason}", None

    def deliver(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        on_attempt: Callable[[int | None, str | None], None] = lambda status, error: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Outcome:
        """POST until a 2xx, a final refusal, or ``max_attempts`` attempts."""
        attempt = 0
        status: int | None = None
        error: str | None = None
        while attempt < self.max_attempts:
            attempt += 1
            status, error, retry_after = self.post(url, body, headers)
            on_attempt(status, error)
            if status is not None and 200 <= status < 300:
                return Outcome("delivered", attempt, status, None)
            if status is not None and status not in RETRY_STATUSES and 400 <= status < 500:
                log.warning("webhook %s refused with %d: not retried", url, status)
                return Outcome("rejected", attempt, status, error)
            if attempt >= self.max_attempts or should_stop():
                break
            delay = self.backoff.delay(attempt)
            if retry_after is not None:
                delay = min(max(delay, retry_after), self.backoff.cap_s)
            log.warning(
                "webhook %s failed: attempt %d/%d, retrying in %.2fs: %s",
                url,
                attempt,
                self.max_attempts,
                delay,
                error,
            )
            self.sleep(delay)
        return Outcome("failed", attempt, status, error)
