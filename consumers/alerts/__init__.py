"""The CAP 1.2 publisher (``citywatch alerts``).

Every warning change and every incident graded Ⅱ or Ⅰ becomes an OASIS CAP 1.2 message
(Alert, Update or Cancel, with references to the earlier messages of its chain, info blocks
in zh-CN and en, and the district's polygon and GB/T 2260 code), published on
``alerts.cap``, kept as ``<identifier>.xml`` files, and served as an Atom feed of current
alerts.
"""

from __future__ import annotations

import logging
from pathlib import Path

from consumers.alerts.config import AlertsConfig
from consumers.alerts.publisher import AlertPublisher
from pipeline.settings import Settings

log = logging.getLogger("citywatch.alerts")

__all__ = ["AlertPublisher", "AlertsConfig", "run"]


def run(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    directory: Path | None = None,
    group_id: str | None = None,
    base_url: str | None = None,
    sender: str | None = None,
    status: str | None = None,
    min_level: int | None = None,
    serve: bool = True,
) -> None:
    """Run the publisher until interrupted, with its HTTP feed unless ``serve`` is False.

    Each argument left as None falls back to its setting (see
    :mod:`consumers.alerts.config`). A consumer failure that is not retryable stops the web
    server too, and is raised.
    """
    config = AlertsConfig.from_settings(
        settings,
        host=host,
        port=port,
        directory=directory,
        group_id=group_id,
        base_url=base_url,
        sender=sender,
        status=status,
        min_level=min_level,
    )
    publisher = AlertPublisher(settings, config)
    if not serve:
        from consumers.common.options import stop_on_signals

        with stop_on_signals(publisher.stop):
            publisher.run()
        return
    import uvicorn

    from consumers.alerts.api import create_app

    app = create_app(publisher, background=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="info")
    )
    app.state.on_failure = lambda: setattr(server, "should_exit", True)
    log.info("CAP feed on %s/cap/feed.atom", config.base_url.rstrip("/"))
    server.run()
    if app.state.failure is not None:
        raise app.state.failure
