"""Python and the JS implementation (in Node) open each other's output: envelopes, key wraps, invites, signatures."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from vector_support import devices_from, key_from

from alongside.crypto import (
    DeviceKeys,
    Keyring,
    b64u_encode,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_registration,
    lock_secret,
    new_document_id,
    new_plan_id,
    new_plan_key,
    open_grant,
    open_invite,
    open_item,
    plan_fingerprint,
    seal_item,
    sign_item,
    unlock_secret,
    verify_invite_registration,
    verify_item,
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


def test_envelopes_sealed_in_python_open_in_node_and_envelopes_sealed_in_node_open_in_python(world: Json) -> None:
    plan, alice, bob, key = world["plan"], world["alice"], world["bob"], world["key"]
    key_json = {"epoch": key.epoch, "secret": b64u_encode(key.secret)}
    devices = [public(alice), public(bob)]
    doc_id = new_document_id()
    sealed = seal_item(world["body"], plan_id=plan, doc_id=doc_id, key=key, author=alice)
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
            },
            {"op": "check_wire", "document": sealed},
        ]
    )
    assert results[0] == {
        "ok": True,
        "value": {"body": world["body"], "author": alice.device_id, "kid": key.kid, "deleted": False},
    }
    assert results[1]["value"]["deleted"] is True
    assert results[2] == {"ok": False, "error": "DecryptionError"}
    node_doc = results[3]["value"]["document"]
    opened = open_item(node_doc, plan_id=plan, keyring=Keyring(plan, [key]), devices=devices_from(devices))
    assert (opened.body, opened.author) == (world["body"], bob.device_id)
    assert results[4]["value"] == {"kind": "item", "kid": key.kid}


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
    signed = sign_item(world["body"], plan_id=plan, doc_id=doc_id, author=alice).to_json()
    claimed_by_bob = {**signed, "by": bob.device_id}
    results = run_node(
        [
            {"op": "verify", "plan_id": plan, "doc_id": doc_id, "signed": signed, "devices": devices},
            {"op": "verify", "plan_id": plan, "doc_id": doc_id, "signed": claimed_by_bob, "devices": devices},
            {"op": "sign", "plan_id": plan, "doc_id": doc_id, "body": world["body"], "author": private(bob)},
        ]
    )
    assert results[0] == {"ok": True, "value": {"valid": True}}
    assert results[1] == {"ok": False, "error": "SignatureError"}
    node_signed = results[2]["value"]["signed"]
    verify_item(
        SignedItem.from_json(node_signed), plan_id=plan, doc_id=doc_id, deleted=False, devices=devices_from(devices)
    )
    # Ed25519 is deterministic: both implementations produce the same signature bytes.
    assert node_signed == sign_item(world["body"], plan_id=plan, doc_id=doc_id, author=bob).to_json()


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
