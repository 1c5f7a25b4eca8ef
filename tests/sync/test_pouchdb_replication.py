"""Real PouchDB (in Node) replicating with the running Alongside server.

The Node scripts in ``js/`` do the PouchDB work and print JSON facts; these tests assert on those facts
and read the server's side over HTTP. Nothing here is timed: waits are on events, under overall limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from support.documents import doc_id, item_doc
from support.node_script import stream_node
from support.processes import AlongsideServer, run_node

JS = Path(__file__).parent / "js"
# Plaintext bytes per document: its ciphertext pads to the 1 KiB bucket, so each envelope is about 1.4 KB.
DOC_SIZE = 1000


@pytest.fixture
def plan(alongside_server: AlongsideServer) -> tuple[str, str]:
    """A fresh plan on the running server: ``(plan_id, device_token)``."""
    return alongside_server.create_plan()


def _client(token: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60.0)


def _node(script: str, server: AlongsideServer, plan: tuple[str, str], **extra: Any) -> Any:
    plan_id, token = plan
    return run_node(JS / f"{script}.mjs", input_json={"url": server.plan_url(plan_id), "token": token, **extra})


def _server_revs(server: AlongsideServer, plan: tuple[str, str]) -> dict[str, str]:
    """Every live document's winning revision, as the server's ``_all_docs`` reports it."""
    plan_id, token = plan
    with _client(token) as client:
        response = client.get(server.plan_url(plan_id) + "_all_docs")
    assert response.status_code == 200, response.text
    return {row["id"]: row["value"]["rev"] for row in response.json()["rows"]}


def _rev_order(rev: str) -> tuple[int, str]:
    generation, digest = rev.split("-", 1)
    return int(generation), digest


def _winner(revs: list[str]) -> str:
    """CouchDB's winner among live leaves: the longest branch, then the greatest revision hash."""
    return max(revs, key=_rev_order)


def _assert_clean(replication: dict[str, Any]) -> None:
    assert replication["ok"] is True, replication
    assert replication["doc_write_failures"] == 0, replication
    assert replication["errors"] == [], replication


# -- push and pull -------------------------------------------------------------------------------


@pytest.mark.slow
def test_push_10000_documents_then_pull_them_into_a_fresh_pouchdb(
    alongside_server: AlongsideServer, plan: tuple[str, str]
) -> None:
    facts = _node("push_pull", alongside_server, plan, count=10_000, size=DOC_SIZE)

    _assert_clean(facts["push"])
    _assert_clean(facts["pull"])
    assert facts["push"]["docs_written"] == 10_000
    assert facts["pull"]["docs_written"] == 10_000

    source, pulled = facts["source"], facts["pulled"]
    assert source["count"] == pulled["count"] == 10_000
    assert pulled["revs"] == source["revs"]
    # Same ids, revisions and bodies on both devices.
    assert pulled["digest"] == source["digest"]

    assert facts["server_doc_count"] == 10_000
    assert _server_revs(alongside_server, plan) == source["revs"]


# -- conflicts -----------------------------------------------------------------------------------


def test_offline_edits_on_several_devices_converge_on_one_winner_and_the_same_conflicts(
    alongside_server: AlongsideServer, plan: tuple[str, str]
) -> None:
    facts = _node("conflicts", alongside_server, plan)
    assert facts["setup_ok"] is True
    for sync in facts["syncs"]:
        _assert_clean(sync["push"])
        _assert_clean(sync["pull"])

    plan_id, token = plan
    for label, held in facts["held"].items():
        written = facts["written"][label]
        last_edits = {edits[-1]["rev"]: edits[-1]["ct"] for edits in written["edits"].values()}
        expected_winner = _winner(list(last_edits))
        # CouchDB lists conflicts in its revision order: longest branch first, then greatest hash.
        expected_conflicts = sorted(set(last_edits) - {expected_winner}, key=_rev_order, reverse=True)

        # Every device and the server hold the same winner (and its body), the same conflicts and the
        # same leaves. The server lists _conflicts in CouchDB's order; PouchDB orders revisions of one
        # generation its own way, so the devices' lists agree with each other and, as sets, with it.
        devices = [held[name] for name in ("a", "b", "c")]
        assert set(held) == {"a", "b", "c", "server"}
        assert devices[0] == devices[1] == devices[2], label
        for state in held.values():
            assert state["rev"] == expected_winner, label
            assert state["ct"] == last_edits[expected_winner], label
            assert sorted(state["conflicts"]) == sorted(expected_conflicts), label
            assert [leaf["rev"] for leaf in state["leaves"]] == sorted(last_edits), label
            assert all(leaf["deleted"] is False for leaf in state["leaves"]), label
        assert held["server"]["conflicts"] == expected_conflicts, label

        # The server says the same over plain HTTP.
        with _client(token) as client:
            response = client.get(alongside_server.plan_url(plan_id) + written["id"], params={"conflicts": "true"})
        assert response.status_code == 200, response.text
        assert response.json()["_rev"] == expected_winner
        assert response.json()["_conflicts"] == expected_conflicts

    # On the deeper document, B's longer branch wins whatever the hashes say.
    deeper = facts["written"]["deeper"]["edits"]["b"][-1]["rev"]
    assert deeper.startswith("3-")
    assert facts["held"]["deeper"]["server"]["rev"] == deeper
    assert len(facts["held"]["three-way"]["server"]["conflicts"]) == 2


