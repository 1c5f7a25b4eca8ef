"""Document-level rules shared by the stores: ids, reserved fields, and response shapes."""

from __future__ import annotations

import re
from typing import Any

from .errors import BadRequest, InvalidDocId
from .revtree import RevTree, parse_rev
from .store import Json

MAX_DOC_ID_LENGTH = 512
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")

# Fields CouchDB reserves; anything else starting with "_" is refused, as CouchDB does.
WRITABLE_RESERVED_FIELDS = frozenset({"_id", "_rev", "_deleted", "_revisions"})


def check_doc_id(doc_id: object) -> str:
    """Return ``doc_id`` if it is a document id this server accepts; raise ``InvalidDocId`` otherwise.

    Design documents are refused (plans carry no server-side code), and so are ids over
    ``MAX_DOC_ID_LENGTH`` characters or with control characters.
    """
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidDocId("Document id must be a non-empty string")
    if len(doc_id) > MAX_DOC_ID_LENGTH:
        raise InvalidDocId(f"Document id must be at most {MAX_DOC_ID_LENGTH} characters")
    if doc_id.startswith("_"):
        raise InvalidDocId("Only reserved document ids may start with underscore.")
    if CONTROL_CHARACTER.search(doc_id):
        raise InvalidDocId("Document id must not contain control characters")
    return doc_id


def check_local_id(doc_id: object) -> str:
    """Return the id of a ``_local`` document (without the prefix) if acceptable."""
    if not isinstance(doc_id, str) or not doc_id or len(doc_id) > MAX_DOC_ID_LENGTH:
        raise InvalidDocId("Local document id must be a non-empty string")
    return doc_id


def split_document(doc: object) -> tuple[str | None, Json, bool]:
    """Check a document submitted for writing; return ``(id or None, body without _fields, deleted)``."""
    if not isinstance(doc, dict):
        raise BadRequest("Document must be a JSON object")
    doc_id = doc.get("_id")
    if doc_id is not None:
        check_doc_id(doc_id)
    deleted = doc.get("_deleted", False)
    if not isinstance(deleted, bool):
        raise BadRequest("_deleted must be a boolean")
    rev = doc.get("_rev")
    if rev is not None:
        parse_rev(rev)
    body: Json = {}
    for key, value in doc.items():
        if key.startswith("_"):
            if key not in WRITABLE_RESERVED_FIELDS:
                raise BadRequest(f"Bad special document member: {key}")
            continue
        body[key] = value
    return doc_id, body, deleted


def render_document(
    doc_id: str,
    rev: str,
    body: Json,
    tree: RevTree,
    *,
    history: bool = False,
    conflicts: bool = False,
    deleted_conflicts: bool = False,
    revs_info: bool = False,
    bodies_present: set[str] | None = None,
) -> Json:
    """A document as CouchDB returns it: ``_id``, ``_rev``, the body, then requested metadata."""
    out: dict[str, Any] = {"_id": doc_id, "_rev": rev}
    if tree.nodes[rev].deleted:
        out["_deleted"] = True
    out.update(body)
    if history:
        out["_revisions"] = tree.revisions_field(rev)
    if conflicts:
        found = tree.conflicts()
        if found:
            out["_conflicts"] = found
    if deleted_conflicts:
        found = tree.deleted_conflicts()
        if found:
            out["_deleted_conflicts"] = found
    if revs_info:
        present = bodies_present or set()
        out["_revs_info"] = [
            {
                "rev": r,
                "status": "deleted" if tree.nodes[r].deleted else ("available" if r in present else "missing"),
            }
            for r in tree.path(rev)
        ]
    return out


def revs_diff_entry(tree: RevTree | None, revs: list[str]) -> Json | None:
    """One id's ``_revs_diff`` answer, or ``None`` when nothing is missing."""
    if tree is None:
        return {"missing": list(dict.fromkeys(revs))}
    missing = list(dict.fromkeys(tree.missing(revs)))
    if not missing:
        return None
    entry: Json = {"missing": missing}
    max_pos = max(parse_rev(r)[0] for r in missing)
    ancestors = tree.possible_ancestors(max_pos)
    if ancestors:
        entry["possible_ancestors"] = ancestors
    return entry
