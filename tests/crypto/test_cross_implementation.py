"""Python and the JS implementation (in Node) open each other's output: envelopes (version 2, with ``n``, ``prev``
and version hashes), key wraps and rotations, invites and binds, signatures, field statements, and they judge
version histories alike (spec §8.3)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from vector_support import devices_from, key_from, opened_fields

from alongside.crypto import (
    DeviceKeys,
    Keyring,
    Leaf,
    VersionMemory,
    admission_bind,
    b64u_encode,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_bind_key,
    invite_registration,
    judge_versions,
    lock_secret,
    new_document_id,
    new_plan_id,
    new_plan_id_for,
    new_plan_key,
    next_version,
    open_grant,
    open_invite,
    open_item,
    plan_fingerprint,
    roster_document_id,
    seal_item,
    sign_field,
    sign_item,
    unlock_secret,
    verify_field,
    verify_invite_registration,
    verify_item,
    version_hash,
)
from alongside.crypto.provenance import SignedItem

ROUNDTRIP = Path(__file__).resolve().parents[1] / "pwa" / "roundtrip.mjs"
Json = dict[str, Any]


def run_node(tasks: list[Json]) -> list[Json]:
    """Run tasks through ``node tests/pwa/roundtrip.mjs``."""
    node = shutil.which("node")
    assert node is not None, "node is needed for the cross-implementation test"
    result = subprocess.run(
        [node, str(ROUNDTRIP)],
        input=json.dumps({"tasks": tasks}),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[Json] = json.loads(result.stdout)["results"]
    return results


def private(keys: DeviceKeys) -> Json:
    return {"enc_private": b64u_encode(keys.encryption_private), "sig_private": b64u_encode(keys.signing_private)}


def public(keys: DeviceKeys) -> Json:
    return {**keys.public.to_json(), "device_id": keys.device_id}


@pytest.fixture(scope="module")
def world() -> Json:
    plan = new_plan_id()
    return {
        "plan": plan,
        "alice": generate_device_keys(),
        "bob": generate_device_keys(),
        "key": new_plan_key(plan),
        "body": {
            "type": "goal",
            "text": "Walk the dog before work 🐕 — مرحبا",
            "scale": {"0": "never", "10": "every day"},
        },
    }


def opened_json(document: Json, plan: str, keyring: Keyring, devices: list[Json]) -> Json:
    """What the JS side's ``open_item`` task returns, computed in Python."""
    return opened_fields(open_item(document, plan_id=plan, keyring=keyring, devices=devices_from(devices)))


