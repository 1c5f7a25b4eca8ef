"""``/sync/{plan_id}``: the CouchDB replication protocol as PouchDB's HTTP adapter speaks it.

Every request is authenticated (device bearer token) and authorised (plan membership) before it
reaches storage. Bodies and status codes follow CouchDB; errors are ``{"error", "reason"}``. What one
request may ask is limited (documents, revisions per document and per request, JSON: docs/api.md
section 13), and checking a large request happens on a worker thread, off the event loop. The changes
feed is server/sync_changes.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from alongside.sync.documents import check_doc_id
from alongside.sync.errors import BadRequest, Forbidden, SyncError, TooLarge
from alongside.sync.revtree import parse_rev
from alongside.sync.store import AllDocsRequest, BulkGetItem, DocumentRequest, Json

from .directory_access import SyncAccess
from .json_response import OrjsonResponse
from .local_docs import serve_local_document
from .requests import query_bool, query_int, query_json, query_key, read_json_object
from .settings import Settings
from .state import AppState
from .sync_changes import changes
from .sync_rules import READ_ONLY, write_rules

BULK_GET_VALUES_PER_ENTRY = 4
OFF_LOOP_ITEMS = 1000  # requests checking more revisions or documents than this do so on a worker thread
T = TypeVar("T")


async def _off_loop(items: int, work: Callable[[], T]) -> T:
    """``work()``, on a worker thread when it checks more than :data:`OFF_LOOP_ITEMS` items."""
    if items <= OFF_LOOP_ITEMS:
        return work()
    return await anyio.to_thread.run_sync(work)


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
    return OrjsonResponse(body, status_code=status)


def _check_revs(value: object, field: str, settings: Settings) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise BadRequest(f"{field} must be a list of revision ids")
    if len(value) > settings.max_revs_per_id:
        raise TooLarge(f"At most {settings.max_revs_per_id} revisions per document in one request")
    for rev in value:
        parse_rev(rev)
    return value


def _check_total_revs(total: int, settings: Settings) -> None:
    if total > settings.max_revs_per_request:
        raise TooLarge(f"At most {settings.max_revs_per_request} revisions per request")


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


# -- replication ---------------------------------------------------------------------------------


async def revs_diff(request: Request) -> Response:
    state, db = await _authorised_db(request)
    settings = state.settings
    # Its values are the ids and their revisions: more than the limits allow is refused before parsing.
    most = settings.max_docs_per_request + settings.max_revs_per_request + 1
    body = await read_json_object(request, settings.max_request_bytes, max_values=most)
    total = sum(len(revs) for revs in body.values() if isinstance(revs, list))
    wanted = await _off_loop(total, partial(_revs_diff_request, body, total, state.settings))
    return _json(await state.store.revs_diff(db, wanted))


def _revs_diff_request(body: Json, total: int, settings: Settings) -> dict[str, list[str]]:
    if len(body) > settings.max_docs_per_request:
        raise TooLarge(f"At most {settings.max_docs_per_request} documents per request")
    _check_total_revs(total, settings)
    return {check_doc_id(doc_id): _check_revs(revs, "revision list", settings) for doc_id, revs in body.items()}


async def bulk_get(request: Request) -> Response:
    state, db = await _authorised_db(request)
    settings = state.settings
    # Each entry is an object with an id and a revision (and perhaps a few more members PouchDB may send).
    most = BULK_GET_VALUES_PER_ENTRY * settings.max_docs_per_request + settings.max_revs_per_request
    body = await read_json_object(request, settings.max_request_bytes, max_values=most)
    docs = body.get("docs")
    if not isinstance(docs, list):
        raise BadRequest("Request body must have a docs list")
    items = await _off_loop(len(docs), partial(_bulk_get_items, docs, state.settings))
    results = await state.store.bulk_get(
        db, items, history=query_bool(request, "revs"), latest=query_bool(request, "latest")
    )
    return _json({"results": results})


def _bulk_get_items(docs: list[Any], settings: Settings) -> list[BulkGetItem]:
    if len(docs) > settings.max_docs_per_request:
        raise TooLarge(f"At most {settings.max_docs_per_request} documents per request")
    _check_total_revs(len(docs), settings)
    items: list[BulkGetItem] = []
    for entry in docs:
        if not isinstance(entry, dict):
            raise BadRequest("Each docs entry must be an object")
        rev = entry.get("rev")
        if rev is not None:
            parse_rev(rev)
        items.append(BulkGetItem(id=check_doc_id(entry.get("id")), rev=rev))
    per_id = Counter(item.id for item in items)
    if per_id and max(per_id.values()) > settings.max_revs_per_id:
        raise TooLarge(f"At most {settings.max_revs_per_id} revisions per document in one request")
    return items


def _check_shape(state: AppState, doc: object) -> Json:
    if not isinstance(doc, dict):
        raise BadRequest("Document must be a JSON object")
    size = len(orjson.dumps(doc))  # its compact UTF-8 JSON (parsed by parse_json, so nothing orjson cannot write)
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


def _shape_documents(state: AppState, docs: list[object]) -> tuple[dict[int, Json], list[tuple[int, Json]]]:
    """Each document's shape check: the refused ones' error rows by index, and the others."""
    errors: dict[int, Json] = {}
    shaped: list[tuple[int, Json]] = []
    for index, doc in enumerate(docs):
        try:
            shaped.append((index, _check_shape(state, doc)))
        except (SyncError, ValueError) as exc:
            errors[index] = _error_row(doc, exc)
    return errors, shaped


async def _write_documents(state: AppState, access: SyncAccess, docs: list[object], new_edits: bool) -> list[Json]:
    """Check each document's shape, then the write rules (server/sync_rules.py), write the documents that
    pass in one batch, and report per document in order."""
    errors, shaped = await _off_loop(len(docs), partial(_shape_documents, state, docs))
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
    if keys is not None and len(keys) > state.settings.max_docs_per_request:
        raise TooLarge(f"At most {state.settings.max_docs_per_request} keys per request")
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
    """The calling device's own ``_local`` documents, in a namespace of its own (server/local_docs.py)."""
    state, access = await _authorised(request)
    return await serve_local_document(request, state, access)


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
        revs = (
            None
            if open_revs_raw == "all"
            else _check_revs(query_json(request, "open_revs"), "open_revs", state.settings)
        )
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