# -- deletions -----------------------------------------------------------------------------------


def test_deletions_propagate_both_ways_and_a_live_edit_beats_a_deletion(
    alongside_server: AlongsideServer, plan: tuple[str, str]
) -> None:
    facts = _node("deletions", alongside_server, plan, count=20)
    for sync in facts["syncs"]:
        _assert_clean(sync["push"])
        _assert_clean(sync["pull"])

    deleted = sorted(facts["deleted_by_a"] + facts["deleted_by_b"])
    live = sorted(set(facts["ids"]) - set(deleted))
    for holder in ("a", "b", "server"):
        held = facts[holder]
        assert sorted(held["deleted"]) == deleted, holder
        assert sorted(held["live"]) == live, holder
        assert held["missing"] == [], holder
        # The contested document: B's edit (generation 2) beats A's deletion (generation 3);
        # the deletion stays as a deleted leaf and is not a conflict.
        assert held["contested"]["rev"] == facts["contested_edit"], holder
        assert held["contested"]["conflicts"] == [], holder
        assert held["contested"]["leaves"] == sorted(
            [
                {"rev": facts["contested_edit"], "deleted": False},
                {"rev": facts["contested_deletion"], "deleted": True},
            ],
            key=lambda leaf: leaf["rev"],
        ), holder
    assert facts["contested_deletion"].startswith("3-")

    plan_id, token = plan
    url = alongside_server.plan_url(plan_id)
    with _client(token) as client:
        for deleted_id in deleted:
            response = client.get(url + deleted_id)
            assert response.status_code == 404, response.text
            assert response.json() == {"error": "not_found", "reason": "deleted"}
            tombstone = client.get(url + deleted_id, params={"rev": facts["deletions"][deleted_id]})
            assert tombstone.status_code == 200, tombstone.text
            assert tombstone.json()["_deleted"] is True
        contested = client.get(url + facts["contested_id"], params={"deleted_conflicts": "true"})
        assert contested.json()["_deleted_conflicts"] == [facts["contested_deletion"]]
        feed = client.get(url + "_changes").json()["results"]
    assert sorted(row["id"] for row in feed if row.get("deleted")) == deleted


def test_pouchdb_remove_is_refused_as_a_bare_tombstone_and_a_deletion_envelope_goes_through(
    alongside_server: AlongsideServer, plan: tuple[str, str]
) -> None:
    """docs/crypto.md §14.3: a bare tombstone carries no signature, so the server refuses it; the document
    stays as it was on the server, and the replication reports the refusal instead of failing."""
    facts = _node("bare-remove", alongside_server, plan)
    _assert_clean(facts["first"])
    assert facts["second"]["ok"] is True, facts["second"]
    assert facts["second"]["docs_written"] == 1 and facts["second"]["doc_write_failures"] == 1, facts["second"]
    assert [(d["id"], d["error"]) for d in facts["denied"]] == [(facts["removed_id"], "forbidden")], facts["denied"]
    assert "signed" in facts["denied"][0]["reason"]
    assert facts["server_leaves_of_removed"] == [facts["written"]]
    assert facts["server_deleted_the_signed_deletion"] is True

    plan_id, token = plan
    with _client(token) as client:
        held = client.get(alongside_server.plan_url(plan_id) + facts["removed_id"])
        assert held.status_code == 200 and held.json()["_rev"] == facts["written"], held.text
        assert held.json()["kind"] == "item"


# -- live replication ----------------------------------------------------------------------------


def test_live_replication_on_device_b_receives_device_a_changes(
    alongside_server: AlongsideServer, plan: tuple[str, str]
) -> None:
    facts = _node("live", alongside_server, plan, timeout_ms=60_000)
    assert facts["errors"] == []
    # Creation, edit and deletion each reached B through the live replication, in order.
    assert [change["rev"] for change in facts["received"]] == facts["written"]
    assert [change["deleted"] for change in facts["received"]] == [False, False, True]
    assert facts["deleted_on_b"] is True
    assert facts["b_last_rev"] == facts["written"][-1]
    assert facts["b_last_deleted"] is True
    # After catching up, B listened on the longpoll feed.
    assert facts["changes_feeds"][0] == "normal"
    assert "longpoll" in facts["changes_feeds"]


