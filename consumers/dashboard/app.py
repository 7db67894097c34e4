"""The dashboard application: FastAPI wiring, lifecycle and the uvicorn entry point.

:func:`create_app` builds the app for one :class:`~pipeline.settings.Settings`: on start-up
it connects to Elasticsearch, prepares the audit index and topic, and starts the live feed
thread; on shutdown it stops them. :func:`run` serves it with uvicorn (``citywatch
dashboard``). The page is served from ``static/`` on the same origin, with a content
security policy that allows nothing from elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from kafka.errors import KafkaError

from consumers.dashboard import actions, api, stream
from consumers.dashboard.audit import AuditLog
from consumers.dashboard.config import DashboardConfig
from consumers.dashboard.live import Broadcaster, LiveFeed
from consumers.dashboard.store import DashboardStore
from pipeline.clients import elasticsearch_client
from pipeline.settings import Settings

log = logging.getLogger("citywatch.dashboard")

STATIC_DIR = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(settings: Settings, *, live: bool = True) -> FastAPI:
    """The dashboard for ``settings``; ``live=False`` leaves out the Kafka live feed."""
    config = DashboardConfig.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        es = elasticsearch_client(settings)
        app.state.store = DashboardStore(es, config)
        app.state.audit = AuditLog(settings, config, es)
        try:
            await asyncio.to_thread(app.state.audit.prepare)
        except (ApiError, TransportError, KafkaError, OSError) as exc:
            log.warning("audit index or topic not ready yet (retried on first action): %r", exc)
        app.state.broadcaster.attach(asyncio.get_running_loop())
        if live:
            app.state.feed = LiveFeed(settings, config, app.state.broadcaster)
            app.state.feed.start()
        log.info(
            "dashboard up: index_prefix=%s group=%s live=%s",
            settings.index_prefix,
            config.group_id,
            live,
        )
        try:
            yield
        finally:
            app.state.broadcaster.close()
            if app.state.feed is not None:
                await asyncio.to_thread(app.state.feed.stop)
            await asyncio.to_thread(app.state.audit.close)
            es.close()

    app = FastAPI(
        title="citywatch dashboard",
        summary="Operations-center dashboard: incidents, warnings and districts of Shanghai.",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.settings = settings
    app.state.feed = None
    app.state.broadcaster = Broadcaster(config.client_queue)
    app.state.districts_file = str(settings.districts_file) if settings.districts_file else None

    app.include_router(api.router)
    app.include_router(actions.router)
    app.include_router(stream.router)
    _add_health(app)
    _add_error_handlers(app)
    _add_page(app)
    return app


def _add_health(app: FastAPI) -> None:
    @app.get("/api/health", tags=["health"])
    def health(request: Request) -> dict[str, Any]:
        """Whether the live feed is consuming, and how many clients it serves (no token)."""
        feed = request.app.state.feed
        return {"live": feed.status() if feed is not None else {"ready": False}}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TransportError)
    async def unreachable(request: Request, exc: TransportError) -> JSONResponse:
        log.warning("Elasticsearch unreachable for %s: %r", request.url.path, exc)
        return JSONResponse({"detail": "Elasticsearch is unreachable; retry"}, status_code=503)

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        log.error("Elasticsearch error for %s: %s %s", request.url.path, exc.meta.status, exc)
        if exc.meta.status == 429 or exc.meta.status >= 500:
            return JSONResponse({"detail": "Elasticsearch is unavailable; retry"}, 503)
        return JSONResponse({"detail": "Elasticsearch refused the request"}, 500)


def _add_page(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the dashboard with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=3,
        proxy_headers=False,
    )
