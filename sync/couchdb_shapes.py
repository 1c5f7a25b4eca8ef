"""Shapes shared by the CouchDB store: documents as the SQLite store returns them, and write checks."""

from __future__ import annotations

import json
from collections import defaultdict, deque

from .couchdb_http import CONFLICT_REASON
from .documents import split_document
from .errors import BadRequest, Unavailable
from .revtree import LAST_GENERATION_REASON, MAX_GENERATION, parse_rev, path_from_revisions, rev_sort_key
from .store import Json

DOC_META_FIELDS = ("_revisions", "_conflicts", "_deleted_conflicts", "_revs_info")
NO_ID_NEW_EDITS = "Document must have an _id (this server does not generate ids)"
NOT_UNICODE = "Document must be valid Unicode text (it holds a lone surrogate)."
NOT_JSON = "Document must be valid JSON (NaN and Infinity are not numbers JSON has)."
UNANSWERED = "The storage server did not answer for every document written; try again shortly."


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
    for key in ("_conflicts", "_deleted_conflicts"):  # CouchDB's order, whatever order they came in
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
    """Refuse a document as the SQLite store would, so both report the same per-document errors.

    Everything CouchDB would store but this server could not read back or send is refused here, before
    the request: a revision past :data:`MAX_GENERATION` (CouchDB has no such limit) and text that is
    not Unicode or numbers that are not JSON (which would fail the whole request, not this document)."""
    doc_id, _, _ = split_document(doc)
    if doc_id is None:
        raise BadRequest(NO_ID_NEW_EDITS if new_edits else "Document must have an _id")
    try:
        json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(NOT_UNICODE) from None
    except ValueError:
        raise BadRequest(NOT_JSON) from None
    if new_edits:
        rev = doc.get("_rev")
        if rev is not None and parse_rev(rev)[0] >= MAX_GENERATION:
            raise BadRequest(LAST_GENERATION_REASON)
    else:
        rev = doc.get("_rev")
        if not isinstance(rev, str):
            raise BadRequest("Document must have a _rev when new_edits is false")
        parse_rev(rev)
        if "_revisions" in doc:
            path_from_revisions(doc["_revisions"], rev)
    return doc


def recreations(docs: list[Json], refused: dict[int, Json]) -> dict[int, str]:
    """The interactive edits (not refused yet) that name no ``_rev`` and are not deletions, by position: each
    creates its document, or recreates it on top of its winning tombstone if it is deleted."""
    return {
        index: str(doc["_id"])
        for index, doc in enumerate(docs)
        if index not in refused and doc.get("_rev") is None and doc.get("_deleted") is not True
    }


def refused_at_last_generation(recreating: dict[int, str], rows: list[Json]) -> dict[int, Json]:
    """Of ``recreating``, the refusals of those whose document's winning tombstone (its ``_all_docs`` row in
    ``rows``) is at :data:`MAX_GENERATION`: there is no generation after it."""
    at_last = {
        str(row["id"])
        for row in rows
        if row.get("value", {}).get("deleted") and parse_rev(row["value"]["rev"])[0] >= MAX_GENERATION
    }
    return {
        index: {"id": doc_id, "error": "bad_request", "reason": LAST_GENERATION_REASON}
        for index, doc_id in recreating.items()
        if doc_id in at_last
    }


def naming_a_rev(docs: list[Json], refused: dict[int, Json]) -> dict[int, str]:
    """The interactive edits (not refused yet) that name a ``_rev`` of a document no earlier edit of the batch
    creates, by position: each must find its document already stored."""
    named: dict[int, str] = {}
    creating: set[str] = set()
    for index, doc in enumerate(docs):
        if index in refused:
            continue
        if doc.get("_rev") is None:
            creating.add(str(doc["_id"]))
        elif str(doc["_id"]) not in creating:
            named[index] = str(doc["_id"])
    return named


def refused_as_never_stored(named: dict[int, str], rows: list[Json]) -> dict[int, Json]:
    """Of ``named``, the conflicts of those whose document CouchDB does not hold (no ``_all_docs`` row in
    ``rows``, live or deleted): an edit names a revision of a document that is not there. CouchDB 3.4
    answers this itself for a batch of one, but writes such edits when a batch holds several."""
    stored = {str(row["id"]) for row in rows if "value" in row}
    return {
        index: {"id": doc_id, "error": "conflict", "reason": CONFLICT_REASON}
        for index, doc_id in named.items()
        if doc_id not in stored
    }


def in_request_order(docs: list[Json], refused: dict[int, Json], written: list[Json]) -> list[Json]:
    """One result per document of an interactive ``_bulk_docs``, in the request's order: the refusals made
    here, and CouchDB's results, each given to the document it names (the refusals left gaps in what was
    sent, so positions do not line up; ids do). Results for one id keep their order."""
    by_id: dict[str, deque[Json]] = defaultdict(deque)
    for entry in written:
        by_id[str(entry.get("id"))].append(entry)
    results: list[Json] = []
    for index, doc in enumerate(docs):
        if index in refused:
            results.append(refused[index])
        elif by_id[str(doc["_id"])]:
            results.append(by_id[str(doc["_id"])].popleft())
        else:
            raise Unavailable(UNANSWERED)
    return results