def test_envelopes_sealed_in_python_open_in_node_and_envelopes_sealed_in_node_open_in_python(world: Json) -> None:
    plan, alice, bob, key = world["plan"], world["alice"], world["bob"], world["key"]
    keyring = Keyring(plan, [key])
    key_json = {"epoch": key.epoch, "secret": b64u_encode(key.secret)}
    devices = [public(alice), public(bob)]
    doc_id = new_document_id()
    sealed = seal_item(world["body"], plan_id=plan, doc_id=doc_id, key=key, author=alice)
    first = open_item(sealed, plan_id=plan, keyring=keyring, devices=devices_from(devices))
    n, prev = next_version([first])
    edited = seal_item(
        {**world["body"], "text": "Walk the dog"}, plan_id=plan, doc_id=doc_id, key=key, author=bob, n=n, prev=prev
    )
    deleted = seal_item({"deleted": True}, plan_id=plan, doc_id=new_document_id(), key=key, author=bob, deleted=True)
    moved = {**sealed, "_id": new_document_id()}
    results = run_node(
        [
            {"op": "open_item", "plan_id": plan, "keys": [key_json], "devices": devices, "document": sealed},
            {"op": "open_item", "plan_id": plan, "keys": [key_json], "devices": devices, "document": deleted},
            {"op": "open_item", "plan_id": plan, "keys": [key_json], "devices": devices, "document": moved},
            {
                "op": "seal_item",
                "plan_id": plan,
                "doc_id": doc_id,
                "key": key_json,
                "author": private(bob),
                "body": world["body"],
                "n": n,
                "prev": list(prev),
            },
            {"op": "check_wire", "document": sealed},
            {"op": "open_item", "plan_id": plan, "keys": [key_json], "devices": devices, "document": edited},
            {"op": "next_version", "versions": [{"n": first.n, "vh": first.vh}]},
        ]
    )
    assert results[0] == {"ok": True, "value": opened_json(sealed, plan, keyring, devices)}
    assert results[0]["value"] == {
        "body": world["body"],
        "author": alice.device_id,
        "kid": key.kid,
        "deleted": False,
        "version": 2,
        "n": 1,
        "prev": [],
        "vh": first.vh,
    }
    assert results[1]["value"]["deleted"] is True
    assert results[2] == {"ok": False, "error": "DecryptionError"}
    node_doc = results[3]["value"]["document"]
    assert node_doc["v"] == 2
    opened = open_item(node_doc, plan_id=plan, keyring=keyring, devices=devices_from(devices))
    assert (opened.body, opened.author, opened.version, opened.n, opened.prev) == (
        world["body"],
        bob.device_id,
        2,
        2,
        prev,
    )
    assert results[4]["value"] == {"kind": "item", "kid": key.kid}
    # An edit made in Python names the first version; both sides agree on its n, prev and version hash.
    assert results[5]["value"] == opened_json(edited, plan, keyring, devices)
    assert (results[5]["value"]["n"], results[5]["value"]["prev"]) == (2, [first.vh])
    assert results[6]["value"] == {"n": n, "prev": list(prev)}


def test_versions_re_sealed_in_node_keep_their_hash_in_python(world: Json) -> None:
    plan, alice, bob, key = world["plan"], world["alice"], world["bob"], world["key"]
    newer = new_plan_key(plan, epoch=2)
    keyring = Keyring(plan, [key, newer])
    keys = [{"epoch": k.epoch, "secret": b64u_encode(k.secret)} for k in (key, newer)]
    devices = [public(alice), public(bob)]
    doc_id = new_document_id()
    n, prev = next_version([(1, b64u_encode(bytes(32))), (4, b64u_encode(bytes([1]) * 32))])
    sealed = seal_item(world["body"], plan_id=plan, doc_id=doc_id, key=key, author=alice, n=n, prev=prev, rev="5-abc")
    results = run_node(
        [
            {
                "op": "reseal_item",
                "plan_id": plan,
                "keys": keys,
                "devices": devices,
                "key": keys[1],
                "document": sealed,
                "rev": "7-def",
            }
        ]
    )
    resealed = results[0]["value"]["document"]
    assert (resealed["_rev"], resealed["kid"], resealed["v"]) == ("7-def", newer.kid, 2)
    before = open_item(sealed, plan_id=plan, keyring=keyring, devices=devices_from(devices), allow_retired=True)
    after = open_item(resealed, plan_id=plan, keyring=keyring, devices=devices_from(devices))
    assert (after.vh, after.n, after.prev, after.author) == (before.vh, 5, before.prev, alice.device_id)


def test_key_wraps_made_in_python_open_in_node_and_key_wraps_made_in_node_open_in_python(world: Json) -> None:
    plan, alice, bob, key = world["plan"], world["alice"], world["bob"], world["key"]
    trusted = [public(alice), public(bob)]
    grant = grant_plan_key(key, recipient=bob.public, granter=alice)
    results = run_node(
        [
            {"op": "open_grant", "plan_id": plan, "device": private(bob), "trusted": trusted, "document": grant},
            {"op": "open_grant", "plan_id": plan, "device": private(alice), "trusted": trusted, "document": grant},
            {
                "op": "grant",
                "plan_id": plan,
                "key": {"epoch": key.epoch, "secret": b64u_encode(key.secret)},
                "granter": private(bob),
                "recipient": public(alice),
            },
        ]
    )
    assert results[0] == {
        "ok": True,
        "value": {"epoch": 1, "secret": b64u_encode(key.secret), "kid": key.kid, "granter": alice.device_id},
    }
    assert results[1] == {"ok": False, "error": "DecryptionError"}
    node_grant = open_grant(results[2]["value"]["document"], plan_id=plan, device=alice, trusted=devices_from(trusted))
    assert (node_grant.key, node_grant.granter) == (key, bob.device_id)


