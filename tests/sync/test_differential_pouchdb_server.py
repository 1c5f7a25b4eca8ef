"""Differential test: one random sequence of protocol operations, sent to Alongside and to a reference.

The reference is the run's CouchDB peer: Apache CouchDB (``COUCHDB_RELEASE`` or ``COUCHDB_URL``), else
``pouchdb-server``. Both receive the same
operations: interactive writes (create, update any leaf, delete, recreate after deletion, stale and
conflicting writes), replicated ``_bulk_docs`` with ``new_edits: false`` and explicit ``_revisions``
(new branches, deleted branches, stemmed and missing histories, re-sent duplicates), ``_revs_diff``,
``_changes`` (``style=all_docs``, ``since``, paging), ``_all_docs``, ``_bulk_get`` and single-document
``GET`` with ``open_revs``, ``revs``, ``conflicts`` and ``latest``. After every write both servers
must hold the same revision tree for the document, and every read must agree.

Revision ids written with ``new_edits: true`` are chosen by each server (PouchDB's ids are random,
ours are a hash), so each server's ids are mapped to a *logical* name for the operation that
produced them (``"3-op17"``), and answers are compared in logical names. Where the winner depends
on such ids (a tie in generation between leaves), each server's winner is checked against CouchDB's
rule on its own ids. Most of the sequence uses ``new_edits: false`` with explicit ids, so most
answers are compared exactly.

Besides comparing the two servers, the test keeps the truth of every history it wrote and holds
each server to CouchDB's semantics (``couch_key_tree``, ``couch_db``, ``chttpd_db``) directly. A server
backed by pouchdb-server may show the differences listed in ``POUCHDB_SERVER`` (each use is marked
NORMALISE); on Apache CouchDB, nothing is tolerated. Alongside runs on both storage backends.
The tests at the end pin down, on Alongside alone, the CouchDB behaviours the reference lacks.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx
import pytest
from support.couchdb_release import REAL_COUCHDB
from support.documents import doc_id, item_doc
from support.processes import AlongsideServer, CouchDBPeer

SEEDS = [11, 23, 37, 41]
OPERATIONS = 100
DOC_POOL = 7  # document ids a sequence writes to; one more id is only ever read
BODY_SIZE = 40

Json = dict[str, Any]


# -- revisions and peers ------------------------------------------------------------------------------


def generation(rev: str) -> int:
    return int(rev.split("-", 1)[0])


def digest(rev: str) -> str:
    return rev.split("-", 1)[1]


class Leaf(NamedTuple):
    deleted: bool
    history: tuple[str, ...]  # logical revision ids, newest first


# Ways in which pouchdb-server is known to differ from Apache CouchDB. A peer backed by pouchdb-server
# may answer either way; every other peer is held to CouchDB's answer. Each use is marked NORMALISE.
POUCHDB_SERVER = frozenset(
    {
        "delete_unreadable_404",  # DELETE ?rev= of a revision it cannot read: 404 (CouchDB: 409 conflict)
        "deleted_reason_missing",  # GET of a deleted document: reason "missing" (CouchDB: "deleted")
        "no_doc_del_count",  # database info without doc_del_count
        "no_deleted_conflicts",  # ignores deleted_conflicts=true
        "conflicts_by_generation",  # _conflicts ordered by generation only (CouchDB: generation, then id)
        "latest_one_leaf",  # open_revs + latest: one leaf per revision (CouchDB: every leaf below it)
        "latest_unknown_crashes",  # open_revs + latest with a revision it does not hold: the server dies
        "bulk_get_groups_ids",  # several _bulk_get requests for one id: one result (CouchDB: one each)
        "bulk_get_missing_shape",  # _bulk_get missing: {} or {"missing": rev} (CouchDB: {"error": {...}})
        "revs_diff_bodyless",  # _revs_diff lists revisions it knows without a body (CouchDB: only unknown)
        "no_possible_ancestors",  # _revs_diff without possible_ancestors
    }
)
# Alongside on its CouchDB backend, when that backend is pouchdb-server: what the store cannot hide.
ALONGSIDE_ON_POUCHDB_SERVER = frozenset({"revs_diff_bodyless"})


@dataclass
class Peer:
    """One server under test, with the map between its own revision ids and logical ones."""

    name: str
    http: httpx.Client
    tolerated: frozenset[str] = frozenset()
    actual_of: dict[str, str] = field(default_factory=dict)
    logical_of: dict[str, str] = field(default_factory=dict)

    def may(self, difference: str) -> bool:
        """Whether this peer may show a known pouchdb-server difference (see POUCHDB_SERVER)."""
        assert difference in POUCHDB_SERVER, difference
        return difference in self.tolerated

    def actual(self, rev: str) -> str:
        return self.actual_of.get(rev, rev)

    def logical(self, rev: str) -> str:
        return self.logical_of.get(rev, rev)

    def learn(self, logical: str, actual: str) -> None:
        self.actual_of[logical] = actual
        self.logical_of[actual] = logical

    def revisions(self, path: list[str]) -> Json:
        """``_revisions`` for a logical path (newest first), in this server's ids."""
        actual = [self.actual(rev) for rev in path]
        return {"start": generation(actual[0]), "ids": [digest(rev) for rev in actual]}

    def history(self, revisions: Json) -> tuple[str, ...]:
        start = revisions["start"]
        return tuple(self.logical(f"{start - offset}-{rev_hash}") for offset, rev_hash in enumerate(revisions["ids"]))

    def winner_by_rule(self, leaves: dict[str, Leaf]) -> str:
        """CouchDB's winner (couch_doc:to_doc_info): greatest (not deleted, generation, id), on this server's ids."""
        return max(leaves, key=lambda rev: (not leaves[rev].deleted, generation(rev), digest(self.actual(rev))))

    def conflict_order(self, revs: list[str]) -> list[str]:
        return sorted(revs, key=lambda rev: (generation(rev), digest(self.actual(rev))), reverse=True)


