"""The two ends a replication can have: a database in a local store, or a database over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from .errors import RETRY_STATUSES, NotFound, Unavailable, error_for_status
from .store import BulkGetItem, ChangesRequest, DocumentStore, Json, Seq


class Peer(Protocol):
    """What the replicator needs of a source or a target (the calls CouchDB's protocol names)."""

    identity: str

    async def info(self) -> Json:
        """Database information (``GET /db``)."""

    async def changes(self, since: Seq, limit: int) -> Json:
        """A page of ``_changes`` with every leaf (``style=all_docs``)."""

    async def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        """``_revs_diff``: the revisions this peer lacks."""

    async def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        """The requested revisions with their ``_revisions`` histories; missing ones are left out."""

    async def write_replicated(self, docs: list[Json]) -> list[Json]:
        """``_bulk_docs`` with ``new_edits: false``; returns the per-document errors."""

    async def get_local(self, doc_id: str) -> Json | None:
        """A ``_local`` checkpoint document, or ``None``."""

    async def put_local(self, doc_id: str, body: Json) -> None:
        """Write a ``_local`` checkpoint document (overwriting whatever is there)."""


class SyncPeer(Protocol):
    """:class:`Peer` with blocking calls, for :func:`alongside.sync.replicator.replicate_sync`.

    The same calls with the same answers and errors; for code that cannot run an event loop (the load
    tests' simulated devices live in gevent greenlets).
    """

    identity: str

    def info(self) -> Json:
        """Database information (``GET /db``)."""

    def changes(self, since: Seq, limit: int) -> Json:
        """A page of ``_changes`` with every leaf (``style=all_docs``)."""

    def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        """``_revs_diff``: the revisions this peer lacks."""

    def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        """The requested revisions with their ``_revisions`` histories; missing ones are left out."""

    def write_replicated(self, docs: list[Json]) -> list[Json]:
        """``_bulk_docs`` with ``new_edits: false``; returns the per-document errors."""

    def get_local(self, doc_id: str) -> Json | None:
        """A ``_local`` checkpoint document, or ``None``."""

    def put_local(self, doc_id: str, body: Json) -> None:
        """Write a ``_local`` checkpoint document (overwriting whatever is there)."""


class StorePeer:
    """A database of a :class:`DocumentStore` in this process."""

    def __init__(self, store: DocumentStore, db: str, *, identity: str | None = None) -> None:
        self.store = store
        self.db = db
        self.identity = identity or f"{store.backend}:{db}"

    async def info(self) -> Json:
        return await self.store.database_info(self.db)

    async def changes(self, since: Seq, limit: int) -> Json:
        return await self.store.changes(self.db, ChangesRequest(since=since, limit=limit, all_leaves=True))

    async def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        return await self.store.revs_diff(self.db, revs)

    async def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        items = [BulkGetItem(id=doc_id, rev=rev) for doc_id, rev in wanted]
        results = await self.store.bulk_get(self.db, items, history=True, latest=False)
        return [entry["ok"] for result in results for entry in result["docs"] if "ok" in entry]

    async def write_replicated(self, docs: list[Json]) -> list[Json]:
        return await self.store.bulk_docs(self.db, docs, new_edits=False)

    async def get_local(self, doc_id: str) -> Json | None:
        try:
            return await self.store.get_local(self.db, doc_id)
        except NotFound:
            return None

    async def put_local(self, doc_id: str, body: Json) -> None:
        current = await self.get_local(doc_id)
        payload = {**body, "_rev": current["_rev"]} if current else dict(body)
        await self.store.put_local(self.db, doc_id, payload)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpPeer:
    """A database reached over HTTP: an Alongside ``/sync/{plan}/`` URL or any CouchDB database URL.

    The caller's ``httpx.AsyncClient`` carries authentication (e.g. a device's bearer token).
    Idempotent calls are retried with backoff when the server is unreachable or answers 5xx.
    """

    def __init__(self, client: httpx.AsyncClient, url: str, *, retries: int = 5, backoff: float = 0.2) -> None:
        self.client = client
        self.url = url if url.endswith("/") else url + "/"
        self.identity = _redact(self.url)
        self.retries = retries
        self.backoff = backoff

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = await self.client.request(method, self.url + path, **kwargs)
            except httpx.TransportError:
                if attempt == self.retries:
                    raise Unavailable(f"{self.identity} cannot be reached") from None
            else:
                if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                    return self._decode(response)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise Unavailable(f"{self.identity} cannot be reached")  # pragma: no cover - loop always returns or raises

    def _decode(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code < 400:
            return body
        reason = body.get("reason", "") if isinstance(body, dict) else ""
        raise error_for_status(response.status_code, f"{response.status_code} from {self.identity}: {reason}")

    async def info(self) -> Json:
        body: Json = await self._request("GET", "")
        return body

    async def changes(self, since: Seq, limit: int) -> Json:
        params = {"since": str(since), "limit": str(limit), "style": "all_docs"}
        body: Json = await self._request("GET", "_changes", params=params)
        return body

    async def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        body: dict[str, Json] = await self._request("POST", "_revs_diff", json=revs)
        return body

    async def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        payload = {"docs": [{"id": doc_id, "rev": rev} for doc_id, rev in wanted]}
        body = await self._request("POST", "_bulk_get", params={"revs": "true"}, json=payload)
        return [entry["ok"] for result in body["results"] for entry in result["docs"] if "ok" in entry]

    async def write_replicated(self, docs: list[Json]) -> list[Json]:
        body = await self._request("POST", "_bulk_docs", json={"docs": docs, "new_edits": False})
        return [entry for entry in body if "error" in entry]

    async def get_local(self, doc_id: str) -> Json | None:
        try:
            body: Json = await self._request("GET", "_local/" + quote(doc_id, safe=""))
        except NotFound:
            return None
        return body

    async def put_local(self, doc_id: str, body: Json) -> None:
        current = await self.get_local(doc_id)
        payload = {**body, "_rev": current["_rev"]} if current else dict(body)
        await self._request("PUT", "_local/" + quote(doc_id, safe=""), json=payload)