def test_invites_made_in_python_open_in_node_and_invites_made_in_node_open_in_python(world: Json) -> None:
    plan, alice, key = world["plan"], world["alice"], world["key"]
    now = 1_760_000_000
    invite = create_invite(key, inviter=alice, role="owner", access="write", now=now)
    results = run_node(
        [
            {"op": "open_invite", "text": invite.to_text(), "now": now + 60},
            {"op": "open_invite", "text": invite.to_text(), "now": now + 900},
            {
                "op": "create_invite",
                "plan_id": plan,
                "key": {"epoch": key.epoch, "secret": b64u_encode(key.secret)},
                "inviter": private(alice),
                "now": now,
                "lifetime": 600,
                "role": "supporter",
                "access": "write",
            },
        ]
    )
    fingerprint = plan_fingerprint(plan, key.kid, alice.public.signing)
    value = results[0]["value"]
    assert (value["plan_id"], value["secret"], value["kid"], value["fingerprint"]) == (
        plan,
        b64u_encode(key.secret),
        key.kid,
        fingerprint,
    )
    assert value["inviter"] == public(alice)
    # The registration the inviter signed in Python checks out in JavaScript, field for field.
    assert (value["role"], value["access"], value["registration"]) == ("owner", "write", invite_registration(invite))
    assert results[1] == {"ok": False, "error": "InviteExpiredError"}
    joined = open_invite(results[2]["value"]["text"], now=now + 599)
    assert joined.plan_key == key
    assert joined.expires_at == now + 600
    assert (joined.role, joined.access) == ("supporter", "write")
    assert verify_invite_registration(
        alice.public.signing,
        joined.registration["signature"],
        **{k: v for k, v in joined.registration.items() if k not in ("inviter", "signature")},
    )
    assert plan_fingerprint(plan, joined.plan_key.kid, joined.inviter.signing) == fingerprint


def test_signatures_made_in_python_verify_in_node_and_signatures_made_in_node_verify_in_python(world: Json) -> None:
    plan, alice, bob = world["plan"], world["alice"], world["bob"]
    devices = [public(alice), public(bob)]
    doc_id = new_document_id()
    prev = sorted([b64u_encode(bytes([7]) * 32), b64u_encode(bytes([9]) * 32)])
    signed_item = sign_item(world["body"], plan_id=plan, doc_id=doc_id, author=alice, n=3, prev=prev)
    signed = signed_item.to_json()
    claimed_by_bob = {**signed, "by": bob.device_id}
    other_place = {**signed, "n": 2}
    results = run_node(
        [
            {"op": "verify", "plan_id": plan, "doc_id": doc_id, "signed": signed, "devices": devices},
            {"op": "verify", "plan_id": plan, "doc_id": doc_id, "signed": claimed_by_bob, "devices": devices},
            {"op": "verify", "plan_id": plan, "doc_id": doc_id, "signed": other_place, "devices": devices},
            {
                "op": "sign",
                "plan_id": plan,
                "doc_id": doc_id,
                "body": world["body"],
                "author": private(bob),
                "n": 3,
                "prev": prev,
            },
        ]
    )
    assert results[0] == {
        "ok": True,
        "value": {"valid": True, "vh": version_hash(signed_item, plan_id=plan, doc_id=doc_id, deleted=False)},
    }
    assert results[1] == {"ok": False, "error": "SignatureError"}
    assert results[2] == {"ok": False, "error": "SignatureError"}
    node_signed = results[3]["value"]["signed"]
    from_node = SignedItem.from_json(node_signed, 2)
    verify_item(from_node, plan_id=plan, doc_id=doc_id, deleted=False, devices=devices_from(devices))
    assert results[3]["value"]["vh"] == version_hash(from_node, plan_id=plan, doc_id=doc_id, deleted=False)
    # Ed25519 is deterministic: both implementations produce the same signature bytes.
    assert node_signed == sign_item(world["body"], plan_id=plan, doc_id=doc_id, author=bob, n=3, prev=prev).to_json()


