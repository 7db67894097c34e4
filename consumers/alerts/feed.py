"""The CAP feed of current alerts as an Atom 1.0 document (pure).

One ``entry`` per current chain (its newest message, while it is not a Cancel and has not
expired), newest first: ``id`` and the ``alternate`` link are the message's URL,
``updated`` is its ``sent``, ``title`` its headlines (zh-CN / en), ``category`` its CAP
categories, and ``content`` (``type="application/cap+xml"``) carries the CAP ``alert``
element itself, so a reader needs no second request. This is the shape CAP aggregators
read (an Atom index of CAP messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from consumers.alerts.cap import CAP_MIME, Summary, cap_time

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MIME = "application/atom+xml"


def _title(summary: Summary) -> str:
    return " / ".join(h for h in summary.headlines.values() if h) or summary.identifier


def _alert_element(xml: bytes) -> str:
    """The stored message without its XML declaration."""
    text = xml.decode("utf-8").strip()
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2 :].lstrip()
    return text


def atom_feed(
    entries: Iterable[tuple[Summary, bytes]],
    *,
    base_url: str,
    title: str,
    author: str,
    now: datetime,
) -> bytes:
    """The Atom feed of ``(summary, cap_xml)`` pairs; links are absolute under ``base_url``."""
    base = base_url.rstrip("/")
    self_url = f"{base}/cap/feed.atom"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<feed xmlns="{ATOM_NS}">',
        f"  <id>{escape(self_url)}</id>",
        f"  <title>{escape(title)}</title>",
        f"  <updated>{cap_time(now)}</updated>",
        f"  <author><name>{escape(author)}</name></author>",
        f'  <link rel="self" type="{ATOM_MIME}" href={quoteattr(self_url)}/>',
    ]
    for summary, xml in entries:
        url = f"{base}/cap/alerts/{summary.identifier}.xml"
        lines += [
            "  <entry>",
            f"    <id>{escape(url)}</id>",
            f"    <title>{escape(_title(summary))}</title>",
            f"    <updated>{summary.sent}</updated>",
            f'    <link rel="alternate" type="{CAP_MIME}" href={quoteattr(url)}/>',
            *(f"    <category term={quoteattr(c)}/>" for c in summary.categories),
            f"    <summary>{escape(summary.msg_type + ': ' + _title(summary))}</summary>",
            f'    <content type="{CAP_MIME}">{_alert_element(xml)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
