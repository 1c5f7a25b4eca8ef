"""The JS crypto passes every vector in Debian's Chromium, and Chromium and Python open each other's envelopes
(version 2: n, prev and version hashes agree), key wraps, invites and field statements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from support.browser import page_over_repository

from alongside.crypto import (
    Keyring,
    b64u_encode,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    new_document_id,
    new_plan_id,
    new_plan_key,
    next_version,
    open_grant,
    open_invite,
    open_item,
    seal_item,
    sign_field,
    verify_field,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    """A Chromium page on the loopback origin (a secure context, so WebCrypto is available)."""
    with page_over_repository(120_000) as page:
        assert page.evaluate("() => window.isSecureContext && typeof crypto.subtle.importKey === 'function'")
        yield page


def run_tasks(page: Page, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run cross-implementation tasks with tests/pwa/roundtrip_tasks.mjs inside Chromium."""
    script = "async (tasks) => (await import('/tests/pwa/roundtrip_tasks.mjs')).runTasks(tasks)"
    results: list[dict[str, Any]] = page.evaluate(script, tasks)
    return results


def test_every_known_answer_vector_passes_in_chromium(page: Page) -> None:
    expected = sum(
        len(json.loads(path.read_text(encoding="utf-8"))[kind])
        for path in VECTORS.glob("*.json")
        for kind in ("generate", "verify", "invalid")
    )
    outcome = page.evaluate(
        """async () => {
            const checks = await import('/tests/pwa/vector_checks.mjs');
            return checks.runAll(async (name) => (await fetch('/tests/vectors/' + name)).json());
        }"""
    )
    assert outcome["failures"] == []
    assert outcome["passed"] == expected


def test_envelopes_sealed_in_chromium_open_in_python_and_the_reverse(page: Page) -> None:
    plan = new_plan_id()
    alice, bob = generate_device_keys(), generate_device_keys()
    key = new_plan_key(plan)
    keyring = Keyring(plan, [key])
    roster = {d.device_id: d.public for d in (alice, bob)}
    key_json = {"epoch": key.epoch, "secret": b64u_encode(key.secret)}
    devices = [{**d.public.to_json(), "device_id": d.device_id} for d in (alice, bob)]
    body = {"type": "step", "text": "Call the housing officer — اتصل", "owner": "person", "by_when": "2025-06-01"}
    doc_id = new_document_id()
    from_python = seal_item(body, plan_id=plan, doc_id=doc_id, key=key, author=alice)
    first = open_item(from_python, plan_id=plan, keyring=keyring, devices=roster)
    n, prev = next_version([first])
    bob_private = {"enc_private": b64u_encode(bob.encryption_private), "sig_private": b64u_encode(bob.signing_private)}
    at = 1_760_000_000_000
    sig = sign_field(plan_id=plan, doc_id=doc_id, name="text", value=body["text"], h=["f1"], at=at, author=alice)
    field = {"v": body["text"], "h": ["f1"], "at": at, "dev": alice.device_id, "sig": sig}
    results = run_tasks(
        page,
        [
            {"op": "open_item", "plan_id": plan, "keys": [key_json], "devices": devices, "document": from_python},
            {
                "op": "open_item",
                "plan_id": plan,
                "keys": [key_json],
                "devices": devices,
                "document": {**from_python, "_id": new_document_id()},
            },
            {
                "op": "seal_item",
                "plan_id": plan,
                "doc_id": doc_id,
                "key": key_json,
                "author": bob_private,
                "body": {**body, "text": "Call the housing officer on Monday"},
                "n": n,
                "prev": list(prev),
            },
            {
                "op": "verify_field",
                "plan_id": plan,
                "doc_id": doc_id,
                "name": "text",
                "field": field,
                "devices": devices,
            },
            {
                "op": "sign_field",
                "plan_id": plan,
                "doc_id": doc_id,
                "name": "text",
                "value": body["text"],
                "h": ["f1"],
                "at": at,
                "author": bob_private,
            },
        ],
    )
    assert results[0] == {
        "ok": True,
        "value": {
            "body": body,
            "author": alice.device_id,
            "kid": key.kid,
            "deleted": False,
            "version": 2,
            "n": 1,
            "prev": [],
            "vh": first.vh,
        },
    }
    assert results[1] == {"ok": False, "error": "DecryptionError"}
    from_chromium = results[2]["value"]["document"]
    opened = open_item(from_chromium, plan_id=plan, keyring=keyring, devices=roster)
    assert (opened.body["text"], opened.author, opened.version, opened.n, opened.prev) == (
        "Call the housing officer on Monday",
        bob.device_id,
        2,
        2,
        (first.vh,),
    )
    assert results[3] == {"ok": True, "value": {"valid": True}}
    chromium_field = {**field, "dev": bob.device_id, "sig": results[4]["value"]["sig"]}
    verify_field(plan_id=plan, doc_id=doc_id, name="text", field=chromium_field, devices=roster)


def test_key_wraps_and_invites_made_in_chromium_open_in_python_and_the_reverse(page: Page) -> None:
    plan = new_plan_id()
    alice, bob = generate_device_keys(), generate_device_keys()
    key = new_plan_key(plan)
    key_json = {"epoch": key.epoch, "secret": b64u_encode(key.secret)}
    trusted = [{**d.public.to_json(), "device_id": d.device_id} for d in (alice, bob)]
    alice_private = {
        "enc_private": b64u_encode(alice.encryption_private),
        "sig_private": b64u_encode(alice.signing_private),
    }
    bob_private = {"enc_private": b64u_encode(bob.encryption_private), "sig_private": b64u_encode(bob.signing_private)}
    grant = grant_plan_key(key, recipient=bob.public, granter=alice)
    invite = create_invite(key, inviter=alice, now=2_000_000_000)
    results = run_tasks(
        page,
        [
            {"op": "open_grant", "plan_id": plan, "device": bob_private, "trusted": trusted, "document": grant},
            {"op": "grant", "plan_id": plan, "key": key_json, "granter": bob_private, "recipient": trusted[0]},
            {"op": "open_invite", "text": invite.to_text(), "now": 2_000_000_001},
            {
                "op": "create_invite",
                "plan_id": plan,
                "key": key_json,
                "inviter": alice_private,
                "now": 2_000_000_000,
                "lifetime": 300,
            },
        ],
    )
    assert results[0]["value"]["secret"] == key_json["secret"]
    roster = {d.device_id: d.public for d in (alice, bob)}
    assert open_grant(results[1]["value"]["document"], plan_id=plan, device=alice, trusted=roster).key == key
    assert results[2]["value"]["kid"] == key.kid
    assert open_invite(results[3]["value"]["text"], now=2_000_000_299).plan_key == key