def test_field_statements_made_in_either_implementation_verify_in_the_other(world: Json) -> None:
    plan, alice, bob = world["plan"], world["alice"], world["bob"]
    devices = [public(alice), public(bob)]
    doc_id = new_document_id()
    value = "I like to cook for my sister — أحب الطبخ"
    at = 1_760_000_000_123
    sig = sign_field(plan_id=plan, doc_id=doc_id, name="text", value=value, h=["k3f9"], at=at, author=alice)
    field = {"v": value, "h": ["k3f9"], "at": at, "dev": alice.device_id, "sig": sig}
    common = {"plan_id": plan, "doc_id": doc_id, "name": "text", "devices": devices}
    results = run_node(
        [
            {"op": "verify_field", **common, "field": field},
            {"op": "verify_field", **common, "field": {**field, "dev": bob.device_id}},
            {"op": "verify_field", **common, "field": {**field, "v": "I like to cook"}},
            {"op": "verify_field", **common, "field": {**field, "extra": 1}},
            {"op": "verify_field", **common, "field": {**field, "h": ["k3f9", "a001"]}},
            {"op": "sign_field", **common, "value": value, "h": ["k3f9"], "at": at, "author": private(bob)},
        ]
    )
    assert results[0] == {"ok": True, "value": {"valid": True}}
    assert results[1] == {"ok": False, "error": "SignatureError"}
    assert results[2] == {"ok": False, "error": "SignatureError"}
    assert results[3] == {"ok": False, "error": "FormatError"}
    assert results[4] == {"ok": False, "error": "SignatureError"}  # the whole history is signed
    node_sig = results[5]["value"]["sig"]
    node_field = {**field, "dev": bob.device_id, "sig": node_sig}
    verify_field(plan_id=plan, doc_id=doc_id, name="text", field=node_field, devices=devices_from(devices))
    assert node_sig == sign_field(plan_id=plan, doc_id=doc_id, name="text", value=value, h=["k3f9"], at=at, author=bob)


def random_history(rng: random.Random) -> list[Json]:
    """Steps of one item's leaves: honest edits, replays of earlier versions, branches and bare tombstones."""
    versions: list[tuple[int, str]] = []
    steps: list[Json] = []
    generation = 0
    for _ in range(30):
        generation += 1
        choice = rng.random()
        if not versions or choice < 0.4:
            vh = b64u_encode(rng.randbytes(32))
            versions.append((versions[-1][0] + 1 if versions else 1, vh))
            leaves = [{"rev": f"{generation}-a", "state": "valid", "n": versions[-1][0], "vh": vh, "deleted": False}]
        elif choice < 0.6:
            n, vh = rng.choice(versions)
            leaves = [{"rev": f"{generation}-r", "state": "valid", "n": n, "vh": vh, "deleted": rng.random() < 0.2}]
        elif choice < 0.75:
            n, vh = rng.choice(versions)
            latest_n, latest_vh = versions[-1]
            leaves = [
                {"rev": f"{generation}-l", "state": "valid", "n": latest_n, "vh": latest_vh, "deleted": False},
                {"rev": f"{generation}-o", "state": "valid", "n": n, "vh": vh, "deleted": False},
            ]
        elif choice < 0.9:
            leaves = [{"rev": f"{generation}-t", "state": "unsigned-removal", "n": None, "vh": None, "deleted": True}]
        else:
            leaves = [{"rev": f"{generation}-u", "state": "unchecked", "n": None, "vh": None, "deleted": False}]
        steps.append({"leaves": leaves, "winner": rng.choice(leaves)["rev"]})
    return steps


