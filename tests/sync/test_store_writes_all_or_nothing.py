"""``DocumentStore.bulk_docs`` writes each document all-or-nothing, on both stores (issue 14).

A property test drives each store with random batches, both ``new_edits`` modes, that interleave valid
documents (new ones, edits of any leaf, deletions, recreations, replicated histories with and without
``_revisions``, stemmed and resent) with invalid ones (bad revisions, conflicts, generations past the
highest the server accepts, ``_revisions`` that do not match, deletions of missing documents, reserved
members, bad ids, lone surrogates, NaN). A model (CouchDB's rules, written out here) predicts every
per-document result and the state of every document after every batch; the store must agree: every
refused document left the store exactly as it was (leaves, bodies, histories, winner, deleted flag,
counts, changes feed), every accepted one is complete. The SQLite store runs with ``revs_limit`` 4 so
that stemming is exercised; the CouchDB store runs over the run's CouchDB peer (Apache CouchDB, or pouchdb-server).

Revision ids are drawn from one consistent "universe", as real peers make them: every revision has
one parent, and a history sent is always a run of its true ancestors (possibly stemmed).

A separate test makes a document fail after all its rows were written, to show that the savepoint
around each document, not only the checks before it, keeps a refusal from leaving a trace.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.couchdb_release import REAL_COUCHDB

from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.errors import BadRequest, NotFound
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import ChangesRequest, DocumentRequest, DocumentStore, Json

MAX_GENERATION = 999_999_999
SQLITE_REVS_LIMIT = 4
COUCHDB_REVS_LIMIT = 1000  # CouchDB's and PouchDB's default: never reached here
DOCS_PER_EXAMPLE = 3  # each example writes its own ids into one database per test, so examples never meet

VALID_NEW_EDITS = ("create", "create", "edit", "edit", "edit", "edit_stale")
VALID_REPLICATED = ("replicate", "replicate", "replicate", "resend")
INVALID = ("bad_rev", "no_id", "bad_id", "not_object", "reserved", "bad_deleted", "surrogate", "nan")
INVALID_REPLICATED = ("no_rev", "revisions_mismatch", "revisions_too_long", "revisions_not_object")
BAD_REVS = ("0-abc", "abc", "1-", "01-abc", "1-a b", "1000000000-abc", 7)


def _gen(rev: str) -> int:
    return int(rev.split("-", 1)[0])


def _hash(rev: str) -> str:
    return rev.split("-", 1)[1]


def _rev_key(rev: str) -> tuple[int, str]:
    return _gen(rev), _hash(rev)


# -- the model -----------------------------------------------------------------------------------------------


@dataclass
class ModelDoc:
    """One document as CouchDB keeps it: revisions with their (known) parent and deleted flag; leaf bodies."""

    parents: dict[str, str | None] = field(default_factory=dict)
    deleted: dict[str, bool] = field(default_factory=dict)
    bodies: dict[str, Json] = field(default_factory=dict)

    def copy(self) -> ModelDoc:
        return ModelDoc(dict(self.parents), dict(self.deleted), dict(self.bodies))

    def leaves(self) -> list[str]:
        """The open revisions, winner first (then in CouchDB's order: live ones, higher revisions first)."""
        has_child = {parent for parent in self.parents.values() if parent is not None}
        leaves = (rev for rev in self.parents if rev not in has_child)
        return sorted(leaves, key=lambda rev: (not self.deleted[rev], *_rev_key(rev)), reverse=True)

    def winner(self) -> str:
        return self.leaves()[0]

    def is_deleted(self) -> bool:
        return self.deleted[self.winner()]

    def path(self, rev: str) -> list[str]:
        out: list[str] = []
        current: str | None = rev
        while current is not None and current in self.parents:
            out.append(current)
            current = self.parents[current]
        return out

    def merge(self, path: list[str], deleted: bool, body: Json, revs_limit: int, *, link_known: bool = True) -> bool:
        """Graft ``path`` (newest first) with its leaf's body; whether the document changed. A known leaf keeps
        its body, but its history may still link a stemmed root to its parent (as CouchDB's key tree merge
        does), which can make a root that was a leaf of its own an ancestor; ``link_known=False``: a known
        leaf changes nothing (pouchdb-server)."""
        new_leaf = path[0] not in self.parents
        if not new_leaf and not link_known:
            return False
        changed = new_leaf
        for index, rev in enumerate(path):
            parent = path[index + 1] if index + 1 < len(path) else None
            if rev not in self.parents:
                self.parents[rev] = parent
                self.deleted[rev] = deleted if index == 0 else False
                changed = True
            elif self.parents[rev] is None and parent is not None:
                self.parents[rev] = parent
                changed = True
        if not changed:
            return False
        if new_leaf:
            self.bodies[path[0]] = body
        keep = {rev for leaf in self.leaves() for rev in self.path(leaf)[:revs_limit]}
        for rev in [rev for rev in self.parents if rev not in keep]:
            del self.parents[rev], self.deleted[rev]
        for rev, parent in self.parents.items():
            if parent is not None and parent not in self.parents:
                self.parents[rev] = None
        leaves = set(self.leaves())
        self.bodies = {rev: body for rev, body in self.bodies.items() if rev in leaves}
        return True

    def rendered_leaves(self, doc_id: str) -> list[Json]:
        """What ``open_revs=all&revs=true`` answers, sorted by revision."""
        out = []
        for leaf in sorted(self.leaves()):
            doc: Json = {"_id": doc_id, "_rev": leaf}
            if self.deleted[leaf]:
                doc["_deleted"] = True
            doc.update(self.bodies[leaf])
            doc["_revisions"] = {"start": _gen(leaf), "ids": [_hash(rev) for rev in self.path(leaf)]}
            out.append(doc)
        return out

    def rendered_winner(self, doc_id: str) -> Json:
        """What ``GET /{db}/{id}?conflicts=true&deleted_conflicts=true`` answers for a live document."""
        winner = self.winner()
        doc: Json = {"_id": doc_id, "_rev": winner, **self.bodies[winner]}
        others = sorted((leaf for leaf in self.leaves() if leaf != winner), key=_rev_key, reverse=True)
        live = [leaf for leaf in others if not self.deleted[leaf]]
        gone = [leaf for leaf in others if self.deleted[leaf]]
        if live:
            doc["_conflicts"] = live
        if gone:
            doc["_deleted_conflicts"] = gone
        return doc


@dataclass
class Universe:
    """Every revision ever made for each document: its one true parent, its deleted flag and its body (a
    revision id names one content, as CouchDB's do: resending it sends the same body)."""

    parents: dict[str, dict[str, str | None]] = field(default_factory=lambda: defaultdict(dict))
    deleted: dict[str, dict[str, bool]] = field(default_factory=lambda: defaultdict(dict))
    bodies: dict[str, dict[str, Json]] = field(default_factory=lambda: defaultdict(dict))
    # NORMALISE: pouchdb-server takes two revisions with one hash at different generations (``1-h`` and a
    # stemmed root ``2-h``) for one; CouchDB and SQLite keep them apart, as CouchDB's revision ids name their
    # position. For pouchdb-server a made revision's hash names its generation too.
    hash_names_generation: bool = False

    def body(self, doc_id: str, rev: str, proposed: Json) -> Json:
        """The body of ``rev``: ``proposed`` the first time it is sent as a leaf, the same ever after."""
        return self.bodies[doc_id].setdefault(rev, proposed)

    def record(self, doc_id: str, rev: str, parent: str | None, deleted: bool) -> None:
        self.parents[doc_id].setdefault(rev, parent)
        self.deleted[doc_id].setdefault(rev, deleted)

    def ancestry(self, doc_id: str, rev: str) -> list[str]:
        out: list[str] = []
        current: str | None = rev
        while current is not None:
            out.append(current)
            current = self.parents[doc_id].get(current)
        return out


# -- operations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One document of a batch, abstractly: what it does, resolved against the model when the batch is built."""

    kind: str
    doc: int
    pick: int
    length: int
    history: int
    with_revisions: bool
    deleted: bool
    root_gen: int
    label: int
    body: Json


@dataclass
class Planned:
    """A document to send, and what the model says about it before it is sent."""

    doc: Any
    doc_id: Any
    error: str | None = None  # a refusal that does not depend on what is stored
    path: list[str] = field(default_factory=list)  # new_edits=false: the history sent, newest first


bodies = st.fixed_dictionaries({"n": st.integers(0, 999), "t": st.text(max_size=4)})


def operations(new_edits: bool) -> st.SearchStrategy[Op]:
    valid = VALID_NEW_EDITS if new_edits else VALID_REPLICATED
    invalid = INVALID if new_edits else INVALID + INVALID_REPLICATED
    return st.builds(
        Op,
        kind=st.sampled_from(valid * 3 + invalid),
        doc=st.integers(0, DOCS_PER_EXAMPLE - 1),
        pick=st.integers(0, 7),
        length=st.integers(1, 3),
        history=st.integers(1, 6),
        with_revisions=st.booleans(),
        deleted=st.booleans(),
        root_gen=st.sampled_from([1, 1, 2, 6, MAX_GENERATION - 1, MAX_GENERATION, MAX_GENERATION]),
        label=st.integers(0, 2),
        body=bodies,
    )


batches = st.booleans().flatmap(
    lambda new_edits: st.tuples(st.just(new_edits), st.lists(operations(new_edits), max_size=6))
)
programs = st.lists(batches, min_size=1, max_size=8)


def _revision(gen: int, seed: str) -> str:
    return f"{gen}-{hashlib.md5(seed.encode()).hexdigest()}"


def _revisions_field(path: list[str]) -> Json:
    return {"start": _gen(path[0]), "ids": [_hash(rev) for rev in path]}


def plan_document(op: Op, new_edits: bool, models: dict[str, ModelDoc], universe: Universe) -> Planned:
    """The document ``op`` stands for, given what the model holds before the batch."""
    doc_id = list(models)[op.doc]
    model = models[doc_id]
    leaves = model.leaves()
    base: Json = {"_id": doc_id, **op.body}
    if op.kind in INVALID or op.kind in INVALID_REPLICATED:
        return _invalid(op, new_edits, base, leaves)
    if op.kind == "create":
        doc = base | ({"_deleted": True} if op.deleted else {})
        return Planned(doc, doc_id)
    if op.kind in ("edit", "edit_stale"):
        if op.kind == "edit" and leaves:
            rev = leaves[op.pick % len(leaves)]
        else:
            inner = sorted(rev for rev in universe.parents[doc_id] if rev not in leaves)
            rev = inner[op.pick % len(inner)] if inner and op.pick % 2 else _revision(1 + op.pick, f"stale{op.label}")
        return Planned(base | {"_rev": rev} | ({"_deleted": True} if op.deleted else {}), doc_id)
    # replicate / resend: a run of true ancestors, newest first.
    made = sorted(universe.parents[doc_id])
    if op.kind == "resend" and made:
        leaf = made[op.pick % len(made)]
        deleted = universe.deleted[doc_id][leaf]
        full = universe.ancestry(doc_id, leaf)
    else:
        choices: list[str | None] = [*leaves, None]
        parent = choices[op.pick % len(choices)]
        gen = _gen(parent) + 1 if parent else op.root_gen
        chain: list[str] = []
        for step in range(op.length):
            leaf_deleted = op.deleted and step == op.length - 1  # in the id: one revision, one deleted flag
            seed = f"{parent}/{op.label}/{step}/{leaf_deleted}"
            rev = _revision(gen + step, f"{gen + step}/{seed}" if universe.hash_names_generation else seed)
            chain.insert(0, rev)
            if gen + step <= MAX_GENERATION:
                universe.record(doc_id, rev, parent, leaf_deleted)
            parent = rev
        deleted = op.deleted
        full = chain + (universe.ancestry(doc_id, chain[-1])[1:] if chain else [])
    path = full[: op.history]
    doc = {"_id": doc_id, **universe.body(doc_id, path[0], op.body), "_rev": path[0]}
    if deleted:
        doc["_deleted"] = True
    if op.with_revisions or len(path) > 1:
        doc["_revisions"] = _revisions_field(path)
    past_last = any(_gen(rev) > MAX_GENERATION for rev in path)
    return Planned(doc, doc_id, "bad_request" if past_last else None, path)


def _invalid(op: Op, new_edits: bool, base: Json, leaves: list[str]) -> Planned:
    """A document every store refuses for its shape alone, whatever is stored."""
    rev = leaves[op.pick % len(leaves)] if leaves else _revision(2, f"absent{op.label}")
    good = base | {"_rev": rev} | ({} if new_edits else {"_revisions": _revisions_field([rev])})
    doc_id = base["_id"]
    if op.kind == "bad_rev":
        return Planned(good | {"_rev": BAD_REVS[op.pick % len(BAD_REVS)]}, doc_id, "bad_request")
    if op.kind == "no_id":
        return Planned({k: v for k, v in good.items() if k != "_id"}, None, "bad_request")
    if op.kind == "bad_id":
        bad = ("_design/plan", "", "a\x00b", "x" * 513)[op.pick % 4]
        return Planned(good | {"_id": bad}, bad, "illegal_docid")
    if op.kind == "not_object":
        return Planned([good], None, "bad_request")
    if op.kind == "reserved":
        return Planned(good | {("_attachments", "_local_seq", "_foo")[op.pick % 3]: {}}, doc_id, "bad_request")
    if op.kind == "bad_deleted":
        return Planned(good | {"_deleted": ("yes", 1, None)[op.pick % 3]}, doc_id, "bad_request")
    if op.kind == "surrogate":
        return Planned(good | {"t": "plan \ud800"}, doc_id, "bad_request")
    if op.kind == "nan":
        return Planned(good | {"n": (float("nan"), float("inf"))[op.pick % 2]}, doc_id, "bad_request")
    if op.kind == "no_rev":
        return Planned({k: v for k, v in good.items() if k != "_rev"}, doc_id, "bad_request")
    if op.kind == "revisions_mismatch":
        return Planned(good | {"_revisions": _revisions_field([_revision(_gen(rev), "other")])}, doc_id, "bad_request")
    if op.kind == "revisions_too_long":  # more ids than its start allows
        second = _revision(2, f"long{op.label}")
        extra = {"start": 2, "ids": [_hash(second), "b" * 32, "c" * 32]}
        return Planned(good | {"_rev": second, "_revisions": extra}, doc_id, "bad_request")
    assert op.kind == "revisions_not_object"
    return Planned(good | {"_revisions": [_hash(rev)]}, doc_id, "bad_request")


@dataclass(frozen=True)
class Peer:
    """What the model must know about the store under test."""

    revs_limit: int
    # pouchdb-server accepts some edits of a deleted document that name a revision (its tombstone, or one it
    # does not hold) where CouchDB 3 and the SQLite store answer conflict (see the differential test,
    # tests/sync/test_differential_pouchdb_server.py); it may list a leaf twice; it may answer several
    # edits of one id in one batch out of order; and it ignores the history sent with a revision it holds,
    # where CouchDB (and the SQLite store) link a stemmed root to the parent that history names.
    pouchdb: bool = False
    # Read the winner and the changes feed after every batch (else after the last one only: over HTTP they
    # cost as much as the rest, and they follow from the leaves, which are read after every batch).
    winner_every_batch: bool = True


@dataclass(frozen=True)
class Expected:
    """What the model expects of an interactive edit: an error, or a new revision on top of ``parent``."""

    error: str | None
    parent: str | None = None
    either: bool = False  # the peer may answer conflict or write on top of ``parent`` (pouchdb-server)


def expected_new_edit(planned: Planned, model: ModelDoc, peer: Peer) -> Expected:
    """An interactive edit's outcome: CouchDB's rules, in the stores' order of checks."""
    if planned.error is not None:
        return Expected(planned.error)
    doc = planned.doc
    rev, deleted = doc.get("_rev"), doc.get("_deleted") is True
    if rev is not None and _gen(rev) >= MAX_GENERATION:
        return Expected("bad_request")
    if not model.parents:
        return Expected("conflict") if rev is not None else Expected(None)
    if model.is_deleted():
        if rev is not None or deleted:
            # NORMALISE: pouchdb-server may write on top of a tombstone named, or of a revision it does not hold.
            either = peer.pouchdb and rev is not None and (rev in model.leaves() or rev not in model.parents)
            return Expected("conflict", rev, either=either)
        winner = model.winner()
        return Expected("bad_request") if _gen(winner) >= MAX_GENERATION else Expected(None, winner)
    if rev is None or rev not in model.leaves():
        return Expected("conflict")
    return Expected(None, rev)


# -- running a program against a store -------------------------------------------------------------------------


async def observed(store: DocumentStore, db: str, doc_ids: list[str], peer: Peer, *, everything: bool) -> Json:
    """What the store says about the documents: leaves with bodies, histories and deleted flags, and the
    counts; with ``everything``, also the winner as read and the changes feed's view (winner, leaves, deleted)."""
    state: Json = {"docs": {}}
    for doc_id in doc_ids:
        try:
            found = await store.get_open_revs(db, doc_id, None, history=True, latest=False)
        except NotFound:
            state["docs"][doc_id] = None
            continue
        leaves: list[Json] = []
        for entry in found:  # a leaf whose body is gone shows as {"missing": rev} and fails the comparison
            leaf = entry.get("ok", entry)
            if peer.pouchdb and leaf in leaves:
                continue  # NORMALISE: pouchdb-server may list one leaf twice; both copies agree
            leaves.append(leaf)
        leaves.sort(key=lambda leaf: str(leaf.get("_rev", leaf.get("missing"))))
        state["docs"][doc_id] = {"leaves": leaves}
        if everything:
            try:
                request = DocumentRequest(conflicts=True, deleted_conflicts=True)
                state["docs"][doc_id]["winner"] = await store.get_document(db, doc_id, request)
            except NotFound as exc:
                state["docs"][doc_id]["winner"] = exc.reason
    if everything:
        feed = await store.changes(db, ChangesRequest(all_leaves=True, doc_ids=doc_ids))
        state["feed"] = {
            row["id"]: (row["changes"][0]["rev"], sorted({c["rev"] for c in row["changes"]}), bool(row.get("deleted")))
            for row in feed["results"]
        }
    info = await store.database_info(db)
    state["counts"] = (info["doc_count"], info["doc_del_count"])
    return state


def modelled(models: dict[str, ModelDoc], counts_before: tuple[int, int], *, everything: bool) -> Json:
    """What :func:`observed` must read, according to the model (``counts_before``: the database's counts
    before this example wrote anything)."""
    state: Json = {"docs": {}}
    feed: Json = {}
    live, deleted = counts_before
    for doc_id, model in models.items():
        if not model.parents:
            state["docs"][doc_id] = None
            continue
        state["docs"][doc_id] = {"leaves": model.rendered_leaves(doc_id)}
        if everything:
            shown = "deleted" if model.is_deleted() else model.rendered_winner(doc_id)
            state["docs"][doc_id]["winner"] = shown
        feed[doc_id] = (model.winner(), sorted(model.leaves()), model.is_deleted())
        deleted += model.is_deleted()
        live += not model.is_deleted()
    if everything:
        state["feed"] = feed
    state["counts"] = (live, deleted)
    return state


async def run_program(store: DocumentStore, db: str, program: list[tuple[bool, list[Op]]], peer: Peer) -> None:
    """Send the program's batches one by one; after each, the store must read exactly as the model says."""
    if not await store.database_exists(db):
        await store.create_database(db)
    example = uuid.uuid4().hex[:8]
    models = {f"{example}-{n}": ModelDoc() for n in range(DOCS_PER_EXAMPLE)}
    doc_ids = list(models)
    universe = Universe(hash_names_generation=peer.pouchdb)
    before = await observed(store, db, doc_ids, peer, everything=True)
    counts_before = before["counts"]
    for number, (new_edits, ops) in enumerate(program, start=1):
        planned = [plan_document(op, new_edits, models, universe) for op in ops]
        if peer.pouchdb and new_edits:
            # NORMALISE: when busy, pouchdb-server can answer (or apply) interactive edits of one id in another
            # order than sent (CouchDB does not); each id is written at most once per batch here.
            planned = [item for index, item in enumerate(planned) if item.doc_id not in _ids(planned[:index])]
        results = await store.bulk_docs(db, [item.doc for item in planned], new_edits=new_edits)
        touched: set[str] = set()
        if new_edits:
            # One result per document, in the order sent.
            assert [r.get("id") for r in results] == [item.doc_id for item in planned], (planned, results)
            for item, result in zip(planned, results, strict=True):
                if apply_new_edit(item, result, models, universe, peer):
                    touched.add(item.doc_id)
        else:
            expected_errors = []
            for item in planned:
                if item.error is not None:
                    expected_errors.append((item.doc_id, item.error))
                elif models[item.doc_id].merge(
                    item.path,
                    item.doc.get("_deleted") is True,
                    _body_of(item.doc),
                    peer.revs_limit,
                    link_known=not peer.pouchdb,  # NORMALISE: pouchdb-server ignores a known revision's history
                ):
                    touched.add(item.doc_id)
            got = sorted(((r.get("id"), r.get("error")) for r in results), key=repr)
            assert got == sorted(expected_errors, key=repr), (planned, results)
        event("replicated" if not new_edits else "interactive")
        everything = peer.winner_every_batch or number == len(program)
        after = await observed(store, db, doc_ids, peer, everything=everything)
        # A document no accepted write touched is exactly as it was, as the store itself reads it.
        for doc_id in doc_ids:
            if doc_id not in touched and before["docs"][doc_id] is not None:
                assert after["docs"][doc_id]["leaves"] == before["docs"][doc_id]["leaves"], (doc_id, planned, results)
            elif doc_id not in touched:
                assert after["docs"][doc_id] is None, (doc_id, planned, results)
        expected = modelled(models, counts_before, everything=everything)
        assert after == expected, (differences(after, expected), planned, results)
        before = after


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where ``got`` and ``want`` differ, as readable paths (an assertion message that pytest does not cut)."""
    if isinstance(got, dict) and isinstance(want, dict):
        return [
            d
            for key in sorted(set(got) | set(want), key=str)
            for d in differences(got.get(key), want.get(key), f"{where}/{key}")
        ]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        pairs = enumerate(zip(got, want, strict=True))
        return [d for index, (one, other) in pairs for d in differences(one, other, f"{where}[{index}]")]
    return [] if got == want else [f"{where}: store {got!r}, model {want!r}"]


def _ids(planned: list[Planned]) -> set[Any]:
    return {item.doc_id for item in planned}


def _body_of(doc: Json) -> Json:
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def apply_new_edit(item: Planned, result: Json, models: dict[str, ModelDoc], universe: Universe, peer: Peer) -> bool:
    """Check one interactive edit's result against the model and apply it there; whether it wrote."""
    model = models.get(item.doc_id) if isinstance(item.doc_id, str) else None
    expected = expected_new_edit(item, model or ModelDoc(), peer)
    if expected.either and result.get("ok") is True:
        expected = Expected(None, expected.parent)
    past_last = expected.error == "bad_request" and item.error is None
    event("interactive: " + ("past the last generation" if past_last else str(expected.error or "written")))
    if expected.error is not None:
        assert result.get("error") == expected.error and result.get("id") == item.doc_id, (item.doc, result, model)
        return False
    assert model is not None and result.get("ok") is True and result.get("id") == item.doc_id, (item.doc, result)
    rev, parent = result["rev"], expected.parent
    assert _gen(rev) == (_gen(parent) + 1 if parent else 1) and rev not in model.parents, (item.doc, result, parent)
    deleted = item.doc.get("_deleted") is True
    universe.record(item.doc_id, rev, parent, deleted)
    universe.body(item.doc_id, rev, _body_of(item.doc))
    history = [] if parent is None else model.path(parent) if parent in model.parents else [parent]
    assert model.merge([rev, *history], deleted, _body_of(item.doc), peer.revs_limit)
    return True


# -- the stores ------------------------------------------------------------------------------------------------

PROPERTY = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def run_with(open_store: Callable[[], DocumentStore], body: Callable[[DocumentStore], Awaitable[None]]) -> None:
    async def main() -> None:
        store = open_store()
        await store.open()
        try:
            await body(store)
        finally:
            await store.close()

    asyncio.run(main())


@settings(PROPERTY, max_examples=100)
@given(program=programs)
def test_sqlite_bulk_docs_refuses_each_document_without_a_trace_and_writes_the_others_whole(
    tmp_path: Path, program: list[tuple[bool, list[Op]]]
) -> None:
    peer = Peer(revs_limit=SQLITE_REVS_LIMIT)
    run_with(
        lambda: SqliteStore(tmp_path, synchronous="NORMAL", revs_limit=SQLITE_REVS_LIMIT),
        lambda store: run_program(store, "plan-atomic", program, peer),
    )


@settings(PROPERTY, max_examples=25)
@given(program=programs)
def test_couchdb_bulk_docs_refuses_each_document_without_a_trace_and_writes_the_others_whole(
    couch_url: str, couch_prefix: str, program: list[tuple[bool, list[Op]]]
) -> None:
    peer = Peer(revs_limit=COUCHDB_REVS_LIMIT, pouchdb=not REAL_COUCHDB, winner_every_batch=False)
    run_with(
        lambda: CouchDBStore(couch_url, prefix=couch_prefix),
        lambda store: run_program(store, "plan-atomic", program, peer),
    )


@pytest.fixture
def couch_prefix(couch_url: str) -> Iterator[str]:
    """A database prefix of the test's own; its databases are dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    yield prefix
    with httpx.Client(base_url=couch_url, timeout=30) as client:
        for name in client.get("/_all_dbs").json():
            if name.startswith(prefix):
                client.delete(f"/{name}")


# -- the last generation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "couchdb"])
def test_no_store_writes_a_revision_past_the_last_generation_and_the_document_stays_as_it_was(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An edit on top of a revision at generation 999,999,999, or the recreation of a document whose winning
    tombstone is there, is refused on its own (CouchDB would store generation 1,000,000,000, which no part of
    Alongside can read back); the document keeps its revision and body, and the batch's other documents
    are written."""
    last = f"{MAX_GENERATION}-" + "a" * 32
    live = {"_id": "live", "_rev": last, "t": "kept"}
    gone = {"_id": "gone", "_rev": last, "_deleted": True, "t": "tombstone"}

    def open_store() -> DocumentStore:
        if backend == "sqlite":
            return SqliteStore(tmp_path)
        return CouchDBStore(request.getfixturevalue("couch_url"), prefix=request.getfixturevalue("couch_prefix"))

    async def check(store: DocumentStore) -> None:
        db = "plan-last"
        await store.create_database(db)
        assert await store.bulk_docs(db, [live, gone], new_edits=False) == []
        before = {doc: await store.get_open_revs(db, doc, None, history=True, latest=False) for doc in ("live", "gone")}
        results = await store.bulk_docs(
            db,
            [
                {"_id": "live", "_rev": last, "t": "on top"},
                {"_id": "live", "_rev": last, "_deleted": True},
                {"_id": "gone", "t": "back again"},
                {"_id": "other", "t": "beside them"},
            ],
        )
        assert [r.get("error") for r in results] == ["bad_request", "bad_request", "bad_request", None], results
        assert all(str(MAX_GENERATION) in r["reason"] for r in results[:3]), results
        after = {doc: await store.get_open_revs(db, doc, None, history=True, latest=False) for doc in ("live", "gone")}
        assert after == before
        assert (await store.get_document(db, "live", DocumentRequest()))["t"] == "kept"
        assert (await store.get_document(db, "other", DocumentRequest()))["t"] == "beside them"
        info = await store.database_info(db)
        assert (info["doc_count"], info["doc_del_count"]) == (2, 1)

    run_with(open_store, check)


# -- a refusal after the rows were written -----------------------------------------------------------------------


class FailingLateStore(SqliteStore):
    """The SQLite store, except that once :attr:`poisoned` is set, writing that document fails after every one
    of its rows was written (its new body, the old body dropped, the tree, the sequence number, the counts)."""

    poisoned: str | None = None

    def _save(
        self,
        conn: Any,
        db_id: int,
        doc_id: str,
        tree: Any,
        rev: str | None,
        body: str,
        was_deleted: bool | None,
        counts: Any,
    ) -> None:
        super()._save(conn, db_id, doc_id, tree, rev, body, was_deleted, counts)
        if doc_id == self.poisoned:
            raise BadRequest("refused after writing")


def test_a_document_refused_after_its_rows_were_written_leaves_no_trace_and_the_batch_is_still_written(
    tmp_path: Path,
) -> None:
    store = FailingLateStore(tmp_path)

    async def check(_: DocumentStore) -> None:
        db = "plan-late"
        await store.create_database(db)
        first_rev = "3-" + "a" * 32
        await store.bulk_docs(db, [{"_id": "poisoned", "_rev": first_rev, "t": "kept"}], new_edits=False)
        before = await store.get_open_revs(db, "poisoned", None, history=True, latest=False)
        info = await store.database_info(db)
        store.poisoned = "poisoned"

        results = await store.bulk_docs(
            db,
            [
                {"_id": "poisoned", "_rev": first_rev, "t": "replaced"},  # drops the old body, then fails
                {"_id": "written", "t": "beside it"},
                {"_id": "poisoned", "_rev": first_rev, "_deleted": True},  # would move the counts, then fails
            ],
        )
        assert [r.get("error") for r in results] == ["bad_request", None, "bad_request"], results
        assert await store.get_open_revs(db, "poisoned", None, history=True, latest=False) == before
        assert (await store.get_document(db, "poisoned", DocumentRequest()))["t"] == "kept"
        assert (await store.get_document(db, "written", DocumentRequest()))["t"] == "beside it"
        after = await store.database_info(db)
        assert (after["doc_count"], after["doc_del_count"]) == (info["doc_count"] + 1, 0)
        assert after["update_seq"] == info["update_seq"] + 1  # the refused writes took no sequence number

        replicated = {"_id": "poisoned", "_rev": "4-" + "b" * 32, "_revisions": {"start": 4, "ids": ["b" * 32]}}
        also = {"_id": "also", "_rev": "1-" + "c" * 32}
        refused = await store.bulk_docs(db, [replicated, also], new_edits=False)
        assert refused == [{"id": "poisoned", "error": "bad_request", "reason": "refused after writing"}]
        assert await store.get_open_revs(db, "poisoned", None, history=True, latest=False) == before
        assert (await store.get_document(db, "also", DocumentRequest()))["_rev"] == also["_rev"]

    run_with(lambda: store, check)
