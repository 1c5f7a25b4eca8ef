"""An OpenAPI 3.1 description of ``/sync/{plan_id}/…`` as this server speaks it, for fuzzing (schemathesis).

The served OpenAPI document (generated: server/api_operations.py) is the ``/api/v1`` surface; ``/sync`` is
CouchDB's replication protocol, whose reference is CouchDB's own documentation (README, "The sync endpoints").
This description is what schemathesis needs to generate requests for it: every route and method, its query
parameters with the ranges the server accepts (docs/api.md, "Limits"), its bodies, the statuses it may answer
and their shapes (``{"error", "reason"}`` for every error). Success bodies are described loosely (objects and
arrays of CouchDB's shape); the replication tests check their contents.
"""

from __future__ import annotations

from typing import Any

from alongside.server.api_models import HEX_ID

MAX_INTEGER = 2**53 - 1
HEX32 = {"type": "string", "pattern": f"^{HEX_ID}$"}
ERRORS = (400, 401, 403, 404, 409, 413, 503)
ERROR_DESCRIPTIONS = {
    400: "A malformed request (a bad parameter, JSON, id or revision)",
    401: "No device token, or one that is not valid",
    403: "Not a member of this plan, or a write the write rules refuse",
    404: "No such plan or document",
    409: "A conflict with the stored revisions",
    412: "The database exists (PouchDB's set-up step)",
    413: "Past a limit (body size, documents, revisions, JSON values)",
    503: "The storage is unavailable",
}

Schema = dict[str, Any]


def _integer(minimum: int = 0) -> Schema:
    return {"type": "integer", "minimum": minimum, "maximum": MAX_INTEGER}


def _json_query(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema}


BOOLEAN = {"type": "boolean"}
REVS = {"type": "array", "items": {"type": "string"}}
CHANGES_QUERY = [
    _query("since", {"anyOf": [{"type": "string", "enum": ["now"]}, _integer()]}),
    _query("limit", _integer()),
    _query("style", {"type": "string", "enum": ["main_only", "all_docs"]}),
    _query("include_docs", BOOLEAN),
    _query("conflicts", BOOLEAN),
    _query("descending", BOOLEAN),
    _query("feed", {"type": "string", "enum": ["normal", "longpoll"]}),
    _query("timeout", _integer()),
    _query("heartbeat", _integer(1000)),
    _query("seq_interval", _integer(1)),
    _query("filter", {"type": "string", "enum": ["_doc_ids"]}),
    _json_query("doc_ids", REVS),
]
ALL_DOCS_QUERY = [
    _json_query("keys", REVS),
    _json_query("startkey", {"type": "string"}),
    _json_query("endkey", {"type": "string"}),
    _query("inclusive_end", BOOLEAN),
    _query("limit", _integer()),
    _query("skip", _integer()),
    _query("descending", BOOLEAN),
    _query("include_docs", BOOLEAN),
    _query("conflicts", BOOLEAN),
]
DOCUMENT_QUERY = [
    _query("rev", {"type": "string"}),
    _query("revs", BOOLEAN),
    _query("revs_info", BOOLEAN),
    _query("conflicts", BOOLEAN),
    _query("deleted_conflicts", BOOLEAN),
    _query("latest", BOOLEAN),
    _json_query("open_revs", REVS),
]