def body_of(doc: Json) -> Json:
    return {key: value for key, value in doc.items() if not key.startswith("_")}


# -- the differential run -------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    seqs: dict[str, Any]  # peer name -> that server's update_seq, opaque
    changed: set[str] = field(default_factory=set)  # documents written since


class Differential:
    def __init__(self, seed: int, alongside: Peer, reference: Peer) -> None:
        self.rng = random.Random(seed)
        self.alongside, self.reference = alongside, reference
        self.peers = (alongside, reference)
        self.pool = [doc_id(f"differential-{seed}-{index}") for index in range(DOC_POOL)]
        self.never_written = doc_id(f"differential-{seed}-never")
        self.parents: dict[str, dict[str, str | None]] = {}  # the truth: every revision written, per document
        self.state: dict[str, dict[str, Leaf]] = {}  # what both servers agree they hold
        self.bodies: dict[str, Json] = {}  # logical revision -> the body sent with it
        self.replicated: list[tuple[str, str, list[str], bool]] = []  # (id, leaf, history, deleted) sent
        self.checkpoints: list[Checkpoint] = []
        self.step = 0
        self.log: list[str] = []

    # -- helpers ----------------------------------------------------------------------------------

    def send(
        self, method: str, url: str, payload: Callable[[Peer], Any] | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, ...]:
        responses = []
        for peer in self.peers:
            body = payload(peer) if payload is not None else None
            response = (
                peer.http.request(method, url, json=body, **kwargs)
                if body is not None
                else peer.http.request(method, url, **kwargs)
            )
            assert response.status_code < 500, f"{peer.name}: {method} {url} -> {response.status_code} {response.text}"
            responses.append(response)
        return tuple(responses)

    def path(self, doc: str, rev: str) -> list[str]:
        out: list[str] = []
        current: str | None = rev
        while current is not None:
            out.append(current)
            current = self.parents[doc][current]
        return out

    def known(self, doc: str) -> set[str]:
        return set(self.parents.get(doc, {}))

    def live(self, doc: str) -> bool:
        leaves = self.state.get(doc)
        return bool(leaves) and any(not leaf.deleted for leaf in leaves.values())

    def agreed_winner(self, doc: str) -> str | None:
        """The winner when both servers' id orders pick the same logical leaf, else None."""
        leaves = self.state[doc]
        winners = {peer.winner_by_rule(leaves) for peer in self.peers}
        return winners.pop() if len(winners) == 1 else None

    def descendants(self, doc: str, rev: str) -> set[str]:
        return {leaf for leaf, info in self.state.get(doc, {}).items() if rev in info.history}

    def new_rev(self, gen: int) -> str:
        return f"{gen}-{self.rng.getrandbits(128):032x}"

    def wrote(self, doc: str) -> None:
        for checkpoint in self.checkpoints:
            checkpoint.changed.add(doc)

    def context(self) -> str:
        return f"step {self.step}; recent operations: {self.log[-6:]}"

    # -- reading and comparing a document's tree ----------------------------------------------------

    def read_tree(self, peer: Peer, doc: str) -> dict[str, Leaf] | None:
        response = peer.http.get(
            doc, params={"open_revs": "all", "revs": "true"}, headers={"Accept": "application/json"}
        )
        if response.status_code == 404:
            assert response.json()["error"] == "not_found", response.text
            return None
        assert response.status_code == 200, f"{peer.name}: {response.text}"
        leaves: dict[str, Leaf] = {}
        for entry in response.json():
            found = entry["ok"]
            rev = peer.logical(found["_rev"])
            leaf = Leaf(found.get("_deleted", False) is True, peer.history(found["_revisions"]))
            # NORMALISE: pouchdb-server can list one leaf twice (it keeps duplicated subtrees after a
            # stemmed history is bridged, which CouchDB's couch_key_tree:stem/2 repairs); both copies agree.
            assert leaves.setdefault(rev, leaf) == leaf, f"{peer.name} lists {rev} twice, differently"
            if rev in self.bodies:
                assert body_of(found) == self.bodies[rev], f"{peer.name}: body of {rev}"
        return leaves

    def refresh(self, doc: str) -> None:
        """Read the document's leaves from both servers; they must agree, and fit what was written."""
        trees = [self.read_tree(peer, doc) for peer in self.peers]
        assert trees[0] == trees[1], (
            f"{doc}: trees differ\nalongside: {trees[0]}\nreference: {trees[1]}\n{self.context()}"
        )
        tree = trees[0]
        if tree is None:
            assert doc not in self.parents, self.context()
            return
        self.state[doc] = tree
        truth_leaves = {rev for rev in self.parents[doc]} - {p for p in self.parents[doc].values() if p is not None}
        # A stemmed history that overlaps nothing leaves the old leaf open (a conflict, as in CouchDB), so
        # servers may hold more leaves than the truth, never fewer; each history is a prefix of the truth.
        assert truth_leaves <= set(tree), self.context()
        for leaf, info in tree.items():
            assert list(info.history) == self.path(doc, leaf)[: len(info.history)], self.context()

    # -- writes -----------------------------------------------------------------------------------

    def interactive_result(self, responses: tuple[httpx.Response, ...], bulk: bool) -> list[Json]:
        results = []
        for response in responses:
            body = response.json()
            if bulk:
                assert response.status_code == 201, response.text
                [body] = body
            elif "error" in body:
                assert response.status_code == {"conflict": 409, "not_found": 404}[body["error"]], response.text
            else:
                # CouchDB answers a write that leaves the revision deleted with 200, others with 201
                # (chttpd_db:update_doc/4); Alongside answers 201 to both (see
                # test_a_successful_deletion_answers_200), so only success is compared here.
                assert response.status_code in (200, 201), response.text
            results.append(body)
        return results

    def write_style(self) -> str:
        """How an interactive write is sent: its transport. Always draws the same amount, so that the
        sequence does not depend on which operations were skipped."""
        return self.rng.choice(["bulk", "put"])

    def interactive(self, doc: str, base: str | None, deleted: bool, parent_if_ok: str | None, transport: str) -> None:
        """One ``new_edits: true`` write to both servers; they must both succeed or both refuse.

        A deletion is a deletion envelope (docs/crypto.md §7.5): Alongside refuses bare tombstones
        (``DELETE ?rev=``, PouchDB's ``remove()``, §14.3), which the reference would take, so none is sent."""
        body = item_doc(doc, BODY_SIZE)
        if deleted:
            body["_deleted"] = True

        def payload(peer: Peer) -> Json:
            doc_body = dict(body)
            if base is not None:
                doc_body["_rev"] = peer.actual(base)
            return {"docs": [doc_body]} if transport == "bulk" else doc_body

        if transport == "bulk":
            responses = self.send("POST", "_bulk_docs", payload)
        else:
            responses = self.send("PUT", doc, payload)
        results = self.interactive_result(responses, transport == "bulk")
        outcomes = [result.get("error", "ok") for result in results]
        self.log.append(f"interactive {transport} {doc[:6]} base={base} deleted={deleted} -> {outcomes}")
        assert outcomes[0] == outcomes[1], f"{outcomes}: {results}\n{self.context()}"
        if outcomes[0] != "ok":
            return
        gens = {generation(result["rev"]) for result in results}
        expected_gen = generation(parent_if_ok) + 1 if parent_if_ok else 1
        assert gens == {expected_gen}, f"{results}, expected generation {expected_gen}"
        logical = f"{expected_gen}-op{self.step}"
        for peer, result in zip(self.peers, results, strict=True):
            peer.learn(logical, result["rev"])
        self.parents.setdefault(doc, {})[logical] = parent_if_ok
        self.bodies[logical] = body_of(body)
        self.wrote(doc)
        self.refresh(doc)

    def op_create(self) -> None:
        doc = self.rng.choice(self.pool)
        deleted = self.rng.random() < 0.15
        style = self.write_style()
        if doc not in self.state:
            parent = None
        elif self.live(doc):
            parent = None  # expected to be refused: the document exists
        else:
            # Recreating a deleted document extends its winning tombstone; when the two servers' random
            # ids would pick different tombstones, the trees would legitimately diverge, so skip.
            parent = self.agreed_winner(doc)
            if parent is None:
                return
        self.interactive(doc, None, deleted, parent, style)

    def op_update(self) -> None:
        docs = [doc for doc in self.state if self.live(doc)]
        if not docs:
            return
        doc = self.rng.choice(docs)
        leaves = sorted(self.state[doc])
        roll = self.rng.random()
        if roll < 0.8:
            base = self.rng.choice(leaves)  # any leaf: the winner, a conflict, or a deleted branch
            parent = base
        elif roll < 0.9:
            inner = sorted(self.known(doc) - set(leaves))
            base = self.rng.choice(inner) if inner else self.new_rev(2)
            parent = None  # a stale revision: refused
        else:
            base, parent = self.new_rev(self.rng.randint(1, 4)), None  # unknown: refused
        # NORMALISE (not generated): updating a *deleted* document by its tombstone's _rev is refused by
        # CouchDB 3 (couch_db_updater:merge_rev_tree/4) but accepted by pouchdb-server; see
        # test_a_deleted_document_is_recreated_only_without_rev below for Alongside's answer.
        self.interactive(doc, base, self.rng.random() < 0.35, parent, self.write_style())

    def op_replicate(self) -> None:
        """``_bulk_docs`` with ``new_edits: false``: one or two replicated revisions with explicit histories."""
        specs: list[tuple[str, str, list[str], bool, bool]] = []
        for _ in range(1 if self.rng.random() < 0.7 else 2):
            specs.append(self.replicated_revision())
        self.send_replicated(specs)

    def replicated_revision(self) -> tuple[str, str, list[str], bool, bool]:
        doc = self.rng.choice(self.pool)
        known = sorted(self.known(doc))
        base = self.rng.choice(known) if known and self.rng.random() < 0.85 else None
        count = self.rng.randint(1, 3)
        new: list[str] = []
        parent = base
        for _ in range(count):
            rev = self.new_rev(generation(parent) + 1 if parent else 1)
            self.parents.setdefault(doc, {})[rev] = parent
            new.insert(0, rev)
            parent = rev
        history = new + (self.path(doc, base) if base else [])
        with_revisions = True
        if base is not None and self.rng.random() < 0.25:
            history = history[: self.rng.randint(count, len(history))]  # a stemmed history
        if count == 1 and self.rng.random() < 0.1:
            with_revisions = False  # no _revisions at all: the revision's parent is unknown to the server
            history = history[:1]
        deleted = self.rng.random() < 0.2
        leaf = new[0]
        body = item_doc(doc, BODY_SIZE)  # a deleted revision is a deletion envelope too (docs/crypto.md §7.5)
        self.bodies[leaf] = body_of(body)
        self.replicated.append((doc, leaf, history, deleted))
        return doc, leaf, history, deleted, with_revisions

    def replicated_payload(self, peer: Peer, spec: tuple[str, str, list[str], bool, bool]) -> Json:
        doc, leaf, history, deleted, with_revisions = spec
        out: Json = {"_id": doc, **self.bodies[leaf], "_rev": leaf}
        if with_revisions:
            out["_revisions"] = peer.revisions(history)
        if deleted:
            out["_deleted"] = True
        return out

    def send_replicated(self, specs: list[tuple[str, str, list[str], bool, bool]]) -> None:
        responses = self.send(
            "POST",
            "_bulk_docs",
            lambda peer: {"new_edits": False, "docs": [self.replicated_payload(peer, s) for s in specs]},
        )
        self.log.append(f"replicate {[(s[0][:6], s[2][:3], s[3]) for s in specs]}")
        for peer, response in zip(self.peers, responses, strict=True):
            assert response.status_code == 201, f"{peer.name}: {response.text}"
            assert response.json() == [], f"{peer.name}: {response.text}"
        for doc in {spec[0] for spec in specs}:
            self.wrote(doc)
            self.refresh(doc)

    def op_resend(self) -> None:
        """Re-send an already replicated revision, possibly with a shorter history: a no-op everywhere."""
        if not self.replicated:
            return
        doc, leaf, history, deleted = self.rng.choice(self.replicated)
        history = history[: self.rng.randint(1, len(history))]
        before = self.info()
        self.send_replicated_noop([(doc, leaf, history, deleted, True)])
        for peer in self.peers:
            response = peer.http.get("_changes", params={"since": before[peer.name]["update_seq"]})
            assert response.status_code == 200, response.text
            assert response.json()["results"] == [], f"{peer.name}: a re-sent revision made a change\n{self.context()}"

    def send_replicated_noop(self, specs: list[tuple[str, str, list[str], bool, bool]]) -> None:
        responses = self.send(
            "POST",
            "_bulk_docs",
            lambda peer: {"new_edits": False, "docs": [self.replicated_payload(peer, s) for s in specs]},
        )
        self.log.append(f"resend {[(s[0][:6], s[2][:3]) for s in specs]}")
        for response in responses:
            assert response.status_code == 201 and response.json() == [], response.text
        for doc in {spec[0] for spec in specs}:
            self.refresh(doc)

    # -- reads ------------------------------------------------------------------------------------

    def info(self) -> dict[str, Json]:
        out = {}
        for peer in self.peers:
            response = peer.http.get("")
            assert response.status_code == 200, response.text
            out[peer.name] = response.json()
        return out

    def op_info(self) -> None:
        infos = self.info()
        live = sum(1 for doc in self.state if self.live(doc))
        # NORMALISE: pouchdb-server's database info has no doc_del_count; only doc_count is compared.
        assert {info["doc_count"] for info in infos.values()} == {live}, f"{infos}\n{self.context()}"
        deleted = sum(1 for doc in self.state if not self.live(doc))
        for peer in self.peers:
            if not peer.may("no_doc_del_count"):
                assert infos[peer.name]["doc_del_count"] == deleted, f"{peer.name}: {infos[peer.name]}"

    def op_checkpoint(self) -> None:
        infos = self.info()
        # NORMALISE: sequences are opaque (integers here, strings in CouchDB); each server gets its own back.
        self.checkpoints.append(Checkpoint({name: info["update_seq"] for name, info in infos.items()}))

    def changes(self, peer: Peer, **params: Any) -> list[Json]:
        response = peer.http.get("_changes", params=params)
        assert response.status_code == 200, f"{peer.name}: {response.text}"
        return list(response.json()["results"])

    def check_change_rows(self, peer: Peer, rows: list[Json], expected_ids: set[str], all_docs: bool) -> None:
        seen: dict[str, Json] = {}
        for row in rows:
            assert row["id"] not in seen, f"{peer.name}: {row['id']} twice in one _changes answer"
            seen[row["id"]] = row
        assert set(seen) == expected_ids, f"{peer.name}: {sorted(seen)} != {sorted(expected_ids)}\n{self.context()}"
        for doc, row in seen.items():
            leaves = self.state[doc]
            # NORMALISE: pouchdb-server may list a leaf twice in style=all_docs (see read_tree); compare sets.
            revs = [peer.logical(change["rev"]) for change in row["changes"]]
            winner = peer.winner_by_rule(leaves)
            deleted = not self.live(doc)
            assert bool(row.get("deleted", False)) == deleted, f"{peer.name}: {row}"
            if all_docs:
                assert set(revs) == set(leaves), f"{peer.name}: {row} vs {leaves}"
            else:
                assert revs == [winner], f"{peer.name}: {row}, expected winner {winner}"
            if peer is self.alongside and all_docs:
                # CouchDB lists the winner first (couch_doc:to_doc_info order), each leaf once.
                assert revs[0] == winner and len(revs) == len(leaves)

    def op_changes(self) -> None:
        all_docs = self.rng.random() < 0.6
        style = {"style": "all_docs"} if all_docs else {}
        for peer in self.peers:
            self.check_change_rows(peer, self.changes(peer, **style), set(self.state), all_docs)
        if not self.checkpoints:
            return
        checkpoint = self.rng.choice(self.checkpoints)
        paged = self.rng.random() < 0.5
        for peer in self.peers:
            since = checkpoint.seqs[peer.name]
            if not paged:
                rows = self.changes(peer, since=since, **style)
            else:
                rows, seen = [], set()
                for _ in range(50):
                    response = peer.http.get("_changes", params={"since": since, "limit": 2, **style})
                    assert response.status_code == 200, response.text
                    page = response.json()
                    if not page["results"]:
                        break
                    # Paging may show a document again if it changed in between; nothing changes here.
                    rows.extend(row for row in page["results"] if row["id"] not in seen)
                    seen.update(row["id"] for row in page["results"])
                    since = page["last_seq"]
            self.check_change_rows(peer, rows, checkpoint.changed, all_docs)

    def op_longpoll(self) -> None:
        """``feed=longpoll`` from a checkpoint with changes after it answers at once, with those changes."""
        pending = [checkpoint for checkpoint in self.checkpoints if checkpoint.changed]
        if not pending:
            return
        checkpoint = self.rng.choice(pending)
        for peer in self.peers:
            # NORMALISE: pouchdb-server ignores `timeout` when nothing changes, so only a feed with
            # pending changes is read, under the client's own timeout.
            response = peer.http.get(
                "_changes",
                params={"feed": "longpoll", "since": checkpoint.seqs[peer.name], "timeout": 5000},
                timeout=20.0,
            )
            assert response.status_code == 200, response.text
            self.check_change_rows(peer, response.json()["results"], checkpoint.changed, False)

    def op_all_docs(self) -> None:
        live = sorted(doc for doc in self.state if self.live(doc))
        use_keys = self.rng.random() < 0.4
        keys = sorted({*self.rng.sample(self.pool, 3), self.never_written}) if use_keys else None
        for peer in self.peers:
            response = (
                peer.http.post("_all_docs", json={"keys": keys}) if keys is not None else peer.http.get("_all_docs")
            )
            assert response.status_code == 200, f"{peer.name}: {response.text}"
            answer = response.json()
            assert answer["total_rows"] == len(live), f"{peer.name}: {answer}"
            if keys is None:
                assert [row["id"] for row in answer["rows"]] == live, f"{peer.name}: {answer}"
                for row in answer["rows"]:
                    assert peer.logical(row["value"]["rev"]) == peer.winner_by_rule(self.state[row["id"]])
                continue
            assert [row["key"] for row in answer["rows"]] == keys
            for key, row in zip(keys, answer["rows"], strict=True):
                if key not in self.state:
                    assert row.get("error") == "not_found", f"{peer.name}: {row}"
                    continue
                assert row["id"] == key
                assert peer.logical(row["value"]["rev"]) == peer.winner_by_rule(self.state[key]), f"{peer.name}: {row}"
                assert bool(row["value"].get("deleted", False)) == (not self.live(key)), f"{peer.name}: {row}"

    def op_get(self) -> None:
        doc = self.rng.choice([*self.pool, self.never_written])
        params = {"revs": "true", "conflicts": "true", "deleted_conflicts": "true"}
        responses = self.send("GET", doc, params=params)
        statuses = [response.status_code for response in responses]
        assert statuses[0] == statuses[1], f"{[r.text for r in responses]}\n{self.context()}"
        if statuses[0] == 404:
            expected = "missing" if doc not in self.state else "deleted"
            for peer, response in zip(self.peers, responses, strict=True):
                reason = response.json()["reason"]
                # NORMALISE: pouchdb-server gives a deleted document's 404 the reason "missing".
                assert reason == expected or (reason == "missing" and peer.may("deleted_reason_missing")), reason
            assert doc not in self.state or not self.live(doc)
            return
        assert statuses[0] == 200
        leaves = self.state[doc]
        for peer, response in zip(self.peers, responses, strict=True):
            found = response.json()
            winner = peer.winner_by_rule(leaves)
            assert peer.logical(found["_rev"]) == winner, f"{peer.name}: {found['_rev']}"
            assert peer.history(found["_revisions"]) == leaves[winner].history
            assert body_of(found) == self.bodies[winner]
            conflicts = [peer.logical(rev) for rev in found.get("_conflicts", [])]
            deleted_conflicts = [peer.logical(rev) for rev in found.get("_deleted_conflicts", [])]
            assert set(conflicts) == {rev for rev, leaf in leaves.items() if not leaf.deleted} - {winner}, peer.name
            if not peer.may("conflicts_by_generation"):
                # NORMALISE: PouchDB orders _conflicts by generation only; CouchDB (couch_db:doc_meta_info)
                # in its leaf order, generation then id.
                assert conflicts == peer.conflict_order(conflicts), peer.name
                assert deleted_conflicts == peer.conflict_order(deleted_conflicts), peer.name
            if not peer.may("no_deleted_conflicts"):
                # NORMALISE: pouchdb-server ignores `deleted_conflicts`.
                assert set(deleted_conflicts) == {rev for rev, leaf in leaves.items() if leaf.deleted} - {winner}

    def open_revs(self, peer: Peer, doc: str, revs: list[str], latest: bool) -> list[tuple[str, ...]]:
        params = {"open_revs": json.dumps([peer.actual(rev) for rev in revs]), "revs": "true"}
        if latest:
            params["latest"] = "true"
        response = peer.http.get(doc, params=params, headers={"Accept": "application/json"})
        assert response.status_code == 200, f"{peer.name}: {response.text}"
        out = []
        for entry in response.json():
            if "missing" in entry:
                out.append(("missing", peer.logical(entry["missing"])))
            else:
                found = entry["ok"]
                out.append(("ok", peer.logical(found["_rev"]), found.get("_deleted", False) is True))
        return out

    def op_open_revs(self) -> None:
        doc = self.rng.choice([*self.pool, self.never_written])
        leaves = self.state.get(doc, {})
        known = self.known(doc)
        unknown = [self.new_rev(self.rng.randint(1, 6)) for _ in range(self.rng.randint(0, 2))]
        if self.rng.random() < 0.5:
            # Without `latest`: leaves, unknown revisions, and ancestors that never had a body here.
            bodiless = sorted(rev for rev in known - set(leaves) if rev not in self.bodies)
            revs = [*self.rng.sample(sorted(leaves), min(len(leaves), 2)), *unknown, *bodiless[:1]]
            if not revs:
                return
            expected = {("ok", rev, leaves[rev].deleted) if rev in leaves else ("missing", rev) for rev in revs}
            for peer in self.peers:
                answer = self.open_revs(peer, doc, revs, latest=False)
                assert set(answer) == expected, f"{peer.name}: {answer} != {expected}\n{self.context()}"
            return
        # With `latest`: any revision resolves to every leaf below it (couch_key_tree:get_key_leafs/2).
        revs = [*self.rng.sample(sorted(known), min(len(known), 2)), *unknown]
        branching = sorted(rev for rev in known if len(self.descendants(doc, rev)) > 1)
        if branching:
            revs.append(self.rng.choice(branching))  # a revision with several leaves below it
        revs = list(dict.fromkeys(revs))
        if not revs:
            return
        expected_alongside: set[tuple[str, ...]] = set()
        for rev in revs:
            below = self.descendants(doc, rev)
            if below:
                expected_alongside.update(("ok", leaf, leaves[leaf].deleted) for leaf in below)
            else:
                expected_alongside.add(("missing", rev))
        for peer in self.peers:
            asked = revs
            if peer.may("latest_unknown_crashes"):
                # NORMALISE: pouchdb-server dies on `latest` with a revision it does not hold ("Unable to
                # resolve latest revision"), so it is asked only about revisions it holds.
                asked = [rev for rev in revs if self.descendants(doc, rev)]
                if not asked:
                    continue
            answer = self.open_revs(peer, doc, asked, latest=True)
            assert len(answer) == len(set(answer)), f"{peer.name}: {answer}"
            expected = {entry for entry in expected_alongside if entry[0] == "ok" or entry[1] in asked}
            if not peer.may("latest_one_leaf"):
                assert set(answer) == expected, f"{peer.name}: {answer} != {expected}\n{self.context()}"
                continue
            # NORMALISE: PouchDB resolves `latest` to one leaf per revision, CouchDB to all of them: a
            # non-empty subset for each revision held is accepted.
            assert set(answer) <= expected, f"{peer.name}: {answer} vs {expected}"
            for rev in asked:
                below = self.descendants(doc, rev)
                if below:
                    assert any(entry[0] == "ok" and entry[1] in below for entry in answer), (rev, answer)
                else:
                    assert ("missing", rev) in answer

    def op_bulk_get(self) -> None:
        items: list[tuple[str, str | None]] = []
        for doc in self.rng.sample(sorted(self.state), min(len(self.state), 2)):
            items.append((doc, self.rng.choice(sorted(self.state[doc]))))
            if self.live(doc) and self.rng.random() < 0.5:
                items.append((doc, None))  # no rev: the winner
        items.append((self.rng.choice([*self.pool, self.never_written]), self.new_rev(self.rng.randint(1, 5))))
        if self.rng.random() < 0.3:
            items.append((self.never_written, None))
        expected = []
        for doc, rev in items:
            if doc in self.state and rev is None:
                expected.append(("ok", doc, "winner", False))
            elif doc in self.state and rev in self.state[doc]:
                expected.append(("ok", doc, rev, self.state[doc][rev].deleted))
            else:
                expected.append(("missing", doc, rev))
        for peer in self.peers:
            request = [{"id": doc, **({"rev": peer.actual(rev)} if rev else {})} for doc, rev in items]
            # NORMALISE: pouchdb-server answers several requests for one id with a single result, where
            # CouchDB answers each request; it gets requests with one id each at most.
            batches: list[list[Json]] = []
            for entry in request:
                if not peer.may("bulk_get_groups_ids") and batches:
                    batches[0].append(entry)
                elif batches and all(other["id"] != entry["id"] for other in batches[-1]):
                    batches[-1].append(entry)
                else:
                    batches.append([entry])
            results = []
            for batch in batches:
                response = peer.http.post("_bulk_get", params={"revs": "true"}, json={"docs": batch})
                assert response.status_code == 200, f"{peer.name}: {response.text}"
                results.extend(response.json()["results"])
            assert [result["id"] for result in results] == [doc for doc, _ in items], f"{peer.name}: {items} {results}"
            answer = []
            for (doc, rev), result in zip(items, results, strict=True):
                entries = result["docs"]
                if rev is None and peer.name == "reference" and not on_pouchdb_server() and "ok" in entries[0]:
                    # Apache CouchDB answers an item without ``rev`` with every leaf (``open_revs=all``), where
                    # Alongside answers with the winner alone (held below): the leaves must be exactly the
                    # document's, and the winner is compared as for Alongside.
                    found = {peer.logical(e["ok"]["_rev"]) for e in entries}
                    assert found == set(self.state[doc]), f"{peer.name}: {found}\n{self.context()}"
                    winner = peer.winner_by_rule(self.state[doc])
                    entries = [e for e in entries if peer.logical(e["ok"]["_rev"]) == winner]
                [entry] = entries
                if "ok" in entry:
                    found = entry["ok"]
                    logical = peer.logical(found["_rev"])
                    if rev is None:
                        assert logical == peer.winner_by_rule(self.state[doc])
                        logical = "winner"
                    else:
                        assert peer.history(found["_revisions"]) == self.state[doc][rev].history
                    answer.append(("ok", doc, logical, found.get("_deleted", False) is True))
                elif "error" in entry:
                    assert entry["error"]["error"] == "not_found", entry
                    answer.append(("missing", doc, rev))
                else:
                    # NORMALISE: pouchdb-server answers a missing revision with {"missing": rev} and a missing
                    # document with {}; CouchDB (and Alongside) with {"error": {"error": "not_found", ...}}.
                    assert peer.may("bulk_get_missing_shape") and entry in ({}, {"missing": peer.actual(rev or "")}), (
                        entry
                    )
                    answer.append(("missing", doc, rev))
            assert answer == expected, f"{peer.name}: {answer} != {expected}\n{self.context()}"

    def op_revs_diff(self) -> None:
        docs = self.rng.sample(self.pool, 2) + ([self.never_written] if self.rng.random() < 0.3 else [])
        asked: dict[str, list[str]] = {}
        for doc in docs:
            known = sorted(self.known(doc))
            revs = self.rng.sample(known, min(len(known), self.rng.randint(0, 4)))
            revs += [self.new_rev(self.rng.randint(1, 8)) for _ in range(self.rng.randint(0, 2))]
            if revs:
                asked[doc] = revs
        if not asked:
            return
        answers = {}
        for peer in self.peers:
            response = peer.http.post(
                "_revs_diff", json={doc: [peer.actual(r) for r in revs] for doc, revs in asked.items()}
            )
            assert response.status_code == 200, f"{peer.name}: {response.text}"
            answers[peer.name] = response.json()
        for doc, revs in asked.items():
            known = self.known(doc)
            expected = {rev for rev in revs if rev not in known}  # couch_key_tree:find_missing/2
            for peer in self.peers:
                entry = answers[peer.name].get(doc)
                reported = {peer.logical(rev) for rev in entry["missing"]} if entry else set()
                missing = set(reported)
                if peer.may("revs_diff_bodyless"):
                    # NORMALISE: PouchDB also lists revisions it knows without a body (ancestors that came
                    # only in a _revisions list); CouchDB lists only revisions absent from the tree.
                    assert all(rev not in self.bodies for rev in missing & known), f"{peer.name}: {entry}"
                    missing -= known
                assert missing == expected, f"{peer.name}: {entry} != {expected}\n{self.context()}"
                if entry is None or not expected or peer.may("no_possible_ancestors"):
                    continue
                # NORMALISE: PouchDB sends no possible_ancestors. CouchDB's (couch_db:possible_ancestors/2)
                # are the leaves, deleted or not, older than the newest missing revision.
                newest = max(generation(rev) for rev in reported)
                hints = {peer.logical(rev) for rev in entry.get("possible_ancestors", [])}
                assert hints == {leaf for leaf in self.state.get(doc, {}) if generation(leaf) < newest}, entry

    # -- the run ----------------------------------------------------------------------------------

    OPERATIONS: tuple[tuple[str, int], ...] = (
        ("op_replicate", 26),
        ("op_resend", 5),
        ("op_create", 9),
        ("op_update", 14),
        ("op_checkpoint", 5),
        ("op_revs_diff", 8),
        ("op_changes", 7),
        ("op_longpoll", 2),
        ("op_all_docs", 5),
        ("op_get", 7),
        ("op_open_revs", 7),
        ("op_bulk_get", 5),
        ("op_info", 3),
    )

    def run(self, operations: int) -> dict[str, int]:
        names = [name for name, _ in self.OPERATIONS]
        weights = [weight for _, weight in self.OPERATIONS]
        counts: dict[str, int] = {}
        for self.step in range(operations):
            name = self.rng.choices(names, weights)[0]
            counts[name] = counts.get(name, 0) + 1
            getattr(self, name)()
        # A final full comparison of every read.
        for doc in self.pool:
            self.refresh(doc)
        self.op_info()
        for peer in self.peers:
            self.check_change_rows(peer, self.changes(peer, style="all_docs"), set(self.state), True)
            self.check_change_rows(peer, self.changes(peer), set(self.state), False)
        return counts


