"""pouchdb-server made to answer as Apache CouchDB does, for what Alongside's CouchDB store asks of it.

Test-only. The tests and ``--couchdb local`` load runs use pouchdb-server (from npm) as a stand-in for
Apache CouchDB; :class:`~alongside.sync.couchdb_store.CouchDBStore` follows Apache CouchDB alone, so
this reverse proxy stands in front of pouchdb-server and mends, in its answers, each way it differs
from CouchDB that the store relies on:

- ``GET /{db}`` has no ``doc_del_count``: counted by following the feed (:class:`DeletedCounter`);
- ``DELETE /{db}`` of a database that does not exist answers 200: here 404, as CouchDB;
- ``GET /{db}/{id}`` of a deleted document says ``"missing"``: here ``"deleted"``;
- ``deleted_conflicts=true`` is ignored: the deleted leaves other than the winner are added;
- ``_changes`` has no ``pending``, and ``style=all_docs`` lists leaves by revision only: here the count
  and CouchDB's order (winner, other live leaves, deleted leaves);
- ``feed=longpoll`` ignores ``timeout`` when nothing changes: here it ends empty after ``timeout``;
- ``_revs_diff`` never reports ``possible_ancestors``: added from the document's leaves;
- ``_bulk_get`` with ``latest=true``: each revision that is no longer a leaf answered with its leaf
  descendants (winner-first), as CouchDB does;
- a filtered feed (``filter=_doc_ids``…) read to its end names the last *matching* change as ``last_seq``:
  here, as CouchDB, where the read got to (at least the ``update_seq`` read just before it), so a reader
  that goes on from there is not shown the other documents' changes again.

Everything else is passed through untouched, the client's ``Authorization`` included (the proxy's
own reads carry it too). An upstream that cannot be reached gives 503, as CouchDB behind a load
balancer would. Run as ``python -m loadtests.kit.pouchdb_adapter UPSTREAM_URL --port PORT``
(:class:`loadtests.kit.processes.PouchDBServer` does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import httpx
import uvicorn

from alongside.sync import couchdb_shapes as shapes
from alongside.sync.revtree import parse_rev, rev_sort_key
from alongside.sync.store import Json, Seq

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

LEAVES_CHUNK = 100
EXACT_PENDING_LIMIT = 1000
PASSED_HEADERS = ("authorization", "content-type", "accept")


@dataclass(frozen=True, slots=True)
class Answer:
    """An upstream answer: status, decoded JSON body (``None`` if not JSON) and the raw bytes."""

    status: int
    body: Any
    content: bytes
    content_type: str


class Upstream:
    """pouchdb-server, asked with the headers of the request being served."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def send(self, method: str, path: str, query: str = "", content: bytes | None = None) -> Answer:
        """Pass a request on as it came."""
        response = await self.client.request(
            method, path + ("?" + query if query else ""), content=content, headers=self.headers
        )
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        return Answer(response.status_code, body, response.content, response.headers.get("content-type", ""))

    async def read(self, method: str, path: str, params: dict[str, str], body: Any = None) -> Any:
        """The adapter's own read: JSON in, JSON out, with the client's credentials."""
        headers = {**self.headers, "accept": "application/json", "content-type": "application/json"}
        response = await self.client.request(method, path, params=params, json=body, headers=headers)
        return response.json() if response.content else None

    async def info(self, db_path: str) -> Json:
        info: Json = await self.read("GET", db_path, {})
        return info

    async def changes_since(self, db_path: str, since: Seq) -> Json:
        feed: Json = await self.read("GET", db_path + "/_changes", {"since": str(since)})
        return feed

    async def leaves(self, db_path: str, doc_ids: list[str]) -> dict[str, list[str]]:
        """Every leaf revision (deleted ones too) of each existing document in ``doc_ids``."""
        unique = list(dict.fromkeys(doc_ids))
        out: dict[str, list[str]] = {}
        for start in range(0, len(unique), LEAVES_CHUNK):
            params = {"filter": "_doc_ids", "style": "all_docs"}
            feed = await self.read(
                "POST", db_path + "/_changes", params, {"doc_ids": unique[start : start + LEAVES_CHUNK]}
            )
            for row in feed.get("results", []):
                out[row["id"]] = [change["rev"] for change in row.get("changes", [])]
        return out

    async def all_docs_rows(self, db_path: str, keys: list[str], include_docs: bool) -> list[Json]:
        params = {"include_docs": shapes.flag(include_docs), "conflicts": shapes.flag(include_docs)}
        rows: list[Json] = (await self.read("POST", db_path + "/_all_docs", params, {"keys": keys})).get("rows", [])
        return rows


