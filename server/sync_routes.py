"""``/sync/{plan_id}``: the CouchDB replication protocol as PouchDB's HTTP adapter speaks it.

Every request is authenticated (device bearer token) and authorised (plan membership) before it
reaches storage. Bodies and status codes follow CouchDB; errors are ``{"error", "reason"}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from alongside.sync.documents import check_doc_id, check_local_id
from alongside.sync.errors import BadRequest, Forbidden, SyncError, TooLarge
from alongside.sync.revtree import parse_rev
from alongside.sync.store import AllDocsRequest, BulkGetItem, ChangesRequest, DocumentRequest, DocumentStore, Json

from .directory import SyncAccess
from .requests import query_bool, query_int, query_json, query_key, read_json_object
from .state import AppState
from .sync_rules import READ_ONLY, write_rules

DocumentValidator = Callable[[Json], None]


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.alongside
    return state


async def _authorised(request: Request) -> tuple[AppState, SyncAccess]:
    """Authenticate the device, then check it is a member of this plan, before any storage access.

    Writes are authorised per document by the write rules (server/sync_rules.py), which know the
    member's role and access: a read-only member may still write its own roster entry and key.
    """
    state = _state(request)
    access = await state.directory.authorise_sync(
        request.headers.get("authorization"), request.path_params["plan_id"], write=False
    )
    return state, access


async def _authorised_db(request: Request) -> tuple[AppState, str]:
    state, access = await _authorised(request)
    return state, access.database


def _json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def _check_revs(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise BadRequest(f"{field} must be a list of revision ids")
    for rev in value:
        parse_rev(rev)
    return value


# -- database ------------------------------------------------------------------------------------


async def database_info(request: Request) -> Response:
    state, db = await _authorised_db(request)
    info = await state.store.database_info(db)
    info["db_name"] = request.path_params["plan_id"]
    return _json(info)


async def database_create(request: Request) -> Response:
    """``PUT /sync/{plan}/``: PouchDB's setup step. Plans are created through the directory, so an
    authorised member gets CouchDB's 'already exists' answer, which PouchDB accepts."""
    await _authorised_db(request)
    return _json({"error": "file_exists", "reason": "The database could not be created, the file already exists."}, 412)


# -- changes -------------------------------------------------------------------------------------


def _changes_request(request: Request, body: Json | None) -> tuple[ChangesRequest, int | None]:
    since_raw = request.query_params.get("since", "0")
    since: int | str
    if since_raw == "now":
        since = "now"
    else:
        try:
            since = int(since_raw)
        except ValueError:
            try:
                decoded = json.loads(since_raw)
            except ValueError:
                decoded = since_raw
            since = decoded if isinstance(decoded, int | str) and not isinstance(decoded, bool) else since_raw
    style = request.query_params.get("style", "main_only")
    if style not in ("main_only", "all_docs"):
        raise BadRequest("style must be main_only or all_docs")
    doc_ids: list[str] | None = None
    filter_name = request.query_params.get("filter")
    if filter_name is not None:
        if filter_name != "_doc_ids":
            raise BadRequest("Only the _doc_ids filter is supported")
        raw_ids = (body or {}).get("doc_ids", query_json(request, "doc_ids"))
        if not isinstance(raw_ids, list) or not all(isinstance(i, str) for i in raw_ids):
            raise BadRequest("doc_ids must be a list of document ids")
        doc_ids = raw_ids
    seq_interval = query_int(request, "seq_interval", minimum=1)
    return (
        ChangesRequest(
            since=since,
            limit=query_int(request, "limit", minimum=0),
            include_docs=query_bool(request, "include_docs"),
            all_leaves=style == "all_docs",
            conflicts=query_bool(request, "conflicts"),
            descending=query_bool(request, "descending"),
            doc_ids=doc_ids,
        ),
        seq_interval,
    )


def _apply_seq_interval(result: Json, interval: int | None) -> Json:
    if interval is None:
        return result
    rows = result["results"]
    for index, row in enumerate(rows):
        if (index + 1) % interval != 0 and index != len(rows) - 1:
            row["seq"] = None
    return result


