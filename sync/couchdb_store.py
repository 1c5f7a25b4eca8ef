"""The Apache CouchDB document store: each logical database is one CouchDB database.

Every method maps onto Apache CouchDB's own HTTP API (version 3) and returns bodies shaped exactly as
:class:`~alongside.sync.sqlite_store.SqliteStore` returns them, so the HTTP layer cannot tell the two
apart. The store follows Apache CouchDB alone: the tests' stand-in, pouchdb-server, is made to answer
as CouchDB does by a test-only adapter in front of it (``loadtests/kit/pouchdb_adapter.py``).
Sequences are opaque and passed through untouched.

Nothing is cached between calls: several Alongside processes can share one CouchDB, and a longpoll in
one wakes when another writes, because the waiting is CouchDB's own ``feed=longpoll``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import weakref
from urllib.parse import quote

from . import couchdb_shapes as shapes
from .couchdb_http import CONFLICT_REASON, DB_EXISTS, CouchDBClient, Response
from .errors import BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, SyncError
from .revtree import InvalidRevision, rev_sort_key
from .store import AllDocsRequest, BulkGetItem, ChangesRequest, DocumentRequest, Json, Seq

logger = logging.getLogger("alongside.sync.couchdb")

DB_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_$()+/-]{0,237}")  # whole names only: fullmatch
BULK_GET_UNSUPPORTED = (400, 404, 405, 415, 501)


class CouchDBStore:
    """:class:`~alongside.sync.store.DocumentStore` on Apache CouchDB.

    ``url`` may carry credentials (``http://user:pass@host:5984``); they are sent as basic auth and
    never appear in errors or logs. Logical database ``name`` lives in CouchDB database
    ``prefix + name``. ``timeout`` bounds every call (retries included) except the wait of
    :meth:`wait_for_change`, which has its own.
    """

    backend = "couchdb"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "alongside-",
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.1,
        max_connections: int | None = None,
    ) -> None:
        if not DB_NAME_PATTERN.fullmatch(prefix + "x"):
            raise ValueError("prefix must start with a lowercase letter and use CouchDB's database-name characters")
        self.prefix = prefix
        self._http = CouchDBClient(
            url, timeout=timeout, retries=retries, backoff=backoff, max_connections=max_connections
        )
        self.url = self._http.url
        self._bulk_get_supported = True
        # CouchDB 3 checks no revision of a local document: this process compares them itself, one
        # writer at a time per document (two processes writing one local document at once both win).
        self._local_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __repr__(self) -> str:
        return f"CouchDBStore({self.url!r}, prefix={self.prefix!r})"

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the HTTP connection pool (CouchDB itself is first contacted by the first call)."""
        await self._http.open()

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.close()

    # -- plumbing --------------------------------------------------------------------------------

    def _db(self, db: str) -> str:
        name = self.prefix + db
        if not DB_NAME_PATTERN.fullmatch(name):
            raise BadRequest("Database names must be lowercase letters, digits and dashes")
        return "/" + quote(name, safe="")

    def _doc_path(self, db: str, doc_id: str) -> str:
        return f"{self._db(db)}/{quote(doc_id, safe='')}"

    async def _require_db(self, db: str) -> None:
        if not await self.database_exists(db):
            raise NotFound("Database does not exist.")

    async def _leaf_docs(self, db: str, doc_id: str, history: bool) -> list[Json]:
        """``open_revs=all``: every leaf of a document, winner first (``[]`` if there is no such document)."""
        response = await self._http.request(
            "GET", self._doc_path(db, doc_id), params={"open_revs": "all", "revs": shapes.flag(history)}, expect=(404,)
        )
        if response.status == 404:
            error = self._http.error(404, response.body)
            if error.reason != "missing":
                raise error
            return []
        docs = [shapes.doc(entry["ok"]) for entry in response.body if isinstance(entry, dict) and "ok" in entry]
        return sorted(docs, key=shapes.leaf_order, reverse=True)

    # -- databases -------------------------------------------------------------------------------

    async def create_database(self, db: str) -> None:
        """``PUT /{db}``; ``PreconditionFailed`` if it exists."""
        response = await self._http.request("PUT", self._db(db), idempotent=False, expect=(412,))
        if response.status == 412:
            raise PreconditionFailed(DB_EXISTS)

    async def delete_database(self, db: str) -> None:
        """``DELETE /{db}``; ``NotFound`` if it does not exist."""
        await self._http.request("DELETE", self._db(db), idempotent=False)

    async def database_exists(self, db: str) -> bool:
        """Whether ``GET /{db}`` finds the database."""
        response = await self._http.request("GET", self._db(db), expect=(404,))
        return response.status == 200

    async def list_databases(self) -> list[str]:
        """``GET /_all_dbs``, those under this store's prefix, without it. CouchDB 3 lets only server admins
        list databases (``[chttpd] admin_only_all_dbs``): ``Forbidden`` for anyone else."""
        response = await self._http.request("GET", "/_all_dbs", expect=(401, 403))
        if response.status != 200:
            raise Forbidden("Only a CouchDB server admin may list the databases.")
        names = response.body if isinstance(response.body, list) else []
        return sorted(name[len(self.prefix) :] for name in map(str, names) if name.startswith(self.prefix))

    async def cluster_nodes(self) -> tuple[int, int] | None:
        """From ``GET /_membership`` of the node this store speaks to: how many nodes the cluster has
        (``cluster_nodes``) and how many of them that node is connected to (``all_nodes``); ``None`` for a
        single node, or a server without ``/_membership``."""
        response = await self._http.request("GET", "/_membership", expect=(400, 401, 403, 404))
        if response.status != 200 or not isinstance(response.body, dict):
            return None
        members = {str(node) for node in response.body.get("cluster_nodes") or []}
        connected = {str(node) for node in response.body.get("all_nodes") or []}
        if len(members) < 2:
            return None
        return len(members), len(members & connected)

    async def database_info(self, db: str) -> Json:
        """``GET /{db}`` reduced to the SQLite store's fields; ``db_name`` is the logical name."""
        info: Json = (await self._http.request("GET", self._db(db))).body
        return {
            "db_name": db,
            "doc_count": info.get("doc_count", 0),
            "doc_del_count": info.get("doc_del_count", 0),
            "update_seq": info.get("update_seq", 0),
            "purge_seq": info.get("purge_seq", 0),
            "compact_running": bool(info.get("compact_running", False)),
            "instance_start_time": str(info.get("instance_start_time", "0")),
            "disk_format_version": info.get("disk_format_version", 8),
        }

    # -- writes ----------------------------------------------------------------------------------

    async def bulk_docs(self, db: str, docs: list[Json], *, new_edits: bool = True) -> list[Json]:
        """``POST /{db}/_bulk_docs``. Invalid documents are refused here, one by one, as SQLite does;
        with ``new_edits=False`` (idempotent, so retried) only failures are returned."""
        refused: dict[int, Json] = {}
        valid: list[Json] = []
        for index, doc in enumerate(docs):
            try:
                valid.append(shapes.checked_for_write(doc, new_edits))
            except (SyncError, InvalidRevision) as exc:
                error = exc.error if isinstance(exc, SyncError) else "bad_request"
                reason = exc.reason if isinstance(exc, SyncError) else str(exc)
                doc_id = doc.get("_id") if isinstance(doc, dict) else None
                refused[index] = {"id": doc_id, "error": error, "reason": reason}
        if new_edits and valid:
            await self._refuse_before_writing(db, docs, refused)
            valid = [doc for index, doc in enumerate(docs) if index not in refused]
        written: list[Json] = []
        if valid:
            response = await self._http.request(
                "POST",
                self._db(db) + "/_bulk_docs",
                json={"docs": valid, "new_edits": new_edits},
                idempotent=not new_edits,
                expect=(417,),
            )
            written = [self._write_result(entry) for entry in response.body or []]
        else:
            await self._require_db(db)
        if not new_edits:
            return [*refused.values(), *(entry for entry in written if "error" in entry)]
        return shapes.in_request_order(docs, refused, written)

    async def _refuse_before_writing(self, db: str, docs: list[Json], refused: dict[int, Json]) -> None:
        """Refuse (into ``refused``) each new edit that would recreate a document whose winning tombstone is at
        the last generation (CouchDB would store the next one, which this server cannot read back), and each
        that names a ``_rev`` of a document not stored (a conflict, as CouchDB documents it). One
        ``_all_docs`` read, only for a batch with such edits."""
        recreating = shapes.recreations(docs, refused)
        named = shapes.naming_a_rev(docs, refused)
        if recreating or named:
            keys = sorted({*recreating.values(), *named.values()})
            rows = (await self._all_docs_keys(db, keys, include_docs=False, conflicts=False))["rows"]
            refused.update(shapes.refused_at_last_generation(recreating, rows))
            refused.update(shapes.refused_as_never_stored(named, rows))

    def _write_result(self, entry: Json) -> Json:
        if "error" not in entry:
            return {"ok": True, "id": entry.get("id"), "rev": entry.get("rev")}
        error = str(entry["error"])
        reason = CONFLICT_REASON if error == "conflict" else self._http.scrub(str(entry.get("reason", "")))
        return {"id": entry.get("id"), "error": error, "reason": reason}

    # -- reads -----------------------------------------------------------------------------------

    async def get_document(self, db: str, doc_id: str, request: DocumentRequest) -> Json:
        """``GET /{db}/{id}``. ``latest`` is resolved here from the document's leaves, as :meth:`bulk_get`
        resolves it."""
        if doc_id.startswith("_"):
            await self._require_db(db)
            raise NotFound("missing")
        rev = request.rev
        if rev is not None and request.latest:
            descendants = [d["_rev"] for d in await self._leaf_docs(db, doc_id, True) if rev in shapes.path(d)]
            if descendants:
                rev = max(descendants, key=rev_sort_key)
        params = {"revs": shapes.flag(request.revs), "revs_info": shapes.flag(request.revs_info)}
        params.update(
            conflicts=shapes.flag(request.conflicts), deleted_conflicts=shapes.flag(request.deleted_conflicts)
        )
        if rev is not None:
            params["rev"] = rev
        response = await self._http.request("GET", self._doc_path(db, doc_id), params=params, expect=(404,))
        if response.status == 404:
            raise self._http.error(404, response.body)
        return shapes.doc(response.body)

    async def get_open_revs(
        self, db: str, doc_id: str, revs: list[str] | None, *, history: bool, latest: bool
    ) -> list[Json]:
        """``GET /{db}/{id}?open_revs=…``: ``[{"ok": doc} | {"missing": rev}]`` in the requested order."""
        if revs is None:
            leaves = await self._leaf_docs(db, doc_id, history)
            if not leaves:
                raise NotFound("missing")  # as CouchDB answers open_revs=all for an unknown document
            return [{"ok": shapes.without_history(doc, history)} for doc in leaves]
        if latest:
            leaves = await self._leaf_docs(db, doc_id, True)  # [] for an unknown document: all missing
            out: list[Json] = []
            seen: set[str] = set()
            for rev in revs:
                targets = [leaf for leaf in leaves if rev in shapes.path(leaf)] or [{"_rev": rev}]
                for target in targets:
                    if target["_rev"] in seen:
                        continue
                    seen.add(target["_rev"])
                    found = "_id" in target
                    out.append({"ok": shapes.without_history(dict(target), history)} if found else {"missing": rev})
            return out
        if not revs:
            await self._require_db(db)
            return []
        found_docs = await self._open_revs(db, doc_id, revs, history)
        return [{"ok": found_docs[rev]} if rev in found_docs else {"missing": rev} for rev in dict.fromkeys(revs)]

    async def _open_revs(self, db: str, doc_id: str, revs: list[str], history: bool) -> dict[str, Json]:
        """The requested revisions of one document that exist, by revision id."""
        response = await self._http.request(
            "GET",
            self._doc_path(db, doc_id),
            params={"open_revs": json.dumps(list(dict.fromkeys(revs))), "revs": shapes.flag(history)},
            expect=(404,),
        )
        if response.status == 404:
            error = self._http.error(404, response.body)
            if error.reason != "missing":
                raise error
            return {}
        docs = [shapes.doc(entry["ok"]) for entry in response.body if isinstance(entry, dict) and "ok" in entry]
        return {str(doc["_rev"]): doc for doc in docs}

    async def revs_diff(self, db: str, revs: dict[str, list[str]]) -> dict[str, Json]:
        """``POST /{db}/_revs_diff``, missing revisions in the order they were asked for."""
        if not revs:
            await self._require_db(db)
            return {}
        response = await self._http.request("POST", self._db(db) + "/_revs_diff", json=revs, idempotent=True)
        answered: Json = response.body or {}
        out: dict[str, Json] = {}
        for doc_id, wanted in revs.items():
            missing_set = set((answered.get(doc_id) or {}).get("missing", []))
            if missing_set:
                out[doc_id] = {"missing": [rev for rev in dict.fromkeys(wanted) if rev in missing_set]}
                ancestors = answered[doc_id].get("possible_ancestors")
                if ancestors:
                    out[doc_id]["possible_ancestors"] = sorted(ancestors, key=rev_sort_key, reverse=True)
        return out

    async def bulk_get(self, db: str, items: list[BulkGetItem], *, history: bool, latest: bool) -> list[Json]:
        """``POST /{db}/_bulk_get``, one result per item in order; missing revisions as error objects.

        Items without a revision get the winner (even a deleted one, as SQLite does). With ``latest``, CouchDB
        resolves each revision to its leaf descendants in the same request (``latest=true``); the leaves come
        with their history, which says which requested revision each one descends from, so the answer does not
        depend on the order CouchDB lists them in. Falls back to ``open_revs`` GETs if ``_bulk_get`` is not
        supported.
        """
        if not items:
            await self._require_db(db)
            return []
        winners = {
            doc_id: (await self._leaf_docs(db, doc_id, True))[:1] for doc_id in {i.id for i in items if i.rev is None}
        }
        wanted: dict[str, list[str]] = {}
        for item in items:
            if item.rev is not None:
                wanted.setdefault(item.id, []).append(item.rev)
        fetched = await self._revisions_by_id(db, wanted, history=history or latest, latest=latest) if wanted else {}
        results: list[Json] = []
        for item in items:
            found = fetched.get(item.id, {})
            if item.rev is None:
                docs = winners[item.id]
            elif latest:
                docs = sorted(
                    (d for d in found.values() if item.rev in shapes.path(d)), key=shapes.leaf_order, reverse=True
                )
            else:
                docs = [found[item.rev]] if item.rev in found else []
            entries = [{"ok": shapes.without_history(dict(doc), history)} for doc in docs]
            results.append({"id": item.id, "docs": entries or [shapes.missing(item.id, item.rev)]})
        return results

    async def _revisions_by_id(
        self, db: str, wanted: dict[str, list[str]], *, history: bool, latest: bool
    ) -> dict[str, dict[str, Json]]:
        """The documents at the revisions ``wanted`` that exist (with ``latest``, at least their leaf
        descendants), by id and revision: one ``_bulk_get`` or, failing that, ``open_revs`` GETs."""
        found: dict[str, dict[str, Json]] = {}
        if self._bulk_get_supported:
            body = {
                "docs": [{"id": doc_id, "rev": rev} for doc_id, revs in wanted.items() for rev in dict.fromkeys(revs)]
            }
            params = {"revs": shapes.flag(history)} | ({"latest": "true"} if latest else {})
            response = await self._http.request(
                "POST",
                self._db(db) + "/_bulk_get",
                params=params,
                json=body,
                idempotent=True,
                expect=BULK_GET_UNSUPPORTED,
            )
            if response.status == 200:
                for result in response.body.get("results", []):
                    for entry in result.get("docs", []):
                        if isinstance(entry, dict) and isinstance(entry.get("ok"), dict):
                            doc = shapes.doc(entry["ok"])
                            found.setdefault(str(doc["_id"]), {})[str(doc["_rev"])] = doc
                return found
            error = self._http.error(response.status, response.body)
            if isinstance(error, NotFound) and error.reason != "missing":
                raise error
            if response.status != 400:  # 400 may be about this request only: fall back just this once
                logger.warning("CouchDB at %s has no _bulk_get; using open_revs GETs", self.url)
                self._bulk_get_supported = False
        for doc_id, revs in wanted.items():
            if latest:  # every leaf: bulk_get keeps those that descend from a requested revision
                found[doc_id] = {str(doc["_rev"]): doc for doc in await self._leaf_docs(db, doc_id, True)}
            else:
                found[doc_id] = await self._open_revs(db, doc_id, revs, history)
        return found

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        """``GET /{db}/_changes`` (normal feed): ``{"results", "last_seq", "pending"}``."""
        params = {
            "include_docs": shapes.flag(request.include_docs),
            "conflicts": shapes.flag(request.conflicts),
            "descending": shapes.flag(request.descending),
        }
        if request.all_leaves:
            params["style"] = "all_docs"
        if not request.descending:
            params["since"] = str(request.since)
        limit = request.limit
        if limit is not None:
            params["limit"] = str(max(limit, 1))  # servers differ on limit=0: ask for one row and drop it
        body: Json | None = None
        if request.doc_ids is not None:
            params["filter"] = "_doc_ids"
            body = {"doc_ids": request.doc_ids}
        response = await self._http.request(
            "POST" if body else "GET", self._db(db) + "/_changes", params=params, json=body, idempotent=True
        )
        raw: Json = response.body
        rows = raw.get("results", [])
        pending = raw.get("pending")
        pending = pending if isinstance(pending, int) else 0
        last_seq: Seq = request.since
        if limit == 0:
            pending += len(rows)  # the rows after ``since``: the one asked for and those after it
            rows = []
            if request.since == "now":
                last_seq = (await self.database_info(db))["update_seq"]
        else:
            last_seq = raw.get("last_seq", request.since)
        results = [self._change_row(row) for row in rows]
        return {"results": results, "last_seq": last_seq, "pending": 0 if request.descending else pending}

    @staticmethod
    def _change_row(row: Json) -> Json:
        out: Json = {"seq": row.get("seq"), "id": row.get("id"), "changes": [{"rev": c["rev"]} for c in row["changes"]]}
        if row.get("deleted"):
            out["deleted"] = True
        if "doc" in row:
            out["doc"] = shapes.doc(row["doc"]) if isinstance(row["doc"], dict) else row["doc"]
        return out

    async def wait_for_change(self, db: str, since: Seq, timeout: float) -> bool:
        """CouchDB's ``feed=longpoll`` from ``since`` (so another process's write wakes it), with the client
        holding the deadline as well as CouchDB: a server or proxy that keeps the answer back cannot hold
        the caller past ``timeout``."""
        if timeout <= 0:
            params = {"since": str(since), "limit": "1"}
            found = await self._http.request("GET", self._db(db) + "/_changes", params=params)
            return bool(found.body.get("results"))
        params = {"feed": "longpoll", "since": str(since), "limit": "1", "timeout": str(max(int(timeout * 1000), 1))}
        response: Response | None = await self._http.longpoll(self._db(db) + "/_changes", params, timeout)
        return response is not None and bool(response.body.get("results"))

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        """``GET /{db}/_all_docs``; ``offset`` is the ``skip`` asked for (``None`` with ``keys``)."""
        if request.keys is not None:
            found = await self._all_docs_keys(db, request.keys, request.include_docs, request.conflicts)
            rows = found["rows"][request.skip :]
            if request.limit is not None:
                rows = rows[: request.limit]
            return {"total_rows": found["total_rows"], "offset": None, "rows": rows}
        params = {
            "include_docs": shapes.flag(request.include_docs),
            "conflicts": shapes.flag(request.conflicts),
            "descending": shapes.flag(request.descending),
            "inclusive_end": shapes.flag(request.inclusive_end),
            "skip": str(request.skip),
        }
        if request.start_key is not None:
            params["startkey"] = json.dumps(request.start_key)
        if request.end_key is not None:
            params["endkey"] = json.dumps(request.end_key)
        if request.limit is not None:
            params["limit"] = str(request.limit)
        if request.limit == 0:
            info = await self.database_info(db)
            return {"total_rows": info["doc_count"], "offset": request.skip, "rows": []}
        raw = (await self._http.request("GET", self._db(db) + "/_all_docs", params=params)).body
        rows = [self._all_docs_row(row, request.include_docs) for row in raw.get("rows", [])]
        return {"total_rows": raw.get("total_rows", 0), "offset": request.skip, "rows": rows}

    async def _all_docs_keys(self, db: str, keys: list[str], include_docs: bool, conflicts: bool) -> Json:
        params = {"include_docs": shapes.flag(include_docs), "conflicts": shapes.flag(conflicts)}
        response = await self._http.request(
            "POST", self._db(db) + "/_all_docs", params=params, json={"keys": keys}, idempotent=True
        )
        raw: Json = response.body
        return {
            "total_rows": raw.get("total_rows", 0),
            "rows": [self._all_docs_row(row, include_docs) for row in raw.get("rows", [])],
        }

    @staticmethod
    def _all_docs_row(row: Json, include_docs: bool) -> Json:
        if "error" in row or "value" not in row:
            return {"key": row.get("key"), "error": row.get("error", "not_found")}
        value: Json = {"rev": row["value"]["rev"]}
        if row["value"].get("deleted"):
            value["deleted"] = True
        out: Json = {"id": row["id"], "key": row["key"], "value": value}
        if include_docs:
            doc = row.get("doc")
            out["doc"] = shapes.doc(doc) if isinstance(doc, dict) and not value.get("deleted") else None
        return out

    # -- local documents -------------------------------------------------------------------------

    def _local_path(self, db: str, doc_id: str) -> str:
        return f"{self._db(db)}/_local/{quote(doc_id, safe='')}"

    async def get_local(self, db: str, doc_id: str) -> Json:
        """``GET /{db}/_local/{id}``, ``_id`` and ``_rev`` first."""
        raw: Json = (await self._http.request("GET", self._local_path(db, doc_id))).body
        return {
            "_id": f"_local/{doc_id}",
            "_rev": raw.get("_rev"),
            **{k: v for k, v in raw.items() if not k.startswith("_")},
        }

    def _local_lock(self, db: str, doc_id: str) -> asyncio.Lock:
        key = f"{db}/{doc_id}"
        lock = self._local_locks.get(key)
        if lock is None:
            lock = self._local_locks[key] = asyncio.Lock()
        return lock

    async def put_local(self, db: str, doc_id: str, body: Json, *, existing_only: bool = False) -> Json:
        """``PUT /{db}/_local/{id}``; ``Conflict`` unless ``_rev`` is current (any ``_rev`` creates a
        missing document, as in the SQLite store; with ``existing_only``, ``NotFound`` instead). CouchDB 3
        checks no revision of a local document (any ``_rev``, or none, overwrites it), so the current one is
        read and compared here, under a lock."""
        if body.get("_deleted") is True:
            return await self.delete_local(db, doc_id, body.get("_rev"))
        content = {k: v for k, v in body.items() if not k.startswith("_")}
        async with self._local_lock(db, doc_id):
            current = await self._local_rev(db, doc_id)
            if current is None and existing_only:
                raise NotFound("missing")
            if current is not None and body.get("_rev") != current:
                raise Conflict(CONFLICT_REASON)
            response = await self._put_local(
                db, doc_id, {**content, "_rev": current} if current is not None else content
            )
        return {"ok": True, "id": f"_local/{doc_id}", "rev": response.body.get("rev")}

    async def _put_local(self, db: str, doc_id: str, body: Json) -> Response:
        return await self._http.request("PUT", self._local_path(db, doc_id), json=body, idempotent=False)

    async def _local_rev(self, db: str, doc_id: str) -> str | None:
        response = await self._http.request("GET", self._local_path(db, doc_id), expect=(404,))
        if response.status == 404:
            error = self._http.error(404, response.body)
            if error.reason != "missing":
                raise error
            return None
        return str(response.body.get("_rev"))

    async def delete_local(self, db: str, doc_id: str, rev: str | None) -> Json:
        """``DELETE /{db}/_local/{id}?rev=…``: ``NotFound`` if absent, ``Conflict`` unless ``rev`` is current."""
        async with self._local_lock(db, doc_id):
            current = await self._local_rev(db, doc_id)
            if current is None:
                raise NotFound("missing")
            if rev != current:
                raise Conflict(CONFLICT_REASON)
            await self._http.request("DELETE", self._local_path(db, doc_id), params={"rev": current}, idempotent=False)
        return {"ok": True, "id": f"_local/{doc_id}", "rev": "0-0"}