# -- fixtures and tests ---------------------------------------------------------------------------------


def on_pouchdb_server() -> bool:
    """Whether CouchDB-compatible servers in this run are pouchdb-server (not Apache CouchDB)."""
    return not REAL_COUCHDB


@pytest.fixture
def peers(
    alongside_server: AlongsideServer, backend: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Peer, Peer]]:
    """A fresh plan on Alongside (on each storage backend) and a fresh database on the reference, as peers
    (the reference on the session's Apache CouchDB, or on a pouchdb-server of the test's own)."""
    pouchdb_server: CouchDBPeer = request.getfixturevalue("shared_couchdb" if REAL_COUCHDB else "pouchdb_server")
    plan_id, token = alongside_server.create_plan()
    alongside = httpx.Client(
        base_url=alongside_server.plan_url(plan_id), headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )
    db_url = f"{pouchdb_server.pouchdb_url}/differential-{uuid.uuid4().hex[:12]}/"  # as it is, no adapter
    reference = httpx.Client(base_url=db_url, timeout=30.0)
    created = reference.put("")
    assert created.status_code in (201, 202), created.text
    try:
        alongside_tolerates = (
            ALONGSIDE_ON_POUCHDB_SERVER if backend == "couchdb" and on_pouchdb_server() else frozenset()
        )
        yield (
            Peer(f"alongside-{backend}", alongside, alongside_tolerates),
            Peer("reference", reference, POUCHDB_SERVER if on_pouchdb_server() else frozenset()),
        )
    finally:
        if REAL_COUCHDB:
            reference.delete("")
        alongside.close()
        reference.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_alongside_and_the_reference_agree_on_a_random_operation_sequence(seed: int, peers: tuple[Peer, Peer]) -> None:
    counts = Differential(seed, *peers).run(OPERATIONS)
    # The sequence exercised every kind of operation.
    assert set(counts) >= {"op_replicate", "op_update", "op_revs_diff", "op_changes", "op_get", "op_open_revs"}