# -- the deleted-document count ---------------------------------------------------------------------


@dataclass
class _Followed:
    instance: str
    seq: Seq = 0
    deleted: set[str] = field(default_factory=set)


class DeletedCounter:
    """Deleted-document counts per database, kept current from the changes feed.

    Counting the deleted rows of the whole feed on every ``GET /{db}`` would read every plan's whole
    history on each sync cycle; instead each database's feed is followed: the ids whose winning
    revision is deleted and the sequence read up to are kept, and each call reads only the rows after
    that sequence, or nothing when ``update_seq`` has not moved. A database deleted and created again is
    noticed when its ``update_seq`` is below the sequence already read (confirmed by a second read, since
    an answer read just before another call caught up is older too) or its ``instance_start_time`` changes.
    """

    def __init__(self) -> None:
        self._followed: dict[str, _Followed] = {}

    async def count(self, db_path: str, info: Json, upstream: Upstream) -> int:
        """The number of deleted documents in the database whose ``GET /{db}`` answer is ``info``. No lock:
        calls running at once only duplicate a read, and each stores a consistent state."""
        instance = str(info.get("instance_start_time", ""))
        update_seq = info.get("update_seq", 0)
        state = self._followed.get(db_path)
        if state is None or state.instance != instance:
            state = _Followed(instance)
        elif _newer(state.seq, update_seq) and _newer(state.seq, (await upstream.info(db_path)).get("update_seq", 0)):
            state = _Followed(instance)  # the feed is shorter than what was read: a new database
        if not _newer(update_seq, state.seq):
            return len(state.deleted)
        feed = await upstream.changes_since(db_path, state.seq)
        deleted = set(state.deleted)
        for row in feed.get("results", []):
            if row.get("deleted"):
                deleted.add(str(row["id"]))
            else:
                deleted.discard(str(row["id"]))
        last_seq = feed.get("last_seq")
        caught_up = _Followed(instance, last_seq if isinstance(last_seq, int | str) else update_seq, deleted)
        current = self._followed.get(db_path)
        if current is None or current.instance != instance or _newer(caught_up.seq, current.seq):
            self._followed[db_path] = caught_up
        return len(deleted)

    def forget(self, db_path: str) -> None:
        """Drop what is known about a database (after deleting it)."""
        self._followed.pop(db_path, None)


def _newer(update_seq: Seq, followed: Seq) -> bool:
    """Whether the feed has rows after ``followed`` (integer sequences compared; opaque ones only differ)."""
    if isinstance(update_seq, int) and isinstance(followed, int):
        return update_seq > followed
    return update_seq != followed


# -- the proxy --------------------------------------------------------------------------------------