def test_python_and_node_judge_random_version_histories_alike() -> None:
    rng = random.Random(13)
    tasks: list[Json] = []
    expected: list[Json] = []
    for _ in range(8):
        memory: VersionMemory | None = None
        for step in random_history(rng):
            leaves = [Leaf.from_json(leaf) for leaf in step["leaves"]]
            winner = next(leaf for leaf in leaves if leaf.rev == step["winner"])
            judged = judge_versions(memory, winner, leaves)
            tasks.append({"op": "judge", "memory": None if memory is None else memory.to_json(), **step})
            expected.append(judged.to_json())
            memory = judged.memory
    results = run_node(tasks)
    assert [result["value"] for result in results] == expected
    assert {report for judged in expected for report in judged["reports"]} == {
        "unchecked",
        "unsigned-removal",
        "rollback",
        "replay",
    }


def test_plan_ids_roster_ids_rotations_and_admission_binds_agree(world: Json) -> None:
    plan, alice, bob, key = world["plan"], world["alice"], world["bob"], world["key"]
    started, salt = new_plan_id_for(alice.public)
    now = 1_760_000_000
    invite = create_invite(key, inviter=alice, role="supporter", access="read", now=now)
    results = run_node(
        [
            {"op": "plan_ids", "creator": public(alice), "salt": b64u_encode(salt), "plan_id": started},
            {"op": "admission_bind", "text": invite.to_text(), "plan_id": plan, "device_id": bob.device_id},
            {
                "op": "rotate",
                "plan_id": plan,
                "keys": [{"epoch": key.epoch, "secret": b64u_encode(key.secret)}],
                "remaining": [public(alice), public(bob)],
                "granter": private(alice),
                "epoch": 3,
            },
            {
                "op": "rotate",
                "plan_id": plan,
                "keys": [{"epoch": key.epoch, "secret": b64u_encode(key.secret)}],
                "remaining": [public(bob)],
                "granter": private(alice),
                "epoch": 1,
            },
        ]
    )
    assert results[0]["value"] == {"plan_id": started, "roster_id": roster_document_id(started, alice.device_id)}
    bind_key = invite_bind_key(invite)
    assert open_invite(invite.to_text(), now=now + 1).bind_key == bind_key
    assert results[1]["value"] == {
        "bind_key": b64u_encode(bind_key),
        "bind": admission_bind(bind_key, plan_id=plan, device_id=bob.device_id),
    }
    rotated = results[2]["value"]
    assert rotated["key"]["epoch"] == 3
    for device, document in zip((alice, bob), rotated["documents"], strict=True):
        grant = open_grant(document, plan_id=plan, device=device, trusted=devices_from([public(alice)]))
        assert (grant.key.epoch, b64u_encode(grant.key.secret), grant.granter) == (
            3,
            rotated["key"]["secret"],
            alice.device_id,
        )
    assert results[3] == {"ok": False, "error": "FormatError"}


def test_pin_locks_made_in_either_implementation_unlock_in_the_other() -> None:
    secret = bytes(range(64))
    blob = lock_secret(secret, "2468")
    results = run_node(
        [
            {"op": "unlock", "blob": blob, "pin": "2468"},
            {"op": "unlock", "blob": blob, "pin": "2469"},
            {"op": "lock", "secret": b64u_encode(secret), "pin": "ünïcode pass", "iterations": 600000},
        ]
    )
    assert results[0] == {"ok": True, "value": {"secret": b64u_encode(secret)}}
    assert results[1] == {"ok": False, "error": "DecryptionError"}
    assert unlock_secret(results[2]["value"]["blob"], "ünïcode pass") == secret


def test_key_from_vectors_helper_matches_the_plan_key_class() -> None:
    key = new_plan_key("p1")
    assert key_from("p1", {"epoch": key.epoch, "secret": b64u_encode(key.secret)}) == key
