"""``GET /api/stream``: the live feed as server-sent events.

Events: ``hello`` (once, with the feed's status), then ``incident``, ``warning`` and
``audit``, each with ``id`` (the document id) and ``data`` (``{"type", "id", "item"}``, the
item shaped like the REST lists). A comment line every :data:`KEEPALIVE_S` seconds keeps
proxies from closing an idle stream. A client too slow to keep up gets ``dropped`` and the
stream ends; the browser's ``EventSource`` reconnects after ``retry`` milliseconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from consumers.dashboard.auth import require_viewer
from consumers.dashboard.live import CLOSED, DROPPED, Broadcaster

router = APIRouter(prefix="/api", dependencies=[Depends(require_viewer)])

KEEPALIVE_S = 15.0
RETRY_MS = 3000


def sse(event: str, data: Any, event_id: str | None = None) -> str:
    """One server-sent event (``data`` as one line of JSON)."""
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id.replace(chr(10), ' ').replace(chr(13), ' ')}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


async def _events(request: Request, broadcaster: Broadcaster) -> AsyncIterator[str]:
    sub = broadcaster.subscribe()
    feed = request.app.state.feed
    try:
        yield f"retry: {RETRY_MS}\n\n"
        status = feed.status() if feed is not None else {"ready": False}
        yield sse("hello", {"live": status})
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), timeout=KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if item is DROPPED:
                yield sse("dropped", {"reason": "the client fell behind; reload"})
                return
            if item is CLOSED:
                return
            yield sse(item["type"], item, item.get("id"))
    finally:
        broadcaster.unsubscribe(sub)


@router.get("/stream")
async def stream(request: Request) -> StreamingResponse:
    """The live feed of incidents, warnings and operator actions (text/event-stream)."""
    return StreamingResponse(
        _events(request, request.app.state.broadcaster),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
