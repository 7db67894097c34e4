"""The HTTP side of the CAP publisher (FastAPI).

- ``GET /cap/feed.atom``: the current alerts as an Atom 1.0 feed, each entry carrying its
  CAP message inline (``application/atom+xml``);
- ``GET /cap/alerts/{identifier}.xml``: one stored message (``application/cap+xml``),
  current or not;
- ``GET /cap/alerts``: the current alerts as JSON (identifier, msgType, sent, expires,
  headlines, URL);
- ``GET /metrics``: consumer lag and counters in the Prometheus text format;
- ``GET /healthz``: ``{"ok": true, ...}`` while the consumer runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response

from consumers.alerts.cap import CAP_MIME
from consumers.alerts.feed import ATOM_MIME, atom_feed
from consumers.alerts.publisher import AlertPublisher
from consumers.common.metrics import CONTENT_TYPE, render


def create_app(publisher: AlertPublisher) -> FastAPI:
    """The web application serving ``publisher``'s store and metrics."""
    app = FastAPI(title="citywatch CAP alerts", docs_url=None, redoc_url=None)
    app.state.publisher = publisher
    store = publisher.store
    config = publisher.config

    def url(identifier: str) -> str:
        return f"{config.base_url.rstrip('/')}/cap/alerts/{identifier}.xml"

    @app.get("/cap/feed.atom")
    def feed() -> Response:
        """The current alerts as an Atom feed of CAP messages."""
        now = datetime.now(UTC)
        entries = []
        for summary in store.current(now):
            xml = store.read(summary.identifier)
            if xml is not None:
                entries.append((summary, xml))
        body = atom_feed(
            entries,
            base_url=config.base_url,
            title="citywatch CAP alerts",
            author=config.messages.sender_name_en,
            now=now,
        )
        return Response(body, media_type=ATOM_MIME)

    @app.get("/cap/alerts/{identifier}.xml")
    def message(identifier: str) -> Response:
        """One stored CAP message."""
        xml = store.read(identifier)
        if xml is None:
            raise HTTPException(404, detail=f"no CAP message {identifier}")
        return Response(xml, media_type=CAP_MIME)

    @app.get("/cap/alerts")
    def current() -> list[dict[str, Any]]:
        """The current alerts as JSON."""
        return [
            {
                "identifier": s.identifier,
                "msgType": s.msg_type,
                "sent": s.sent,
                "expires": s.expires,
                "chain": s.incidents,
                "headlines": s.headlines,
                "references": list(s.references),
                "url": url(s.identifier),
            }
            for s in store.current(datetime.now(UTC))
        ]

    @app.get("/metrics")
    def metrics() -> Response:
        """Consumer lag and counters (Prometheus text format)."""
        return Response(render(publisher.samples()), media_type=CONTENT_TYPE)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """Liveness, the number of stored messages and the consumer lag."""
        error = getattr(app.state, "error", None)
        body = {
            "ok": error is None,
            "stored": len(store),
            "lag": publisher.lag(),
            "error": error,
        }
        return JSONResponse(body, status_code=200 if error is None else 503)

    return app