# -- CouchDB semantics where the reference differs ----------------------------------------------------------


def _rev(gen: int, letter: str) -> str:
    return f"{gen}-{letter * 32}"


def _replicate(client: httpx.Client, doc: str, path: list[str], deleted: bool = False) -> None:
    body: Json = {**item_doc(doc, BODY_SIZE), "_rev": path[0]}
    body["_revisions"] = {"start": generation(path[0]), "ids": [digest(rev) for rev in path]}
    if deleted:
        body["_deleted"] = True
    response = client.post("_bulk_docs", json={"new_edits": False, "docs": [body]})
    assert response.status_code == 201 and response.json() == [], response.text


# Behaviour where pouchdb-server itself differs from CouchDB: Alongside's CouchDB backend inherits the
# difference from whatever server it stores in, so these run on the SQLite backend, and on the CouchDB
# backend too when the run's peer is a real Apache CouchDB.
COUCHDB_SEMANTICS = pytest.mark.parametrize(
    "backend", ["sqlite", "couchdb"] if REAL_COUCHDB else ["sqlite"], indirect=True
)


@pytest.fixture
def alongside(alongside_server: AlongsideServer) -> Iterator[httpx.Client]:
    plan_id, token = alongside_server.create_plan()
    with httpx.Client(
        base_url=alongside_server.plan_url(plan_id), headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    ) as client:
        yield client