# -- interrupted sync ----------------------------------------------------------------------------

PUSH_COUNT = 5_000
KILL_AFTER = 1_500


@pytest.mark.slow
def test_push_interrupted_by_a_server_kill_resumes_from_its_checkpoint(
    alongside_server: AlongsideServer, plan: tuple[str, str], tmp_path: Path
) -> None:
    plan_id, token = plan
    request = {"url": alongside_server.plan_url(plan_id), "token": token, "count": PUSH_COUNT, "size": DOC_SIZE}
    killed_at: int | None = None

    def kill_once_past(line: dict[str, Any]) -> None:
        nonlocal killed_at
        if killed_at is None and line.get("progress", 0) >= KILL_AFTER:
            alongside_server.kill()
            killed_at = line["progress"]
            alongside_server.start()

    facts = stream_node(JS / "push_resume.mjs", request, kill_once_past, tmp_path / "push_resume.stderr", 300)
    assert killed_at is not None and killed_at < PUSH_COUNT, facts
    first, second = facts["runs"]
    # The kill broke the first run part-way.
    assert first["ok"] is False
    assert KILL_AFTER <= first["docs_written"] < PUSH_COUNT
    # The second run started from the checkpoints (PouchDB's _local documents) both sides kept ...
    checkpoints = [second["checkpoint_on_server"], second["checkpoint_on_device"]]
    assert all(isinstance(seq, int) for seq in checkpoints), checkpoints
    assert min(checkpoints) >= KILL_AFTER
    assert PUSH_COUNT - max(checkpoints) <= second["revs_diff_ids"] <= PUSH_COUNT - min(checkpoints)
    # ... and wrote only what the server lacked: together with what was already there, everything.
    assert second["ok"] is True
    assert second["doc_write_failures"] == 0
    assert second["server_doc_count_before"] + second["docs_written"] == PUSH_COUNT
    assert second["docs_written"] <= PUSH_COUNT - KILL_AFTER

    assert facts["server_doc_count"] == PUSH_COUNT
    assert _server_revs(alongside_server, plan) == facts["source_revs"]
    with _client(token) as client:
        checkpoint = client.get(alongside_server.plan_url(plan_id) + facts["checkpoint_id"])
    assert checkpoint.status_code == 200, checkpoint.text
    assert checkpoint.json()["last_seq"] == facts["source_update_seq"]


# -- durability ----------------------------------------------------------------------------------


def test_acknowledged_writes_survive_sigkill(alongside_server: AlongsideServer, plan: tuple[str, str]) -> None:
    plan_id, token = plan
    url = alongside_server.plan_url(plan_id)
    docs = [item_doc(doc_id(f"durable-{i}"), 512) for i in range(200)]
    with _client(token) as client:
        created = client.post(url + "_bulk_docs", json={"docs": docs})
        assert created.status_code == 201, created.text
        revs = {row["id"]: row["rev"] for row in created.json()}
        assert len(revs) == 200

        # A second generation for half of them, and a checkpoint-style _local document.
        updates = [{**item_doc(written, 512), "_rev": revs[written]} for written in sorted(revs)[:100]]
        updated = client.post(url + "_bulk_docs", json={"docs": updates})
        assert updated.status_code == 201, updated.text
        revs.update({row["id"]: row["rev"] for row in updated.json()})
        bodies = {doc["_id"]: doc["ct"] for doc in docs} | {doc["_id"]: doc["ct"] for doc in updates}
        local = client.put(url + "_local/checkpoint-1", json={"last_seq": 300, "session_id": "s"})
        assert local.status_code == 201, local.text

    alongside_server.kill()
    assert alongside_server.process is not None and alongside_server.process.returncode == -9
    alongside_server.start()

    with _client(token) as client:
        read = client.post(url + "_all_docs", params={"include_docs": "true"}, json={"keys": sorted(revs)})
        assert read.status_code == 200, read.text
        rows = read.json()["rows"]
        assert {row["id"]: row["value"]["rev"] for row in rows} == revs
        assert {row["id"]: row["doc"]["ct"] for row in rows} == bodies
        assert client.get(url).json()["doc_count"] == 200
        checkpoint = client.get(url + "_local/checkpoint-1")
        assert checkpoint.status_code == 200, checkpoint.text
        assert checkpoint.json()["_rev"] == local.json()["rev"]
        assert checkpoint.json()["last_seq"] == 300
