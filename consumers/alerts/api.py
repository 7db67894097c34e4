"""The HTTP side of the CAP publisher (FastAPI).

- ``GET /cap/feed.atom``: the current alerts as an Atom 1.0 feed, each entry carrying its
  CAP message inline (``application/atom+xml``);
- ``GET /cap/alerts/{identifier}.xml``: one stored message (``application/cap+xml``),
  current or not;
- ``GET /cap/alerts``: the current alerts as JSON (identifier, msgType, sent, expires,
  headlines, URL);
- ``GET /metrics``: consumer lag and counters in the Prometheus text format;
- ``GET /healthz``: ``{"ok": true, ...}`` while the consumer runs.

With ``background=True`` the application runs the publisher in a thread from start-up to
shutdown, so the server's own signal handling stops both; a publisher that fails sets
``app.state.error`` and calls ``app.state.on_failure`` (the runner stops the server).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response

from consumers.alerts.cap import CAP_MIME
from consumers.alerts.feed import ATOM_MIME, atom_feed
from consumers.alerts.publisher import AlertPublisher
from consumers.common.metrics import CONTENT_TYPE, render

log = logging.getLogger("citywatch.alerts.api")


def _consume(app: FastAPI, publisher: AlertPublisher) -> None:
    try:
        publisher.run()
    except BaseException as exc:  # noqa: BLE001 - reported to the runner, which re-raises
        app.state.error = repr(exc)
        app.state.failure = exc
        log.exception("alerts consumer stopped")
        on_failure = getattr(app.state, "on_failure", None)
        if on_failure is not None:
            on_failure()


def create_app(publisher: AlertPublisher, *, background: bool = False) -> FastAPI:
    """The web application serving ``publisher``'s store and metrics (and running it, with
    ``background``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        thread = None
        if background:
            thread = threading.Thread(
                target=_consume, args=(app, publisher), name="alerts-consumer", daemon=True
            )
            thread.start()
        yield
        if thread is not None:
            publisher.stop()
            await asyncio.to_thread(thread.join, 30)

    app = FastAPI(title="citywatch CAP alerts", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.publisher = publisher
    app.state.error = None
    app.state.failure = None
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
        error = app.state.error
        body = {
            "ok": error is None,
            "stored": len(store),
            "lag": publisher.lag(),
            "error": error,
        }
        return JSONResponse(body, status_code=200 if error is None else 503)

    return app