@COUCHDB_SEMANTICS
def test_a_deleted_document_is_recreated_only_without_rev(alongside: httpx.Client) -> None:
    """CouchDB 3 refuses to update or delete a deleted document by its tombstone's ``_rev``
    (apache/couchdb#3177); a write without ``_rev`` recreates it on top of the winning tombstone.
    pouchdb-server accepts the ``_rev`` write, so the differential sequence never sends it."""
    doc = doc_id("recreated")
    _replicate(alongside, doc, [_rev(2, "b"), _rev(1, "a")], deleted=True)

    for attempt in (
        {**item_doc(doc, BODY_SIZE), "_rev": _rev(2, "b")},
        {**item_doc(doc, BODY_SIZE), "_rev": _rev(2, "b"), "_deleted": True},
    ):
        response = alongside.post("_bulk_docs", json={"docs": [attempt]})
        assert response.json()[0]["error"] == "conflict", response.text
    response = alongside.post("_bulk_docs", json={"docs": [{**item_doc(doc, BODY_SIZE), "_deleted": True}]})
    assert response.json()[0]["error"] == "conflict", response.text

    response = alongside.post("_bulk_docs", json={"docs": [item_doc(doc, BODY_SIZE)]})
    [result] = response.json()
    assert result["ok"] is True and generation(result["rev"]) == 3, result
    found = alongside.get(doc, params={"revs": "true"}).json()
    assert found["_revisions"]["ids"][1:] == ["b" * 32, "a" * 32]


