"""The alerts directory: one ``<identifier>.xml`` per CAP message, and the state it implies.

Files are written atomically (a temporary file in the same directory, fsync, rename, fsync
of the directory), so a file either holds a whole message or does not exist. The publisher's
state is derived from the files alone: on start :meth:`AlertStore.load` reads every message's
identity, chain (the CAP ``incidents`` element) and expiry, so a restarted publisher
continues each chain's references where it stopped, and knows every identifier it has
already written (a redelivered input is recognised by its identifier).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from datetime import datetime
from pathlib import Path

from consumers.alerts.cap import Summary, summary_of

log = logging.getLogger("citywatch.alerts.store")

SAFE_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~+-]*$")
"""Identifiers that are also safe file names and URL path segments."""


class AlertStore:
    """The CAP messages of one publisher, on disk and indexed in memory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._by_id: dict[str, Summary] = {}
        self._chains: dict[str, list[Summary]] = {}

    def load(self) -> int:
        """Create the directory if needed and index every stored message; returns how many."""
        self.directory.mkdir(parents=True, exist_ok=True)
        found: dict[str, Summary] = {}
        for path in sorted(self.directory.glob("*.xml")):
            try:
                summary = summary_of(path.read_bytes())
            except (OSError, ValueError, SyntaxError) as exc:
                log.warning("ignored %s: not a readable CAP message (%r)", path.name, exc)
                continue
            if summary.identifier != path.stem:
                log.warning("ignored %s: it holds identifier %s", path.name, summary.identifier)
                continue
            found[summary.identifier] = summary
        with self._lock:
            self._by_id = found
            self._chains = {}
            for summary in found.values():
                self._chains.setdefault(summary.incidents or summary.identifier, []).append(summary)
            for chain in self._chains.values():
                chain.sort(key=_order)
        log.info(
            "alerts store %s: %d messages in %d chains",
            self.directory,
            len(found),
            len(self._chains),
        )
        return len(found)

    def has(self, identifier: str) -> bool:
        with self._lock:
            return identifier in self._by_id

    def chain(self, key: str) -> list[Summary]:
        """The messages of a chain, oldest first."""
        with self._lock:
            return list(self._chains.get(key, ()))

    def path(self, identifier: str) -> Path:
        if not SAFE_IDENTIFIER.match(identifier):
            raise ValueError(f"identifier {identifier!r} is not a safe file name")
        return self.directory / f"{identifier}.xml"

    def read(self, identifier: str) -> bytes | None:
        """The stored message, or None."""
        if not SAFE_IDENTIFIER.match(identifier) or not self.has(identifier):
            return None
        try:
            return self.path(identifier).read_bytes()
        except OSError:
            return None

    def save(self, xml: bytes) -> Summary:
        """Write a message atomically and index it (a second save of it is harmless)."""
        summary = summary_of(xml)
        target = self.path(summary.identifier)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(xml)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(self.directory)
        with self._lock:
            if summary.identifier not in self._by_id:
                self._by_id[summary.identifier] = summary
                chain = self._chains.setdefault(summary.incidents or summary.identifier, [])
                chain.append(summary)
                chain.sort(key=_order)
        return summary

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_id)

    def latest(self) -> list[Summary]:
        """The newest message of every chain, newest first."""
        with self._lock:
            newest = [chain[-1] for chain in self._chains.values() if chain]
        return sorted(newest, key=_order, reverse=True)

    def current(self, now: datetime) -> list[Summary]:
        """Chains whose newest message is not a Cancel and has not expired, newest first."""
        return [
            s
            for s in self.latest()
            if s.msg_type != "Cancel" and (s.expires_at is None or s.expires_at > now)
        ]


def _order(summary: Summary) -> tuple[datetime, str]:
    return (summary.sent_at, summary.identifier)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