class PouchDBAdapter:
    """The ASGI application: pass each request to pouchdb-server and mend the answers listed above."""

    def __init__(self, upstream_url: str) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.deleted = DeletedCounter()
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert scope["type"] == "http" and self._client is not None
        content = b""
        while True:
            message = await receive()
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        upstream = Upstream(self._client, {k: v for k, v in headers.items() if k in PASSED_HEADERS})
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        query = scope["query_string"].decode("latin-1")
        try:
            answer = await self._answer(upstream, scope["method"], path, query, content)
        except httpx.TransportError:
            answer = _json_answer(503, {"error": "service_unavailable", "reason": "pouchdb-server cannot be reached"})
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(b"content-type", (answer.content_type or "application/json").encode("latin-1"))],
            }
        )
        await send({"type": "http.response.body", "body": answer.content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                limits = httpx.Limits(max_connections=None, max_keepalive_connections=32)
                self._client = httpx.AsyncClient(
                    base_url=self.upstream_url, timeout=None, limits=limits, trust_env=False
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(self, upstream: Upstream, method: str, path: str, query: str, content: bytes) -> Answer:
        segments = [unquote(part) for part in path.strip("/").split("/")] if path.strip("/") else []
        params = {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
        if not segments or segments[0].startswith("_"):
            return await upstream.send(method, path, query, content or None)
        db_path = "/" + quote(segments[0], safe="")
        if len(segments) == 1 and method == "DELETE":
            return await self._delete_database(upstream, db_path, path, query)
        if len(segments) == 1 and method == "GET":
            return await self._database_info(upstream, db_path, path, query)
        if segments[1:] == ["_changes"] and params.get("feed") == "longpoll":
            return await self._longpoll(upstream, method, path, query, content, params)
        if segments[1:] == ["_bulk_get"] and method == "POST" and params.get("latest") == "true":
            return await self._bulk_get_latest(upstream, db_path, path, params, content)
        read_to: Seq | None = None
        if segments[1:] == ["_changes"] and params.get("filter") is not None:
            read_to = (await upstream.info(db_path)).get("update_seq")
        answer = await upstream.send(method, path, query, content or None)
        if segments[1:] == ["_changes"] and answer.status == 200 and isinstance(answer.body, dict):
            return await self._changes(upstream, db_path, params, answer.body, read_to)
        if segments[1:] == ["_revs_diff"] and answer.status == 200 and isinstance(answer.body, dict):
            return _json_answer(200, await self._with_ancestors(upstream, db_path, answer.body))
        if len(segments) == 2 and method == "GET" and not segments[1].startswith("_") and "open_revs" not in params:
            return await self._document(upstream, db_path, segments[1], params, answer)
        return answer

    async def _delete_database(self, upstream: Upstream, db_path: str, path: str, query: str) -> Answer:
        exists = await upstream.send("GET", db_path)
        if exists.status == 404:
            return _json_answer(404, {"error": "not_found", "reason": "Database does not exist."})
        self.deleted.forget(db_path)
        return await upstream.send("DELETE", path, query)

    async def _database_info(self, upstream: Upstream, db_path: str, path: str, query: str) -> Answer:
        answer = await upstream.send("GET", path, query)
        info = answer.body
        if answer.status != 200 or not isinstance(info, dict) or isinstance(info.get("doc_del_count"), int):
            return answer
        return _json_answer(200, {**info, "doc_del_count": await self.deleted.count(db_path, info, upstream)})

    async def _longpoll(
        self, upstream: Upstream, method: str, path: str, query: str, content: bytes, params: dict[str, str]
    ) -> Answer:
        """CouchDB ends a longpoll with no change after ``timeout`` ms with an empty answer."""
        timeout = params.get("timeout")
        try:
            async with asyncio.timeout(int(timeout) / 1000 if timeout and timeout.isdigit() else None):
                return await upstream.send(method, path, query, content or None)
        except TimeoutError:
            since = params.get("since", "0")
            return _json_answer(200, {"results": [], "last_seq": int(since) if since.isdigit() else since})

    async def _changes(
        self, upstream: Upstream, db_path: str, params: dict[str, str], feed: Json, read_to: Seq | None
    ) -> Answer:
        rows: list[Json] = feed.get("results", [])
        if params.get("style") == "all_docs":
            await self._order_leaves(upstream, db_path, rows)
        limit = int(params["limit"]) if params.get("limit", "").isdigit() else None
        read_to_end = limit is None or len(rows) < limit
        descending = params.get("descending") == "true"
        last_seq = feed.get("last_seq", 0)
        if read_to_end and not descending and isinstance(read_to, int) and isinstance(last_seq, int):
            feed["last_seq"] = last_seq = max(last_seq, read_to)
        if not isinstance(feed.get("pending"), int):
            exhausted = params.get("filter") is None and read_to_end
            feed["pending"] = 0 if descending or exhausted else await self._pending_after(upstream, db_path, last_seq)
        return _json_answer(200, feed)

    async def _pending_after(self, upstream: Upstream, db_path: str, since: Seq) -> int:
        """How many rows follow ``since``. Counting reads the rest of the feed, which made paging through a
        long feed quadratic; ``update_seq - since`` bounds the count from above (integer sequences), so rows
        are counted only when that bound is at most ``EXACT_PENDING_LIMIT``: exact near the end of the feed."""
        if isinstance(since, int):
            update_seq = (await upstream.info(db_path)).get("update_seq")
            if isinstance(update_seq, int) and update_seq - since > EXACT_PENDING_LIMIT:
                return update_seq - since
        return len((await upstream.changes_since(db_path, since)).get("results", []))

    async def _order_leaves(self, upstream: Upstream, db_path: str, rows: list[Json]) -> None:
        """Each row's leaves in CouchDB's order: winner, other live leaves, deleted leaves, each by revision."""
        multi = [row for row in rows if len(row.get("changes", [])) > 1]
        live = [row["id"] for row in multi if not row.get("deleted")]
        found = {r["id"]: r for r in await upstream.all_docs_rows(db_path, live, True) if "id" in r} if live else {}
        for row in multi:
            revs = sorted((c["rev"] for c in row["changes"]), key=rev_sort_key, reverse=True)
            known = found.get(row["id"])
            if known is not None:
                winner = known["value"]["rev"]
                conflicts = set((known.get("doc") or {}).get("_conflicts", []))
                revs.sort(key=lambda r: (r != winner, r not in conflicts))
            row["changes"] = [{"rev": rev} for rev in revs]

    async def _bulk_get_latest(
        self, upstream: Upstream, db_path: str, path: str, params: dict[str, str], content: bytes
    ) -> Answer:
        """Revisions that are leaves (and unknown ones) go to pouchdb-server's ``_bulk_get`` without ``latest``;
        the others are answered with the leaves that descend from them."""
        try:
            entries = json.loads(content)["docs"]
            wanted = [(str(e["id"]), e.get("rev")) for e in entries]
        except (ValueError, KeyError, TypeError):
            return await upstream.send("POST", path, urlencode(params), content)
        leaves = await upstream.leaves(db_path, [doc_id for doc_id, rev in wanted if rev is not None])
        inner = {
            i for i, (doc_id, rev) in enumerate(wanted) if rev is not None and rev not in leaves.get(doc_id, [rev])
        }
        passed = [entries[i] for i in range(len(entries)) if i not in inner]
        query = urlencode({k: v for k, v in params.items() if k != "latest"})
        answer = await upstream.send("POST", path, query, json.dumps({"docs": passed}).encode()) if passed else None
        if answer is not None and (answer.status != 200 or not isinstance(answer.body, dict)):
            return answer
        upstream_results = iter(answer.body.get("results", []) if answer is not None else [])
        leaf_docs: dict[str, list[Json]] = {}
        results: list[Json] = []
        for i, (doc_id, rev) in enumerate(wanted):
            if i not in inner:
                results.append(next(upstream_results))
                continue
            if doc_id not in leaf_docs:
                raw = await upstream.read(
                    "GET", f"{db_path}/{quote(doc_id, safe='')}", {"open_revs": "all", "revs": "true"}
                )
                leaf_docs[doc_id] = [entry["ok"] for entry in raw or [] if isinstance(entry, dict) and "ok" in entry]
            found = sorted(
                (doc for doc in leaf_docs[doc_id] if rev in shapes.path(doc)), key=shapes.leaf_order, reverse=True
            )
            docs = [{"ok": shapes.without_history(dict(doc), params.get("revs") == "true")} for doc in found]
            results.append({"id": doc_id, "docs": docs or [shapes.missing(doc_id, rev)]})
        return _json_answer(200, {"results": results})

    async def _with_ancestors(self, upstream: Upstream, db_path: str, diff: Json) -> Json:
        """``possible_ancestors``: the leaves below the highest missing generation, highest first."""
        wanting = [
            doc_id for doc_id, entry in diff.items() if entry.get("missing") and "possible_ancestors" not in entry
        ]
        leaves = await upstream.leaves(db_path, wanting) if wanting else {}
        for doc_id in wanting:
            top = max(parse_rev(rev)[0] for rev in diff[doc_id]["missing"])
            lower = sorted((r for r in leaves.get(doc_id, []) if parse_rev(r)[0] < top), key=rev_sort_key, reverse=True)
            if lower:
                diff[doc_id]["possible_ancestors"] = lower
        return diff

    async def _document(
        self, upstream: Upstream, db_path: str, doc_id: str, params: dict[str, str], answer: Answer
    ) -> Answer:
        doc_path = f"{db_path}/{quote(doc_id, safe='')}"
        body = answer.body
        if answer.status == 404 and isinstance(body, dict) and body.get("reason") == "missing" and "rev" not in params:
            rows = await upstream.all_docs_rows(db_path, [doc_id], False)
            if rows and rows[0].get("value", {}).get("deleted"):
                return _json_answer(404, {"error": "not_found", "reason": "deleted"})
        wants = params.get("deleted_conflicts") == "true"
        if answer.status == 200 and isinstance(body, dict) and wants and "_deleted_conflicts" not in body:
            raw = await upstream.read("GET", doc_path, {"open_revs": "all"})
            leaves = [shapes.doc(e["ok"]) for e in raw or [] if isinstance(e, dict) and isinstance(e.get("ok"), dict)]
            leaves.sort(key=shapes.leaf_order, reverse=True)
            found = [leaf["_rev"] for leaf in leaves[1:] if leaf.get("_deleted")]
            if found:
                return _json_answer(200, {**body, "_deleted_conflicts": found})
        return answer


def _json_answer(status: int, body: Any) -> Answer:
    return Answer(status, body, json.dumps(body).encode(), "application/json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.kit.pouchdb_adapter", description=__doc__.split("\n")[0])
    parser.add_argument("upstream", help="pouchdb-server's URL, e.g. http://127.0.0.1:5985")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(PouchDBAdapter(args.upstream), host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