def test_a_deleted_branch_of_a_live_document_can_be_deleted_again_or_revived(alongside: httpx.Client) -> None:
    """Any leaf of a live document may be extended, deleted or not (couch_db:prep_and_validate_update/5)."""
    doc = doc_id("branches")
    _replicate(alongside, doc, [_rev(2, "c"), _rev(1, "a")])
    _replicate(alongside, doc, [_rev(2, "b"), _rev(1, "a")], deleted=True)

    deletion = {**item_doc(doc, BODY_SIZE), "_rev": _rev(2, "b"), "_deleted": True}
    response = alongside.post("_bulk_docs", json={"docs": [deletion]})
    [result] = response.json()
    assert result["ok"] is True and generation(result["rev"]) == 3, result
    response = alongside.post("_bulk_docs", json={"docs": [{**item_doc(doc, BODY_SIZE), "_rev": result["rev"]}]})
    [revived] = response.json()
    assert revived["ok"] is True and generation(revived["rev"]) == 4, revived
    found = alongside.get(doc, params={"conflicts": "true"}).json()
    assert found["_rev"] == revived["rev"]
    assert found["_conflicts"] == [_rev(2, "c")]


def test_open_revs_all_for_an_unknown_document_is_not_found(alongside: httpx.Client) -> None:
    """chttpd_db answers ``open_revs=all`` for a document it never held with 404 not_found/missing."""
    response = alongside.get(doc_id("never"), params={"open_revs": "all"}, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "reason": "missing"}
    response = alongside.get(doc_id("never"), params={"open_revs": json.dumps([_rev(1, "a")])})
    assert response.status_code == 200
    assert response.json() == [{"missing": _rev(1, "a")}]