async def changes(request: Request) -> Response:
    state, db = await _authorised_db(request)
    body = await read_json_object(request, state.settings.max_request_bytes) if request.method == "POST" else None
    changes_request, seq_interval = _changes_request(request, body)
    feed = request.query_params.get("feed", "normal")
    if feed not in ("normal", "longpoll"):
        raise BadRequest("feed must be normal or longpoll")
    if changes_request.since == "now":
        changes_request.since = (await state.store.database_info(db))["update_seq"]
    first = await state.store.changes(db, changes_request)
    if feed == "normal" or first["results"]:
        return _json(_apply_seq_interval(first, seq_interval))

    timeout = min((query_int(request, "timeout", 60_000) or 0) / 1000, state.settings.longpoll_max_seconds)
    heartbeat_ms = query_int(request, "heartbeat", minimum=1)
    heartbeat = heartbeat_ms / 1000 if heartbeat_ms else None
    store: DocumentStore = state.store

    async def stream() -> AsyncIterator[bytes]:
        deadline = time.monotonic() + timeout
        try:
            result: Json | None = None
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(remaining, heartbeat) if heartbeat else remaining
                if await store.wait_for_change(db, changes_request.since, wait):
                    # Answer once there is something to send: a change outside a doc_ids filter (or a
                    # wake-up with nothing new) keeps the request waiting, as CouchDB's longpoll does.
                    result = await store.changes(db, changes_request)
                    if result["results"]:
                        break
                    current = (await store.database_info(db))["update_seq"]
                    result = await store.changes(db, changes_request)  # read after ``current``: nothing skipped
                    if result["results"]:
                        break
                    changes_request.since = current
                    result = None
                    continue
                if heartbeat and time.monotonic() < deadline:
                    yield b"\n"
            if result is None:
                result = await store.changes(db, changes_request)
        except SyncError as exc:
            yield json.dumps(exc.as_json()).encode() + b"\n"
            return
        yield json.dumps(_apply_seq_interval(result, seq_interval), separators=(",", ":")).encode() + b"\n"

    return StreamingResponse(stream(), media_type="application/json")


# -- replication ---------------------------------------------------------------------------------


async def revs_diff(request: Request) -> Response:
    state, db = await _authorised_db(request)
    body = await read_json_object(request, state.settings.max_request_bytes)
    if len(body) > state.settings.max_docs_per_request:
        raise TooLarge(f"At most {state.settings.max_docs_per_request} documents per request")
    wanted = {check_doc_id(doc_id): _check_revs(revs, "revision list") for doc_id, revs in body.items()}
    return _json(await state.store.revs_diff(db, wanted))


async def bulk_get(request: Request) -> Response:
    state, db = await _authorised_db(request)
    body = await read_json_object(request, state.settings.max_request_bytes)
    docs = body.get("docs")
    if not isinstance(docs, list):
        raise BadRequest("Request body must have a docs list")
    if len(docs) > state.settings.max_docs_per_request:
        raise TooLarge(f"At most {state.settings.max_docs_per_request} documents per request")
    items: list[BulkGetItem] = []
    for entry in docs:
        if not isinstance(entry, dict):
            raise BadRequest("Each docs entry must be an object")
        rev = entry.get("rev")
        if rev is not None:
            parse_rev(rev)
        items.append(BulkGetItem(id=check_doc_id(entry.get("id")), rev=rev))
    results = await state.store.bulk_get(
        db, items, history=query_bool(request, "revs"), latest=query_bool(request, "latest")
    )
    return _json({"results": results})


def _check_shape(state: AppState, doc: object) -> Json:
    if not isinstance(doc, dict):
        raise BadRequest("Document must be a JSON object")
    size = len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > state.settings.max_document_bytes:
        raise TooLarge(f"Document is larger than the limit of {state.settings.max_document_bytes} bytes")
    check_doc_id(doc.get("_id"))
    if "_rev" in doc:
        parse_rev(doc["_rev"])
    state.validate_document(doc)
    return doc


def _error_row(doc: object, exc: SyncError | ValueError) -> Json:
    reason = exc.reason if isinstance(exc, SyncError) else str(exc)
    error = exc.error if isinstance(exc, SyncError) else "bad_request"
    doc_id = doc.get("_id") if isinstance(doc, dict) and isinstance(doc.get("_id"), str) else None
    return {"id": doc_id, "error": error, "reason": reason}


async def _write_documents(state: AppState, access: SyncAccess, docs: list[object], new_edits: bool) -> list[Json]:
    """Check each document's shape, then the write rules (server/sync_rules.py), write the documents that
    pass in one batch, and report per document in order."""
    errors: dict[int, Json] = {}
    shaped: list[tuple[int, Json]] = []
    for index, doc in enumerate(docs):
        try:
            shaped.append((index, _check_shape(state, doc)))
        except (SyncError, ValueError) as exc:
            errors[index] = _error_row(doc, exc)
    accepted: list[Json] = []
    if shaped:
        rules = await write_rules(state.store, state.directory, access, [doc for _, doc in shaped], new_edits=new_edits)
        for index, doc in shaped:
            try:
                rules.check(doc)
            except Forbidden as exc:
                errors[index] = _error_row(doc, exc)
                continue
            accepted.append(doc)
    written = await state.store.bulk_docs(access.database, accepted, new_edits=new_edits) if accepted else []
    if not new_edits:
        return [*(errors[index] for index in sorted(errors)), *written]
    results: list[Json] = []
    written_iter = iter(written)
    for index in range(len(docs)):
        results.append(errors[index] if index in errors else next(written_iter))
    return results


async def bulk_docs(request: Request) -> Response:
    # Read access is enough to ask: what a read-only member may write is decided per document.
    state, access = await _authorised(request)
    body = await read_json_object(request, state.settings.max_request_bytes)
    docs = body.get("docs")
    new_edits = body.get("new_edits", True)
    if not isinstance(docs, list):
        raise BadRequest("Request body must have a docs list")
    if not isinstance(new_edits, bool):
        raise BadRequest("new_edits must be a boolean")
    if len(docs) > state.settings.max_docs_per_request:
        raise TooLarge(f"At most {state.settings.max_docs_per_request} documents per request")
    return _json(await _write_documents(state, access, docs, new_edits), 201)


