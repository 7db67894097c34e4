"""A small HTTP proxy in front of the real Elasticsearch that injects failures.

The worker's ``CITYWATCH_ES_URL`` points at the proxy (127.0.0.1, a free port). While no
fault is set every request is passed through. A :class:`Fault` applies to bulk requests,
either until it is cleared (:meth:`FaultProxy.set_fault`) or to a number of them
(:meth:`FaultProxy.script`):

- ``whole``: the whole request is answered with ``status`` (429, 500, 503) and nothing is
  forwarded;
- ``items``: every ``every``-th item is answered with ``status`` and left out of the request
  forwarded to Elasticsearch; the other items are indexed and their results merged back in
  order, as a node that rejects part of a bulk would;
- ``close``: the connection is closed without an answer (a node that is not there).

Each bulk request is logged with the document ids it carried and which ones were failed,
so a test can tell that only the failed items were sent again.
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

HOP_HEADERS = ("host", "content-length", "accept-encoding", "content-encoding", "connection")
ERROR_TYPES = {
    429: "es_rejected_execution_exception",
    500: "internal_server_error",
    503: "unavailable_shards_exception",
}


@dataclass(frozen=True)
class Fault:
    kind: Literal["whole", "items", "close"]
    status: int = 429
    every: int = 3


@dataclass
class BulkLog:
    """One bulk request as the proxy saw it."""

    ids: list[str]
    failed: list[str] = field(default_factory=list)
    whole: int | None = None
    closed: bool = False


def _error(status: int) -> dict:
    etype = ERROR_TYPES.get(status, "injected_failure")
    return {"type": etype, "reason": f"injected {status} by the fault-injection proxy"}


def split_bulk(body: bytes) -> list[tuple[bytes, bytes, str]]:
    """(action line, source line, document id) of each index action of a bulk body."""
    lines = [ln for ln in body.split(b"\n") if ln.strip()]
    items = []
    for action, source in zip(lines[0::2], lines[1::2], strict=True):
        meta = next(iter(json.loads(action).values()))
        items.append((action, source, str(meta.get("_id"))))
    return items


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _body(self) -> bytes:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body

    def _handle(self) -> None:
        body = self._body()
        if not self.path.split("?")[0].endswith("/_bulk"):
            self._forward(body)
            return
        items = split_bulk(body)
        entry = BulkLog(ids=[i[2] for i in items])
        fault = self.server.record(entry)
        if fault is None:
            self._forward(body)
            return
        if fault.kind == "close":
            entry.closed = True
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault.kind == "whole":
            entry.whole = fault.status
            payload = {"error": _error(fault.status), "status": fault.status}
            self._reply(fault.status, json.dumps(payload).encode())
            return
        failed = {n for n in range(len(items)) if n % fault.every == 0}
        entry.failed = [items[n][2] for n in sorted(failed)]
        kept = [i for n, i in enumerate(items) if n not in failed]
        results: list[dict] = []
        if kept:
            status, _headers, data = self._upstream(
                b"\n".join(a + b"\n" + s for a, s, _ in kept) + b"\n"
            )
            if status != 200:
                self._reply(status, data)
                return
            results = json.loads(data).get("items", [])
        merged, it = [], iter(results)
        for n in range(len(items)):
            if n in failed:
                merged.append({"index": {"status": fault.status, "error": _error(fault.status)}})
            else:
                merged.append(next(it))
        self._reply(200, json.dumps({"errors": True, "items": merged}).encode())

    def _upstream(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        up = urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        try:
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower()
                not in ("host", "content-length", "accept-encoding", "content-encoding")
            }
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def _forward(self, body: bytes) -> None:
        try:
            status, headers, data = self._upstream(body)
        except OSError:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._reply(status, data, headers.get("Content-Type"))

    def _reply(self, status: int, data: bytes, content_type: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class FaultProxy(ThreadingHTTPServer):
    """The proxy server; start it with :meth:`start`, point clients at :attr:`url`."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream = upstream.rstrip("/")
        self.fault: Fault | None = None
        self.bulks: list[BulkLog] = []
        self.scripted: list[list] = []
        self.script_done_at: float | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="es-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (a timed-out bulk) is expected here; stay quiet."""

    def set_fault(self, fault: Fault | None) -> None:
        with self._lock:
            self.fault = fault

    def script(self, steps: list[tuple[Fault, int]]) -> None:
        """Apply each fault to its number of bulk requests, in order, then pass through."""
        with self._lock:
            self.scripted = [[fault, count] for fault, count in steps if count > 0]
            self.script_done_at = None

    def wait_script(self, timeout_s: float = 120) -> float:
        """Wait until every scripted fault was served; returns when (monotonic seconds)."""
        deadline = time.monotonic() + timeout_s
        while self.script_done_at is None:
            assert time.monotonic() < deadline, f"scripted faults not served in {timeout_s}s"
            time.sleep(0.1)
        return self.script_done_at

    def record(self, entry: BulkLog) -> Fault | None:
        """Log a bulk request; returns the fault it gets (scripted first)."""
        with self._lock:
            self.bulks.append(entry)
            if not self.scripted:
                return self.fault
            step = self.scripted[0]
            step[1] -= 1
            if step[1] == 0:
                self.scripted.pop(0)
                if not self.scripted:
                    self.script_done_at = time.monotonic()
            return step[0]

    def failed_items(self) -> int:
        return sum(len(b.failed) for b in self.bulks)

    def retries_were_exact(self) -> list[str]:
        """Problems where the request after a failure did not carry exactly what failed."""
        problems = []
        with self._lock:
            bulks = list(self.bulks)
        for n, (this, after) in enumerate(zip(bulks, bulks[1:], strict=False)):
            if this.whole is not None or this.closed:
                expected = this.ids
            elif this.failed:
                expected = this.failed
            else:
                continue
            if after.ids != expected:
                problems.append(
                    f"bulk {n + 1} after a failure carried {len(after.ids)} ids, "
                    f"expected the {len(expected)} failed ones"
                )
        return problems