@COUCHDB_SEMANTICS
def test_revs_diff_counts_revisions_known_only_from_a_history_as_present(alongside: httpx.Client) -> None:
    """CouchDB's ``_revs_diff`` asks whether the tree holds a revision (couch_key_tree:find_missing/2),
    not whether its body is stored; pouchdb-server reports body-less ancestors as missing."""
    doc = doc_id("history-only")
    _replicate(alongside, doc, [_rev(3, "c"), _rev(2, "b"), _rev(1, "a")])
    response = alongside.post("_revs_diff", json={doc: [_rev(1, "a"), _rev(2, "b"), _rev(3, "c"), _rev(4, "d")]})
    assert response.json() == {doc: {"missing": [_rev(4, "d")], "possible_ancestors": [_rev(3, "c")]}}


@COUCHDB_SEMANTICS
def test_a_bridging_history_joins_stemmed_trees_into_one_leaf(alongside: httpx.Client) -> None:
    """After ``1-a..3-c`` and a stemmed ``4-d..5-e``, a history ``6-f..3-c`` joins everything into one tree
    with one leaf (CouchDB repairs the duplicated revisions, couch_key_tree:repair_tree/2);
    pouchdb-server keeps two copies and lists ``6-f`` twice under ``style=all_docs``."""
    doc = doc_id("bridged")
    _replicate(alongside, doc, [_rev(3, "c"), _rev(2, "b"), _rev(1, "a")])
    _replicate(alongside, doc, [_rev(5, "e"), _rev(4, "d")])
    assert alongside.get(doc, params={"conflicts": "true"}).json()["_conflicts"] == [_rev(3, "c")]
    _replicate(alongside, doc, [_rev(6, "f"), _rev(5, "e"), _rev(4, "d"), _rev(3, "c")])

    [row] = alongside.get("_changes", params={"style": "all_docs"}).json()["results"]
    assert row["changes"] == [{"rev": _rev(6, "f")}]
    found = alongside.get(doc, params={"revs": "true", "conflicts": "true"}).json()
    assert "_conflicts" not in found
    assert found["_revisions"] == {"start": 6, "ids": [letter * 32 for letter in "fedcba"]}


def test_a_successful_deletion_answers_200(alongside: httpx.Client) -> None:
    """CouchDB answers 200 when the new revision is a deletion and 201 otherwise (chttpd_db:update_doc/4).
    Alongside's deletions are deletion envelopes written with PUT: ``DELETE ?rev=`` writes a bare
    tombstone, which is refused (docs/crypto.md §14.3) and changes nothing."""
    doc = doc_id("deleted-status")
    created = alongside.put(doc, json=item_doc(doc, BODY_SIZE))
    assert created.status_code == 201, created.text
    bare = alongside.delete(doc, params={"rev": created.json()["rev"]})
    assert bare.status_code == 403 and bare.json()["error"] == "forbidden", bare.text
    assert alongside.get(doc).json()["_rev"] == created.json()["rev"]
    deleted = alongside.put(doc, json={**item_doc(doc, BODY_SIZE), "_rev": created.json()["rev"], "_deleted": True})
    assert deleted.json()["ok"] is True
    assert deleted.status_code == 200
