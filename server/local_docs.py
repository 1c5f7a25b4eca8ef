"""``/sync/{plan}/_local/{id}``: each device's own local documents (its replication checkpoints).

A device addresses ``_local/{id}`` as any CouchDB client does. The server keeps that document at
``{device id}/{id}`` in the plan's database and answers with the id the device asked for, so PouchDB and
the replicator work unchanged while no member can read, overwrite or delete another device's checkpoints
(they used to share one plan-wide namespace). Read-only members keep their own checkpoints this way and
nothing else: PouchDB writes checkpoints on both sides of a pull.

Each document is at most ``max_local_document_bytes`` (``413 too_large``), and each device keeps at most
``max_local_documents`` of them per plan (a new one beyond that gets ``403 forbidden``; updating or
deleting one it has is always possible). The count comes from an index document at ``{device id}`` (a
list of the device's ids) updated with the store's revision check, so it holds on both backends (CouchDB's
``_local_docs`` is not in every CouchDB-compatible server) and under concurrent requests: two new
checkpoints at once both land in the index or one is refused, never both slipping past the limit. The
index is updated before a new document is written and after one is deleted, so a crash in between only
ever leaves an id listed without its document (which the device fills again with its next write), and a
document that exists is listed: an update of one (a write naming a ``_rev``, as a checkpoint moving on does)
goes straight to the store as an update only, without reading the index (issue 19: one request fewer to
CouchDB), and only a write that finds no document goes through the index.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.sync.documents import check_local_id
from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound, SyncError
from alongside.sync.store import DocumentStore, Json

from .directory_access import SyncAccess
from .requests import read_json_object
from .state import AppState

# How often an index update is retried when another request of the same device changed it meanwhile.
INDEX_ATTEMPTS = 8


def stored_id(device_id: str, doc_id: str) -> str:
    """Where the store keeps the device's ``_local/{doc_id}``: inside the device's own namespace."""
    return f"{device_id}/{doc_id}"


def _local_ids(device_id: str, doc_id: str) -> tuple[str, str]:
    return f"_local/{stored_id(device_id, doc_id)}", f"_local/{doc_id}"


class LocalDocuments:
    """One device's local documents in one plan's database."""

    def __init__(self, store: DocumentStore, db: str, device_id: str, *, max_count: int) -> None:
        self.store = store
        self.db = db
        self.device_id = device_id
        self.max_count = max_count

    async def get(self, doc_id: str) -> Json:
        """The device's ``_local/{doc_id}`` as it wrote it; ``NotFound`` if it has none."""
        doc = await self.store.get_local(self.db, self._stored(doc_id))
        return {**doc, "_id": f"_local/{doc_id}"}

    async def put(self, doc_id: str, body: Json) -> Json:
        """Write ``_local/{doc_id}`` (``Conflict`` unless ``_rev`` is current); ``Forbidden`` when it is a
        new one and the device already keeps ``max_count``."""
        if body.get("_deleted") is True:
            return await self.delete(doc_id, body.get("_rev"))
        if body.get("_rev") is not None:  # an update, most likely (a checkpoint moving on): the index holds it already
            try:
                return self._as_asked(
                    await self.store.put_local(self.db, self._stored(doc_id), body, existing_only=True), doc_id
                )
            except NotFound as exc:
                if exc.reason != "missing":
                    raise
        added = await self._index_add(doc_id)
        try:
            result = await self.store.put_local(self.db, self._stored(doc_id), body)
        except Exception:
            if added:
                await self._forget_quietly(doc_id)
            raise
        return self._as_asked(result, doc_id)

    async def delete(self, doc_id: str, rev: object) -> Json:
        """Delete ``_local/{doc_id}`` (``NotFound`` if absent, ``Conflict`` unless ``rev`` is current)."""
        if rev is not None and not isinstance(rev, str):
            raise BadRequest("_rev must be a string")
        result = await self.store.delete_local(self.db, self._stored(doc_id), rev)
        await self._index_remove(doc_id)
        return self._as_asked(result, doc_id)

    def _stored(self, doc_id: str) -> str:
        return stored_id(self.device_id, doc_id)

    def _as_asked(self, result: Json, doc_id: str) -> Json:
        stored, asked = _local_ids(self.device_id, doc_id)
        return {**result, "id": asked} if result.get("id") == stored else result

    # -- the index -------------------------------------------------------------------------------

    async def _read_index(self) -> tuple[list[str], str | None]:
        try:
            index = await self.store.get_local(self.db, self.device_id)
        except NotFound:
            return [], None
        ids = index.get("ids")
        listed = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
        return listed, str(index["_rev"])

    async def _write_index(self, ids: list[str], rev: str | None) -> None:
        body: Json = {"ids": ids}
        if rev is not None:
            body["_rev"] = rev
        await self.store.put_local(self.db, self.device_id, body)

    async def _index_add(self, doc_id: str) -> bool:
        """List ``doc_id`` in the index; ``True`` if it was not listed before. ``Forbidden`` at the limit."""
        for _ in range(INDEX_ATTEMPTS):
            ids, rev = await self._read_index()
            if doc_id in ids:
                return False
            if len(ids) >= self.max_count:
                raise Forbidden(
                    f"This device already keeps {self.max_count} local documents in this plan, the limit. "
                    "Delete one it no longer needs before adding another."
                )
            try:
                await self._write_index([*ids, doc_id], rev)
            except Conflict:
                continue  # another request of this device changed the index: read it again
            return True
        raise Conflict("Too many simultaneous changes to this device's local documents; try again.")

    async def _index_remove(self, doc_id: str) -> None:
        for _ in range(INDEX_ATTEMPTS):
            ids, rev = await self._read_index()
            if doc_id not in ids:
                return
            try:
                await self._write_index([i for i in ids if i != doc_id], rev)
            except Conflict:
                continue
            return

    async def _forget_quietly(self, doc_id: str) -> None:
        """Undo :meth:`_index_add` after the write failed; if that fails too, the id stays listed."""
        try:
            if not await self._exists(doc_id):
                await self._index_remove(doc_id)
        except SyncError:
            pass

    async def _exists(self, doc_id: str) -> bool:
        try:
            await self.store.get_local(self.db, self._stored(doc_id))
        except NotFound:
            return False
        return True


async def serve_local_document(request: Request, state: AppState, access: SyncAccess) -> Response:
    """``GET``/``HEAD``/``PUT``/``DELETE`` of ``_local/{id}`` for the calling device, already authorised."""
    doc_id = check_local_id(request.path_params["doc_id"])
    local = LocalDocuments(state.store, access.database, access.device.id, max_count=state.settings.max_local_documents)
    if request.method in ("GET", "HEAD"):
        return JSONResponse(await local.get(doc_id))
    if request.method == "DELETE":
        return JSONResponse(await local.delete(doc_id, request.query_params.get("rev")))
    body = await read_json_object(request, state.settings.max_local_document_bytes)
    if "rev" in request.query_params and "_rev" not in body:
        body["_rev"] = request.query_params["rev"]
    return JSONResponse(await local.put(doc_id, body), status_code=201)
