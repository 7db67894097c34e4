"""The worker's Elasticsearch client: ``_bulk`` requests on elastic_transport.

The worker and ``citywatch replay`` make one kind of request, a bulk write of NDJSON they
have framed themselves (:func:`pipeline.indexing.bulk_body`). The ``elasticsearch``
package sends it through this same transport, but importing it loads every API of the
server: a worker built with it started at 127 MB resident, without it at 94 MB. So the
worker uses the transport directly; the command-line tools keep the full client.

Answers with an HTTP error raise :class:`BulkRequestError`, which carries ``meta`` and
``error`` as the client's ``ApiError`` does, so :class:`pipeline.sink.BulkSink` tells a
malformed request (400) from one to retry either way. Retries are the sink's own.
"""

from __future__ import annotations

import base64
from typing import Any

from elastic_transport import AsyncTransport, ObjectApiResponse
from elastic_transport.client_utils import url_to_node_config

NDJSON = "application/x-ndjson"


class BulkRequestError(Exception):
    """A ``_bulk`` request Elasticsearch answered with an HTTP error status."""

    def __init__(self, meta: Any, body: Any) -> None:
        self.meta = meta
        self.body = body
        error = body.get("error") if isinstance(body, dict) else None
        self.error = (error.get("type") if isinstance(error, dict) else error) or str(meta.status)
        reason = error.get("reason") if isinstance(error, dict) else body
        super().__init__(f"HTTP {meta.status} {self.error}: {str(reason)[:300]}")


class BulkClient:
    """``bulk`` and ``close``: the part of ``AsyncElasticsearch`` the sink uses. Takes the
    client's own keyword arguments for hosts, timeout, credentials and CA
    (:func:`pipeline.clients.elasticsearch_bulk_client` passes the ones from settings)."""

    def __init__(
        self,
        hosts: list[str],
        *,
        request_timeout: float,
        api_key: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        ca_certs: str | None = None,
    ) -> None:
        headers = {"accept": "application/json", "content-type": NDJSON}
        if api_key:
            headers["authorization"] = f"ApiKey {api_key}"
        elif basic_auth:
            pair = ":".join(basic_auth).encode()
            headers["authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        self.headers = headers
        self.request_timeout = request_timeout
        nodes = []
        for url in hosts:
            node = url_to_node_config(url)  # as the elasticsearch client reads a URL
            if ca_certs and node.scheme == "https":
                node = node.replace(ca_certs=ca_certs)
            nodes.append(node)
        self.transport = AsyncTransport(
            nodes, node_class="aiohttp", max_retries=0, retry_on_timeout=False
        )

    async def bulk(
        self, *, body: bytes, refresh: str | bool = False, filter_path: str | None = None
    ) -> ObjectApiResponse[Any]:
        """POST ``body`` (NDJSON) to ``_bulk``; the response, or BulkRequestError."""
        params = [f"refresh={str(refresh).lower()}"] if refresh else []
        if filter_path:
            params.append(f"filter_path={filter_path}")
        target = "/_bulk" + ("?" + "&".join(params) if params else "")
        meta, answer = await self.transport.perform_request(
            "POST", target, body=body, headers=self.headers, request_timeout=self.request_timeout
        )
        if meta.status >= 400:
            raise BulkRequestError(meta, answer)
        return ObjectApiResponse(body=answer, meta=meta)

    async def close(self) -> None:
        await self.transport.close()