def _operation(
    summary: str,
    ok: dict[int, Schema],
    *,
    path: list[str],
    query: list[Schema] | None = None,
    body: Schema | None = None,
    errors: tuple[int, ...] = ERRORS,
) -> Schema:
    responses: dict[str, Any] = {
        str(status): {"description": "Success", "content": {"application/json": {"schema": schema}}}
        for status, schema in ok.items()
    }
    for error in errors:
        response: dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS[error],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if error == 401:
            response["headers"] = {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}
        responses[str(error)] = response
    path_parameters = {
        "plan_id": {**HEX32, "description": "A plan id"},
        "doc_id": {"type": "string", "minLength": 1, "description": "A document id"},
    }
    operation: Schema = {
        "summary": summary,
        "security": [{"device": []}],
        "parameters": [
            *({"name": name, "in": "path", "required": True, "schema": path_parameters[name]} for name in path),
            *(query or []),
        ],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def sync_openapi_document() -> Schema:
    """The description of every ``/sync`` route (server/sync_routes.py), for schemathesis."""
    obj: Schema = {"type": "object"}
    array: Schema = {"type": "array"}
    plan = ["plan_id"]
    doc = ["plan_id", "doc_id"]
    changes_ok = {200: {"type": "object", "required": ["results", "last_seq"], "properties": {"results": array}}}
    doc_ids_body = {"type": "object", "properties": {"doc_ids": REVS}}
    bulk_get_body = {
        "type": "object",
        "required": ["docs"],
        "properties": {
            "docs": {
                "type": "array",
                "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "rev": {}}},
            }
        },
    }
    bulk_docs_body = {
        "type": "object",
        "required": ["docs"],
        "properties": {"docs": {"type": "array", "items": obj}, "new_edits": BOOLEAN},
    }
    paths = {
        "/sync/{plan_id}/": {
            "get": _operation(
                "The plan's database", {200: {"type": "object", "required": ["db_name", "update_seq"]}}, path=plan
            ),
            "put": _operation(
                "PouchDB's set-up step: the database exists, and this answers 412 as CouchDB does",
                {},
                path=plan,
                errors=(400, 401, 403, 404, 412, 503),
            ),
        },
        "/sync/{plan_id}/_changes": {
            "get": _operation("The changes feed", changes_ok, path=plan, query=CHANGES_QUERY),
            "post": _operation(
                "The changes feed, doc_ids in the body", changes_ok, path=plan, query=CHANGES_QUERY, body=doc_ids_body
            ),
        },
        "/sync/{plan_id}/_revs_diff": {
            "post": _operation(
                "Which revisions the server lacks",
                {200: obj},
                path=plan,
                body={"type": "object", "additionalProperties": REVS},
            )
        },
        "/sync/{plan_id}/_bulk_get": {
            "post": _operation(
                "Documents at revisions",
                {200: {"type": "object", "required": ["results"], "properties": {"results": array}}},
                path=plan,
                query=[_query("revs", BOOLEAN), _query("latest", BOOLEAN)],
                body=bulk_get_body,
            )
        },
        "/sync/{plan_id}/_bulk_docs": {
            "post": _operation("Write documents", {201: array}, path=plan, body=bulk_docs_body)
        },
        "/sync/{plan_id}/_all_docs": {
            "get": _operation("Documents by id", {200: obj}, path=plan, query=ALL_DOCS_QUERY),
            "post": _operation(
                "Documents by id, keys in the body",
                {200: obj},
                path=plan,
                query=ALL_DOCS_QUERY,
                body={"type": "object", "properties": {"keys": REVS}},
            ),
        },
        "/sync/{plan_id}/_local/{doc_id}": {
            "get": _operation("A replication checkpoint of this device", {200: obj}, path=doc),
            "put": _operation("Write a checkpoint", {201: obj}, path=doc, body=obj),
            "delete": _operation(
                "Delete a checkpoint", {200: obj}, path=doc, query=[_query("rev", {"type": "string"})]
            ),
        },
        "/sync/{plan_id}/{doc_id}": {
            "get": _operation(
                "A document (or its open revisions)",
                {200: {"type": ["object", "array"]}},
                path=doc,
                query=DOCUMENT_QUERY,
            ),
            "put": _operation(
                "Write a document (200 for a signed deletion)",
                {200: obj, 201: obj},
                path=doc,
                query=[_query("rev", {"type": "string"}), _query("new_edits", BOOLEAN)],
                body=obj,
            ),
            "delete": _operation(
                "Delete a document (refused: deletions are signed envelopes)",
                {200: obj},
                path=doc,
                query=[_query("rev", {"type": "string"})],
            ),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Alongside /sync (CouchDB replication protocol)", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "reason"],
                    "additionalProperties": False,
                    "properties": {"error": {"type": "string"}, "reason": {"type": "string"}},
                }
            },
        },
    }
