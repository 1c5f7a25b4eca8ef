"""The server's write rules on ``/sync`` (docs/crypto.md §14.3), on both storage backends.

Each plan here is set up through the API only: the worker's tablet starts it, and the person's phone,
a supporter with write access and a supporter who only reads join with invites the tablet made. Every
document is a real one, sealed or granted with ``alongside.crypto``, so nothing is refused for its
shape: what is refused is refused by a write rule, with CouchDB's ``forbidden`` and a plain reason, and
the documents already stored are exactly as they were (same revision, same bytes).
"""

from __future__ import annotations

from typing import Any

import httpx
from support.server_plan import ServerPlan as Plan

from alongside.crypto import new_document_id

Json = dict[str, Any]


def assert_forbidden(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert set(body) == {"error", "reason"} and body["error"] == "forbidden", body
    for word in words:
        assert word in body["reason"], body


def assert_refused(result: Json, doc_id: str, *words: str) -> None:
    assert result.get("id") == doc_id and result.get("error") == "forbidden", result
    for word in words:
        assert word in result["reason"], result


def written(response: httpx.Response) -> str:
    assert response.status_code in (200, 201), response.text
    rev: str = response.json()["rev"]
    return rev


# -- 1. bare tombstones --------------------------------------------------------------------------------------


def test_a_keyring_document_is_never_deleted_and_stays_as_it_was(plan: Plan) -> None:
    grant = plan.grant(plan.worker, plan.worker)
    rev = written(plan.put(plan.worker, grant))
    before = plan.held(grant["_id"])
    url = f"/sync/{plan.plan_id}/{grant['_id']}"

    # DELETE ?rev= (and without a rev) by a steward: CouchDB's error shape, and the reason in plain words.
    assert_forbidden(plan.worker.client.delete(url, params={"rev": rev}), "Keyring documents are never deleted.")
    assert_forbidden(plan.owner.client.delete(url, params={"rev": rev}), "never deleted")
    assert_forbidden(plan.worker.client.delete(url), "never deleted")
    # The same bare tombstone through _bulk_docs, interactive and replicated, and a signed deletion envelope.
    tombstone = {"_id": grant["_id"], "_rev": rev, "_deleted": True}
    [result] = plan.bulk(plan.worker, [tombstone])
    assert_refused(result, grant["_id"], "never deleted")
    replicated = {"_id": grant["_id"], "_rev": "2-" + "d" * 32, "_deleted": True}
    replicated["_revisions"] = {"start": 2, "ids": ["d" * 32, rev.split("-", 1)[1]]}
    [result] = plan.bulk(plan.worker, [replicated], new_edits=False)
    assert_refused(result, grant["_id"], "never deleted")
    [result] = plan.bulk(plan.worker, [plan.item(plan.worker, grant["_id"], deleted=True, rev=rev)])
    assert_refused(result, grant["_id"], "keyring document")

    after = plan.held(grant["_id"])
    assert after == before
    assert [(leaf["_rev"], leaf["ct"]) for leaf in after] == [(rev, grant["ct"])]
    assert plan.worker.client.get(url).json()["_rev"] == rev


def test_a_bare_tombstone_for_an_item_is_refused_and_a_signed_deletion_is_not(plan: Plan) -> None:
    item = plan.item(plan.worker)
    rev = written(plan.put(plan.worker, item))
    before = plan.held(item["_id"])
    url = f"/sync/{plan.plan_id}/{item['_id']}"

    # Any write member, not only a hostile one, could push these before: DELETE ?rev=, PouchDB's remove()
    # through _bulk_docs, and a replicated tombstone that would win by its generation.
    for member in (plan.owner, plan.writer, plan.worker):
        assert_forbidden(member.client.delete(url, params={"rev": rev}), "Deletions must be signed")
        [result] = plan.bulk(member, [{"_id": item["_id"], "_rev": rev, "_deleted": True}])
        assert_refused(result, item["_id"], "deletion envelope")
        tombstone = {"_id": item["_id"], "_rev": "9-" + "e" * 32, "_deleted": True}
        [result] = plan.bulk(member, [tombstone], new_edits=False)
        assert_refused(result, item["_id"], "signed")
    # A read-only member is told it cannot change the plan at all.
    assert_forbidden(plan.reader.client.delete(url, params={"rev": rev}), "can read this plan but not change it")
    assert plan.held(item["_id"]) == before

    # A deletion envelope (a signed version, docs/crypto.md §7.5) deletes it.
    deleted = plan.put(plan.owner, plan.item(plan.owner, item["_id"], deleted=True, rev=rev))
    assert deleted.status_code == 200 and deleted.json()["ok"] is True, deleted.text
    gone = plan.worker.client.get(url)
    assert gone.status_code == 404 and gone.json()["reason"] == "deleted"


# -- 2. keyring documents are written once -----------------------------------------------------------------


def test_a_keyring_document_is_written_once_and_only_a_repeat_of_that_revision_goes_through(plan: Plan) -> None:
    grant = plan.grant(plan.worker, plan.owner)
    rev = written(plan.put(plan.worker, grant))
    rev_hash = rev.split("-", 1)[1]
    before, seq = plan.held(grant["_id"]), plan.update_seq()
    other = plan.grant(plan.worker, plan.owner, doc_id=grant["_id"])

    # Overwriting it (a second revision on top), as a PUT and in a batch.
    assert_forbidden(plan.put(plan.worker, {**other, "_rev": rev}), "written once")
    [result] = plan.bulk(plan.worker, [{**other, "_rev": rev}])
    assert_refused(result, grant["_id"], "written once")
    # Writing it again as a new document (no _rev): the id is taken.
    assert_forbidden(plan.put(plan.worker, other), "written once")
    # Replicated: a new branch beside it, a generation-2 revision on top of it, and an item over it.
    branch = {**other, "_rev": "1-" + "b" * 32}
    on_top = {**other, "_rev": "2-" + "c" * 32, "_revisions": {"start": 2, "ids": ["c" * 32, rev_hash]}}
    item_branch = {**plan.item(plan.worker, grant["_id"]), "_rev": "1-" + "f" * 32}
    results = plan.bulk(plan.worker, [branch, on_top, item_branch], new_edits=False)
    assert [r["id"] for r in results] == [grant["_id"]] * 3
    for result in results:
        assert_refused(result, grant["_id"])
    assert plan.held(grant["_id"]) == before
    assert plan.update_seq() == seq

    # A replication repeat of the very revision stored goes through and changes nothing.
    repeat = {**grant, "_rev": rev, "_revisions": {"start": 1, "ids": [rev_hash]}}
    assert plan.bulk(plan.worker, [repeat], new_edits=False) == []
    assert plan.bulk(plan.owner, [repeat], new_edits=False) == []
    assert plan.held(grant["_id"]) == before
    assert plan.update_seq() == seq


def test_a_keyring_document_is_only_ever_a_first_revision_at_a_free_id(plan: Plan) -> None:
    # A keyring document replicated as generation 2 is refused even at a fresh id.
    fresh = plan.grant(plan.worker, plan.owner)
    second = {**fresh, "_rev": "2-" + "a" * 32, "_revisions": {"start": 2, "ids": ["a" * 32, "b" * 32]}}
    [result] = plan.bulk(plan.worker, [second], new_edits=False)
    assert_refused(result, fresh["_id"], "first revision")
    # A keyring document over an item (or a deletion of one) is refused: the id is taken.
    item = plan.item(plan.worker)
    item_rev = written(plan.put(plan.worker, item))
    over_item = plan.grant(plan.worker, plan.owner, doc_id=item["_id"])
    assert_forbidden(plan.put(plan.worker, over_item), "already in use")
    deletion_rev = written(plan.put(plan.worker, plan.item(plan.worker, item["_id"], deleted=True, rev=item_rev)))
    assert_forbidden(plan.put(plan.worker, over_item), "already in use")
    assert plan.worker.client.get(f"/sync/{plan.plan_id}/{item['_id']}", params={"rev": deletion_rev}).json()[
        "_deleted"
    ]
    # In one batch: a new keyring document and an item at the same id; the second is refused.
    shared = new_document_id()
    results = plan.bulk(
        plan.worker, [plan.grant(plan.worker, plan.owner, doc_id=shared), plan.item(plan.owner, shared)]
    )
    assert results[0]["ok"] is True, results
    assert_refused(results[1], shared, "keyring document")
    assert [leaf["kind"] for leaf in plan.held(shared)] == ["keyring"]


# -- 3. a supporter's device grants keys only to itself ----------------------------------------------------


def test_a_supporters_device_writes_keyring_documents_only_for_itself(plan: Plan) -> None:
    to_person = plan.grant(plan.writer, plan.owner)
    assert_forbidden(plan.put(plan.writer, to_person), "only add the plan's key for itself")
    [result] = plan.bulk(plan.writer, [plan.grant(plan.writer, plan.worker)])
    assert_refused(result, result["id"], "for itself")
    replicated = {**plan.grant(plan.writer, plan.owner), "_rev": "1-" + "a" * 32}
    [result] = plan.bulk(plan.writer, [replicated], new_edits=False)
    assert_refused(result, replicated["_id"], "for itself")
    missing = plan.worker.client.get(f"/sync/{plan.plan_id}/{to_person['_id']}")
    assert missing.status_code == 404

    assert written(plan.put(plan.writer, plan.grant(plan.writer, plan.writer))).startswith("1-")
    # The person's and the worker's devices grant to anyone, the supporters included.
    assert written(plan.put(plan.worker, plan.grant(plan.worker, plan.writer))).startswith("1-")
    assert written(plan.put(plan.owner, plan.grant(plan.owner, plan.reader))).startswith("1-")


# -- 4. roster entries belong to their device ----------------------------------------------------------------


def test_only_the_device_writes_its_roster_entry_and_stewards_only_move_it_to_a_new_key(plan: Plan) -> None:
    person = plan.owner
    roster = plan.roster_id(person)
    # Before the person's phone wrote its entry, nobody else can take its place, not even the worker…
    assert_forbidden(plan.put(plan.worker, plan.item(plan.worker, roster)), "Only the device itself")
    [result] = plan.bulk(plan.writer, [plan.item(plan.writer, roster)])
    assert_refused(result, roster, "Only the device itself")
    assert_forbidden(plan.put(plan.worker, plan.grant(plan.worker, person, doc_id=roster)), "kept for a device")
    # …then the phone writes it, and a supporter can neither write over it nor beside it; nobody deletes it.
    rev = written(plan.put(person, plan.item(person, roster)))
    before = plan.held(roster)
    assert_forbidden(plan.put(plan.writer, plan.item(plan.writer, roster, rev=rev)), "Only the device itself")
    [result] = plan.bulk(plan.worker, [plan.item(plan.worker, roster, deleted=True, rev=rev)])
    assert_refused(result, roster, "Only the device itself")
    branch = {**plan.item(plan.writer, roster), "_rev": "5-" + "a" * 32}
    [result] = plan.bulk(plan.writer, [branch], new_edits=False)
    assert_refused(result, roster, "Only the device itself")
    worker_branch = {**plan.item(plan.worker, roster), "_rev": "5-" + "b" * 32}
    [result] = plan.bulk(plan.worker, [worker_branch], new_edits=False)
    assert_refused(result, roster, "Only the device itself")
    assert plan.held(roster) == before
    # The phone updates its own entry; the worker's device (a steward) may move it on top, as a rotation re-seals.
    rev = written(plan.put(person, plan.item(person, roster, rev=rev)))
    assert rev.startswith("2-")
    assert written(plan.put(plan.worker, plan.item(plan.worker, roster, rev=rev))).startswith("3-")


def test_a_device_that_joins_or_leaves_keeps_its_roster_id_its_own(plan: Plan) -> None:
    # The server has served writes already (it knows the plan's devices); then a new device joins.
    assert written(plan.put(plan.worker, plan.item(plan.worker))).startswith("1-")
    newcomer = plan.join("supporter", "write", inviter=plan.owner)
    assert_forbidden(plan.put(plan.worker, plan.item(plan.worker, plan.roster_id(newcomer))), "Only the device itself")
    assert written(plan.put(newcomer, plan.item(newcomer, plan.roster_id(newcomer)))).startswith("1-")
    # A member who was removed: their entry stays theirs (the others still need its keys); a supporter cannot
    # write over it, a steward may move it to a new key (a rotation re-seals it).
    leaving = plan.writer
    rev = written(plan.put(leaving, plan.item(leaving, plan.roster_id(leaving))))
    removed = plan.owner.client.delete(f"/api/v1/plans/{plan.plan_id}/members/{leaving.account}")
    assert removed.status_code == 200, removed.text
    assert_forbidden(plan.put(newcomer, plan.item(newcomer, plan.roster_id(leaving), rev=rev)), "Only the device")
    assert written(plan.put(plan.worker, plan.item(plan.worker, plan.roster_id(leaving), rev=rev))).startswith("2-")


# -- 5. read-only members --------------------------------------------------------------------------------------


def test_a_read_only_member_writes_only_its_own_roster_entry_and_its_own_key(plan: Plan) -> None:
    me = plan.reader
    roster = plan.roster_id(me)
    rev = written(plan.put(me, plan.item(me, roster)))
    rev = written(plan.put(me, plan.item(me, roster, rev=rev)))
    assert rev.startswith("2-")

    others_item = plan.item(me)
    self_grant = plan.grant(me, me)
    grant_for_someone = plan.grant(me, plan.worker)
    steward_grant = plan.grant(plan.worker, me)  # a key granted to it by the worker, pushed by the reader
    results = plan.bulk(me, [others_item, self_grant, grant_for_someone, steward_grant, plan.item(me, roster, rev=rev)])
    assert_refused(results[0], others_item["_id"], "can read this plan but not change it")
    assert results[1]["ok"] is True, results
    assert_refused(results[2], grant_for_someone["_id"], "can read this plan but not change it")
    assert results[3]["ok"] is True, results
    assert results[4]["ok"] is True and results[4]["rev"].startswith("3-"), results

    # Replicated (as PouchDB pushes): its own entry goes through, anything else does not.
    own = {**plan.item(me, roster), "_rev": "1-" + "a" * 32}
    someone_elses = {**plan.item(me), "_rev": "1-" + "b" * 32}
    results = plan.bulk(me, [own, someone_elses], new_edits=False)
    assert len(results) == 1
    assert_refused(results[0], someone_elses["_id"], "can read this plan but not change it")
    # Not even its own entry may be deleted by it, nor anything else; and it cannot write at another's entry.
    current = me.client.get(f"/sync/{plan.plan_id}/{roster}").json()["_rev"]
    assert_forbidden(plan.put(me, plan.item(me, roster, deleted=True, rev=current)), "not change it")
    assert_forbidden(me.client.delete(f"/sync/{plan.plan_id}/{roster}", params={"rev": current}), "not change it")
    assert_forbidden(plan.put(me, plan.item(me, plan.roster_id(plan.owner))), "not change it")
    assert_forbidden(plan.put(me, plan.item(me)), "not change it")
    assert me.client.get(f"/sync/{plan.plan_id}/{others_item['_id']}").status_code == 404
