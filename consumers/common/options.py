"""Options of the downstream consumers, resolved from :class:`~pipeline.settings.Settings`.

The consumers' own settings (``alerts_dir``, ``webhooks_file``, ``analytics_group_id`` ...)
are read with :func:`setting`, so a settings object that does not declare one falls back to
the default documented where the option is used; an explicit argument of a run function
wins over both.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pipeline.settings import Settings

T = TypeVar("T")


def setting(settings: Settings, name: str, default: T) -> T:
    """``settings.<name>`` when it is set (not None), else ``default``."""
    value = getattr(settings, name, None)
    return default if value is None else value


def pick(explicit: T | None, settings: Settings, name: str, default: T) -> T:
    """The explicit argument when given, else the setting, else the default."""
    return explicit if explicit is not None else setting(settings, name, default)


def namespaced(settings: Settings, topic: str) -> str:
    """``<namespace>.<topic>`` when the deployment has a namespace, else ``topic``."""
    namespace = settings.topic_namespace
    return f"{namespace}.{topic}" if namespace else topic


def data_path(settings: Settings, explicit: Path | str | None, name: str, *parts: str) -> Path:
    """A consumer's directory or file: the argument, the setting ``name``, or a path under
    ``<data_dir>/consumers/``."""
    if explicit is not None:
        return Path(explicit)
    configured: Any = getattr(settings, name, None)
    if configured is not None:
        return Path(configured)
    return Path(settings.data_dir) / "consumers" / Path(*parts)


def group_id(settings: Settings, explicit: str | None, name: str, suffix: str) -> str:
    """A consumer group id: the argument, the setting ``name``, or ``<app_id>-<suffix>``."""
    return pick(explicit, settings, name, f"{settings.app_id}-{suffix}")


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call ``stop`` on SIGTERM or SIGINT while inside (main thread only), so a consumer
    ends its batch, closes and leaves its group instead of dying mid-batch."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: stop())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