async def all_docs(request: Request) -> Response:
    state, db = await _authorised_db(request)
    keys: Any = query_json(request, "keys")
    if request.method == "POST":
        keys = (await read_json_object(request, state.settings.max_request_bytes)).get("keys", keys)
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
        raise BadRequest("keys must be a list of document ids")
    all_request = AllDocsRequest(
        keys=keys,
        start_key=query_key(request, "startkey", "start_key"),
        end_key=query_key(request, "endkey", "end_key"),
        inclusive_end=query_bool(request, "inclusive_end", True),
        limit=query_int(request, "limit"),
        skip=query_int(request, "skip", 0) or 0,
        descending=query_bool(request, "descending"),
        include_docs=query_bool(request, "include_docs"),
        conflicts=query_bool(request, "conflicts"),
    )
    return _json(await state.store.all_docs(db, all_request))


# -- local documents -----------------------------------------------------------------------------


async def local_document(request: Request) -> Response:
    state, db = await _authorised_db(request)
    doc_id = check_local_id(request.path_params["doc_id"])
    if request.method in ("GET", "HEAD"):
        return _json(await state.store.get_local(db, doc_id))
    if request.method == "DELETE":
        return _json(await state.store.delete_local(db, doc_id, request.query_params.get("rev")))
    body = await read_json_object(request, state.settings.max_document_bytes)
    if "rev" in request.query_params and "_rev" not in body:
        body["_rev"] = request.query_params["rev"]
    return _json(await state.store.put_local(db, doc_id, body), 201)


# -- single documents ----------------------------------------------------------------------------


async def document(request: Request) -> Response:
    state, access = await _authorised(request)
    db = access.database
    doc_id = check_doc_id(request.path_params["doc_id"])
    if request.method in ("GET", "HEAD"):
        return await _get_document(request, state, db, doc_id)
    if request.method == "DELETE":
        if access.access != "write":
            raise Forbidden(READ_ONLY)
        # As CouchDB's handler does, open the document first: deleting what is not there is a 404. What
        # is there is never deleted by a bare tombstone (docs/crypto.md §14.3): the write rules say why.
        await state.store.get_document(db, doc_id, DocumentRequest())
        doc: Json = {"_id": doc_id, "_deleted": True}
        if "rev" in request.query_params:
            doc["_rev"] = request.query_params["rev"]
    else:
        doc = await read_json_object(request, state.settings.max_request_bytes)
        if doc.setdefault("_id", doc_id) != doc_id:
            raise BadRequest("Document id in the body does not match the URL")
        if "rev" in request.query_params:
            doc.setdefault("_rev", request.query_params["rev"])
    new_edits = query_bool(request, "new_edits", True)
    [result] = (await _write_documents(state, access, [doc], new_edits)) or [
        {"ok": True, "id": doc_id, "rev": doc.get("_rev")}
    ]
    if "error" in result:
        status = {"conflict": 409, "forbidden": 403, "too_large": 413, "not_found": 404}.get(result["error"], 400)
        return _json({"error": result["error"], "reason": result["reason"]}, status)
    return _json(result, 200 if doc.get("_deleted") is True else 201)


async def _get_document(request: Request, state: AppState, db: str, doc_id: str) -> Response:
    history = query_bool(request, "revs")
    latest = query_bool(request, "latest")
    open_revs_raw = request.query_params.get("open_revs")
    if open_revs_raw is not None:
        revs = None if open_revs_raw == "all" else _check_revs(query_json(request, "open_revs"), "open_revs")
        return _json(await state.store.get_open_revs(db, doc_id, revs, history=history, latest=latest))
    rev = request.query_params.get("rev")
    if rev is not None:
        parse_rev(rev)
    doc_request = DocumentRequest(
        rev=rev,
        revs=history,
        revs_info=query_bool(request, "revs_info"),
        conflicts=query_bool(request, "conflicts"),
        deleted_conflicts=query_bool(request, "deleted_conflicts"),
        latest=latest,
    )
    return _json(await state.store.get_document(db, doc_id, doc_request))


def sync_routes() -> list[Route]:
    """The ``/sync`` routes, most specific first."""
    prefix = "/sync/{plan_id}"
    return [
        Route(prefix + "/", database_info, methods=["GET", "HEAD"]),
        Route(prefix + "/", database_create, methods=["PUT"]),
        Route(prefix + "/_changes", changes, methods=["GET", "POST"]),
        Route(prefix + "/_revs_diff", revs_diff, methods=["POST"]),
        Route(prefix + "/_bulk_get", bulk_get, methods=["POST"]),
        Route(prefix + "/_bulk_docs", bulk_docs, methods=["POST"]),
        Route(prefix + "/_all_docs", all_docs, methods=["GET", "POST"]),
        Route(prefix + "/_local/{doc_id:path}", local_document, methods=["GET", "PUT", "DELETE"]),
        Route(prefix + "/{doc_id:path}", document, methods=["GET", "PUT", "DELETE"]),
    ]
