"""Shapes shared by the CouchDB store: documents as the SQLite store returns them, and write checks."""

from __future__ import annotations

from .documents import split_document
from .errors import BadRequest
from .revtree import parse_rev, path_from_revisions, rev_sort_key
from .store import Json

DOC_META_FIELDS = ("_revisions", "_conflicts", "_deleted_conflicts", "_revs_info")
NO_ID_NEW_EDITS = "Document must have an _id (this server does not generate ids)"


def flag(value: bool) -> str:
    """A boolean as CouchDB's query strings spell it."""
    return "true" if value else "false"


def doc(raw: Json) -> Json:
    """A document in the SQLite store's field order: ``_id``, ``_rev``, ``_deleted``, body, metadata."""
    out: Json = {"_id": raw.get("_id"), "_rev": raw.get("_rev")}
    if raw.get("_deleted"):
        out["_deleted"] = True
    out.update({key: value for key, value in raw.items() if not key.startswith("_")})
    out.update({key: raw[key] for key in DOC_META_FIELDS if key in raw})
    for key in ("_conflicts", "_deleted_conflicts"):  # CouchDB's order; pouchdb-server has its own
        if isinstance(out.get(key), list):
            out[key] = sorted(out[key], key=rev_sort_key, reverse=True)
    return out


def path(doc: Json) -> list[str]:
    """The revision path of a document fetched with ``revs=true``, newest first."""
    revisions = doc.get("_revisions")
    if not isinstance(revisions, dict):
        return [str(doc.get("_rev"))]
    start = int(revisions.get("start", 0))
    return [f"{start - offset}-{digest}" for offset, digest in enumerate(revisions.get("ids", []))]


def leaf_order(doc: Json) -> tuple[bool, int, str]:
    """Sort key putting leaves in CouchDB's order (reversed): live first, then by revision."""
    return (not doc.get("_deleted", False), *rev_sort_key(str(doc["_rev"])))


def without_history(doc: Json, history: bool) -> Json:
    """``doc`` without ``_revisions`` unless the history was asked for."""
    if not history:
        doc.pop("_revisions", None)
    return doc


def missing(doc_id: str, rev: str | None) -> Json:
    """A ``_bulk_get`` entry for a revision that is not there, as CouchDB (and SQLite) answer it."""
    return {"error": {"id": doc_id, "rev": rev, "error": "not_found", "reason": "missing"}}


def checked_for_write(doc: Json, new_edits: bool) -> Json:
    """Refuse a document as the SQLite store would, so both report the same per-document errors."""
    doc_id, _, _ = split_document(doc)
    if doc_id is None:
        raise BadRequest(NO_ID_NEW_EDITS if new_edits else "Document must have an _id")
    if not new_edits:
        rev = doc.get("_rev")
        if not isinstance(rev, str):
            raise BadRequest("Document must have a _rev when new_edits is false")
        parse_rev(rev)
        if "_revisions" in doc:
            path_from_revisions(doc["_revisions"], rev)
    return doc
