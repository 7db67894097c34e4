"""A webhook receiver for tests: a tiny http.server on 127.0.0.1 in a thread.

It answers ``fail_status`` to the first ``fail_first`` attempts of every delivery (told
apart by ``X-Citywatch-Delivery``) and 200 afterwards, and records every request.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What the receiver saw."""

    attempts: list[dict[str, Any]] = field(default_factory=list)
    successes: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def success_counts(self) -> Counter[tuple[str, str, int]]:
        """``{(subscription, doc_id, version): successful deliveries}``."""
        with self.lock:
            return Counter((b["subscription"], b["doc_id"], b["version"]) for b in self.successes)


@contextmanager
def receiver(fail_first: int = 0, fail_status: int = 503) -> Iterator[tuple[str, Received]]:
    """``(base_url, received)`` of a running receiver; stopped on exit."""
    received = Received()
    seen: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            delivery = self.headers.get("X-Citywatch-Delivery", "")
            payload = json.loads(body)
            entry = {"path": self.path, "headers": dict(self.headers), "body": payload}
            with received.lock:
                seen[delivery] += 1
                failing = seen[delivery] <= fail_first
                received.attempts.append(entry)
                if not failing:
                    received.successes.append(payload)
            self.send_response(fail_status if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
