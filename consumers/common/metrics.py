"""Metrics in the Prometheus text exposition format, and a tiny endpoint to serve them.

A consumer collects :class:`Sample` values (its consumer lag, its counters) and
:func:`render` writes them as text; :func:`serve_metrics` answers ``GET /metrics`` and
``GET /healthz`` from a daemon thread, for the consumers that have no web application.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("citywatch.consumers.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Sample:
    """One metric value with its labels; ``kind`` is ``counter`` or ``gauge``."""

    name: str
    labels: dict[str, str]
    value: float
    kind: str = "gauge"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(samples: Iterable[Sample]) -> str:
    """The samples as Prometheus text, one ``# TYPE`` line per metric name."""
    lines: list[str] = []
    typed: set[str] = set()
    for s in samples:
        if s.name not in typed:
            typed.add(s.name)
            lines.append(f"# TYPE {s.name} {s.kind}")
        labels = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(s.labels.items()))
        value = int(s.value) if float(s.value).is_integer() else s.value
        lines.append(f"{s.name}{{{labels}}} {value}" if labels else f"{s.name} {value}")
    return "\n".join(lines) + "\n"


def serve_metrics(
    collect: Callable[[], Iterable[Sample]], host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    """Serve ``collect()`` on ``GET /metrics`` from a daemon thread; ``port=0`` picks one
    (``server.server_address`` tells which). Call ``server.shutdown()`` to stop it."""

    class MetricsHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.split("?")[0] == "/metrics":
                body, ctype, status = render(collect()).encode(), CONTENT_TYPE, 200
            elif self.path.split("?")[0] == "/healthz":
                body, ctype, status = b"ok\n", "text/plain", 200
            else:
                body, ctype, status = b"not found\n", "text/plain", 404
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("metrics %s", format % args)

    server = ThreadingHTTPServer((host, port), MetricsHandler)
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    log.info("metrics on http://%s:%d/metrics", *server.server_address[:2])
    return server
