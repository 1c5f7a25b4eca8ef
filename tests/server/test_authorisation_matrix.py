"""Who may do what: every route of the app, for every kind of caller → the expected status.

The table below is keyed by (method, path template) and must cover exactly the app's own route table
(``app.routes``), so a route added later without a rule here fails ``test_the_table_covers_every_route``.
Only the routes in ``NOT_IN_THE_MATRIX`` are left out, each with its reason. ``HEAD`` is answered by
every ``GET`` route and must give the ``GET`` row's status with an empty body.

The world is built once for the module, through the command line and the API only:

- ``alongside admin init`` and ``add-worker`` make an admin, workers and one-time codes;
- the admin's, the worker's, a second worker's ("non-member") and a leaving worker's devices enrol;
- the worker starts the plan; the person's phone joins with an owner invite; a supporter's phone
  joins read-only, another's with write access; a third supporter joins with write access and is then
  removed by the person;
- the leaving worker's device joins the plan with its token, then the admin switches the worker off.

Each cell sends a request that would succeed for a caller with enough rights (fresh ids, a fresh
invite, a fresh removable member, a document under a key that is never retired…), so the status
reflects authorisation, not bad input. Error bodies are checked too: ``{"error", "reason"}`` under
``/sync``, ``{"error", "detail"}`` under ``/api``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import BaseRoute, Route
from starlette.testclient import TestClient
from support.api import (
    Member,
    admin_cli,
    create_plan,
    enrol,
    join,
    join_pending,
    redemption,
    register_invite,
    registration,
)
from support.documents import item_doc

from alongside.crypto import PlanKey, b64u_encode, create_invite, generate_device_keys, new_document_id
from alongside.crypto.learning import LearningKey, new_learning_key, seal_facts, sign_learning_key
from alongside.server.app import create_app
from alongside.server.settings import Settings

CALLERS = (
    "anonymous",  # no Authorization header
    "wrong_token",  # a real device id with a wrong secret
    "revoked",  # a worker's device, once a member of the plan, after the admin switched the worker off
    "non_member",  # a worker of the same organisation who is not a member of the plan
    "removed",  # a supporter (write access) whom the person removed from the plan
    "supporter",  # a supporter with read-only access
    "writer",  # a supporter with write access
    "worker",  # the worker who started the plan
    "owner",  # the person the plan is about
    "admin",  # the organisation's admin: not a member of the plan
)

# The members who keep replication checkpoints in the plan (``_local``, one namespace per device).
CHECKPOINT_KEEPERS = ("supporter", "writer", "worker", "owner")

# Routes with no place in the matrix, and why.
NOT_IN_THE_MATRIX = {
    "/healthz": "liveness probe for load balancers: public, says nothing but 'ok' and the backend name",
    "/api/v1/openapi.json": "the public description of the API",
    # The web app's pages (server/pages.py): public, the same for everyone, never plan content.
    "/": "the app's HTML shell",
    "/join": "the app's HTML shell (the invite travels in the URL fragment, never sent to the server)",
    "/assets/{path:path}": "the app's built, hashed assets",
    "/sw.js": "the service worker",
    "/manifest.webmanifest": "the web app manifest",
    "/manifest-neutral.webmanifest": "the web app manifest under the neutral name and icon",
    "/favicon.ico": "the icon",
}


# -- the world -------------------------------------------------------------------------------------------


@dataclass
class World:
    client: TestClient
    plan: str
    key: PlanKey
    side_key: PlanKey  # a second plan of the worker's, for invite redemptions (so they cannot change the matrix)
    members: dict[str, Member]
    leaver: str  # a worker account (never enrolled) for the admin to switch off
    codes: Iterator[str]  # unused one-time enrolment codes
    seed_doc: str
    learning: tuple[str, LearningKey] | None = None  # the organisation and its learning key, once published

    @property
    def worker(self) -> Member:
        return self.members["worker"]

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        if caller == "wrong_token":
            return {"Authorization": f"Bearer {self.worker.device_id}.{secrets.token_urlsafe(32)}"}
        return self.members[caller].auth

    def fresh_supporter(self) -> Member:
        """A new supporter's phone joins the plan (read-only), to be removed by the caller."""
        return join(self.client, register_invite(self.client, self.worker, self.key))

    def seeded_document(self) -> tuple[str, str]:
        """A new item written by the worker: (id, rev)."""
        doc_id = new_document_id()
        response = self.client.put(f"/sync/{self.plan}/{doc_id}", json=item_doc(doc_id, 64), headers=self.worker.auth)
        assert response.status_code == 201, response.text
        return doc_id, response.json()["rev"]

    def seeded_local(self, caller: str) -> tuple[str, str]:
        """A new replication checkpoint of the caller's own (each device has its own ``_local`` namespace), or of
        the worker's for a caller who cannot write one: (name, rev)."""
        name = f"checkpoint-{secrets.token_hex(8)}"
        writer = self.members[caller] if caller in CHECKPOINT_KEEPERS else self.worker
        response = self.client.put(f"/sync/{self.plan}/_local/{name}", json={"seq": 1}, headers=writer.auth)
        assert response.status_code == 201, response.text
        return name, response.json()["rev"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("matrix")
    admin_code = admin_cli(data, "init", "--org", "Riverside Family Support", "--name", "Admin")["code"]
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    outsider_code = admin_cli(data, "add-worker", "--name", "Bea")["code"]
    leaving_code = admin_cli(data, "add-worker", "--name", "Cal")["code"]
    leaver = admin_cli(data, "add-worker", "--name", "Dee")["account"]
    codes = [admin_cli(data, "add-worker", "--name", f"New {i}")["code"] for i in range(len(CALLERS))]

    with TestClient(create_app(Settings(data_dir=data)), client=("10.0.0.1", 1234)) as client:
        admin = enrol(client, admin_code)
        worker = enrol(client, worker_code)
        outsider = enrol(client, outsider_code)
        leaving = enrol(client, leaving_code)
        plan, key = create_plan(client, worker)
        _, side_key = create_plan(client, worker)

        owner = join(client, register_invite(client, worker, key, role="owner"))
        supporter = join(client, register_invite(client, worker, key, access="read"))
        writer = join(client, register_invite(client, worker, key, access="write"))
        removed = join(client, register_invite(client, worker, key, access="write"))
        gone = client.delete(f"/api/v1/plans/{plan}/members/{removed.account}", headers=owner.auth)
        assert gone.status_code == 200, gone.text

        # The leaving worker's existing device joins the plan with its token, then is switched off.
        invite = register_invite(client, worker, key, access="write")
        url = f"/api/v1/invites/{invite.invite_id_hex}/redeem"
        joined = client.post(url, json=redemption(invite, leaving.keys), headers=leaving.auth)
        assert joined.status_code == 201 and joined.json()["account"] == leaving.account, joined.text
        switched_off = client.post(f"/api/v1/workers/{leaving.account}/revoke", headers=admin.auth)
        assert switched_off.status_code == 200 and switched_off.json()["revoked_devices"] == [leaving.device_id]

        seed_doc = new_document_id()
        seeded = client.put(f"/sync/{plan}/{seed_doc}", json=item_doc(seed_doc, 64), headers=worker.auth)
        assert seeded.status_code == 201, seeded.text
        for keeper in (supporter, writer, worker, owner):  # CHECKPOINT_KEEPERS: each device reads its own
            seeded = client.put(f"/sync/{plan}/_local/seed", json={"seq": 1}, headers=keeper.auth)
            assert seeded.status_code == 201, seeded.text

        members = {
            "revoked": leaving,
            "non_member": outsider,
            "removed": removed,
            "supporter": supporter,
            "writer": writer,
            "worker": worker,
            "owner": owner,
            "admin": admin,
        }
        yield World(client, plan, key, side_key, members, leaver, iter(codes), seed_doc)


# -- requests, one valid request per route -------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    json: Any = None


Build = Callable[[World, str], Call]


def api_get(path: str) -> Build:
    def build(world: World, caller: str) -> Call:
        return Call("GET", "/api/v1" + path.format(plan=world.plan))

    return build


def sync(method: str, path: str, body: Callable[[World], Any] | None = None) -> Build:
    def build(world: World, caller: str) -> Call:
        return Call(method, f"/sync/{world.plan}/" + path.format(seed=world.seed_doc), body(world) if body else None)

    return build


def enrol_call(world: World, caller: str) -> Call:
    keys = generate_device_keys()
    return Call("POST", "/api/v1/enrol", {"code": next(world.codes), "public_keys": keys.public.to_json()})


def create_plan_call(world: World, caller: str) -> Call:
    return Call("POST", "/api/v1/plans")


def invite_call(world: World, caller: str) -> Call:
    invite = create_invite(world.key, inviter=world.worker.keys)
    return Call("POST", f"/api/v1/plans/{world.plan}/invites", registration(invite))


def redeem_call(world: World, caller: str) -> Call:
    invite = register_invite(world.client, world.worker, world.side_key)
    return Call("POST", f"/api/v1/invites/{invite.invite_id_hex}/redeem", redemption(invite, generate_device_keys()))


def join_code_body(world: World) -> dict[str, Any]:
    """A join code's box for a fresh invite (the server cannot tell a box from random bytes)."""
    invite = create_invite(world.key, inviter=world.worker.keys)
    box = b64u_encode(secrets.token_bytes(300))
    return {"plan_id": world.plan, "invite_id": invite.invite_id_hex, "box": box, "expires_at": invite.expires_at}


def put_join_code_call(world: World, caller: str) -> Call:
    return Call("PUT", f"/api/v1/join-codes/{secrets.token_hex(16)}", join_code_body(world))


def open_join_code_call(world: World, caller: str) -> Call:
    lookup = secrets.token_hex(16)
    url = f"/api/v1/join-codes/{lookup}"
    stored = world.client.put(url, json=join_code_body(world), headers=world.worker.auth)
    assert stored.status_code == 201, stored.text
    return Call("POST", f"{url}/open")


def approve_call(world: World, caller: str) -> Call:
    waiting = join_pending(world.client, world.worker, world.plan).member
    return Call("POST", f"/api/v1/plans/{world.plan}/members/{waiting.account}/approve", {"in_person": True})


def decline_call(world: World, caller: str) -> Call:
    waiting = join_pending(world.client, world.worker, world.plan).member
    return Call("POST", f"/api/v1/plans/{world.plan}/members/{waiting.account}/decline", {"in_person": True})


def handover_call(world: World, caller: str) -> Call:
    return Call("POST", f"/api/v1/plans/{world.plan}/handovers", {"invite_id": secrets.token_hex(16)})


def settings_call(world: World, caller: str) -> Call:
    return Call("PUT", f"/api/v1/plans/{world.plan}/settings", {"supporters_may_invite": False})


def remove_member_call(world: World, caller: str) -> Call:
    return Call("DELETE", f"/api/v1/plans/{world.plan}/members/{world.fresh_supporter().account}")


def remove_device_call(world: World, caller: str) -> Call:
    return Call("DELETE", f"/api/v1/plans/{world.plan}/devices/{world.fresh_supporter().device_id}")


def revoke_call(world: World, caller: str) -> Call:
    return Call("POST", f"/api/v1/workers/{world.leaver}/revoke")


def admin_handover_call(world: World, caller: str) -> Call:
    # The worker's second plan, to the worker who is not a member here: the main plan is untouched.
    body = {"to_account": world.members["non_member"].account, "plan_id": world.side_key.plan_id}
    return Call("POST", f"/api/v1/workers/{world.worker.account}/handovers", body)


ACTIVITY = {"name": "Walking group", "when": "Tuesdays 10:00", "days": ["tu"], "free": True, "tags": ["walking"]}


def put_activity_call(world: World, caller: str) -> Call:
    return Call("PUT", f"/api/v1/activities/walk-{secrets.token_hex(4)}", ACTIVITY)


def delete_activity_call(world: World, caller: str) -> Call:
    activity_id = f"walk-{secrets.token_hex(4)}"
    saved = world.client.put(f"/api/v1/activities/{activity_id}", json=ACTIVITY, headers=world.members["admin"].auth)
    assert saved.status_code == 201, saved.text
    return Call("DELETE", f"/api/v1/activities/{activity_id}")


def learning_key(world: World) -> tuple[str, LearningKey]:
    """The organisation's learning key, published by the admin's device the first time a cell needs it."""
    if world.learning is None:
        admin = world.members["admin"]
        org = world.client.get("/api/v1/me", headers=admin.auth).json()["org"]
        key = new_learning_key()
        document = sign_learning_key(org=org, pub=key.pub, kid=key.kid, device_keys=admin.keys)
        published = world.client.put("/api/v1/learning/key", json=document, headers=admin.auth)
        assert published.status_code == 200, published.text
        world.learning = (org, key)
    return world.learning


def get_learning_key_call(world: World, caller: str) -> Call:
    learning_key(world)
    if caller == "removed":  # the redeem row may have made it a member of the second plan: make sure, either way
        removed = world.members["removed"]
        plans = world.client.get("/api/v1/plans", headers=removed.auth).json()["plans"]
        if world.side_key.plan_id not in {plan["plan_id"] for plan in plans}:
            invite = register_invite(world.client, world.worker, world.side_key)
            url = f"/api/v1/invites/{invite.invite_id_hex}/redeem"
            joined = world.client.post(url, json=redemption(invite, removed.keys), headers=removed.auth)
            assert joined.status_code == 201, joined.text
    return Call("GET", "/api/v1/learning/key")


def put_learning_key_call(world: World, caller: str) -> Call:
    org, key = learning_key(world)
    signer = world.members.get(caller, world.worker).keys  # each caller publishes a document it signed itself
    return Call("PUT", "/api/v1/learning/key", sign_learning_key(org=org, pub=key.pub, kid=key.kid, device_keys=signer))


def learning_facts(world: World) -> tuple[str, dict[str, Any]]:
    """A fresh fact set id and its body, sealed to the organisation's learning key."""
    _, key = learning_key(world)
    facts = {"v": 1, "activities": [], "scales": ["same"]}
    return secrets.token_hex(16), {
        "sealed": seal_facts(facts, pub=key.pub, kid=key.kid),
        "proof": b64u_encode(secrets.token_bytes(32)),
    }


def put_facts_call(world: World, caller: str) -> Call:
    set_id, body = learning_facts(world)
    return Call("PUT", f"/api/v1/learning/facts/{set_id}", body)


def delete_facts_call(world: World, caller: str) -> Call:
    set_id, body = learning_facts(world)
    stored = world.client.put(f"/api/v1/learning/facts/{set_id}", json=body)
    assert stored.status_code == 201, stored.text
    return Call("DELETE", f"/api/v1/learning/facts/{set_id}", {"proof": body["proof"]})


def list_facts_call(world: World, caller: str) -> Call:
    learning_key(world)
    return Call("GET", "/api/v1/learning/facts")


def rotation_call(world: World, caller: str) -> Call:
    recorded = world.client.get(f"/api/v1/plans/{world.plan}/keys", headers=world.worker.auth).json()["current"]
    body = {"epoch": (recorded["epoch"] if recorded else 1) + 1, "kid": secrets.token_hex(8)}
    return Call("POST", f"/api/v1/plans/{world.plan}/rotations", body)


def put_document_call(world: World, caller: str) -> Call:
    doc_id = new_document_id()
    return Call("PUT", f"/sync/{world.plan}/{doc_id}", item_doc(doc_id, 64))


def delete_document_call(world: World, caller: str) -> Call:
    doc_id, rev = world.seeded_document()
    return Call("DELETE", f"/sync/{world.plan}/{doc_id}?rev={rev}")


def put_local_call(world: World, caller: str) -> Call:
    return Call("PUT", f"/sync/{world.plan}/_local/checkpoint-{secrets.token_hex(8)}", {"seq": 2})


def delete_local_call(world: World, caller: str) -> Call:
    name, rev = world.seeded_local(caller)
    return Call("DELETE", f"/sync/{world.plan}/_local/{name}?rev={rev}")


# -- the table -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    statuses: tuple[int, ...]  # in the order of CALLERS
    build: Build
    why: str
    refused: tuple[str, ...] = ()  # callers whose 201 from _bulk_docs refuses each document with forbidden


# Documents the matrix writes use support.documents.TEST_KID, a key id no rotation in this module records,
# so the retired-key rule never decides a cell.
TABLE: dict[tuple[str, str], Rule] = {
    # Statuses in the order of CALLERS:
    # (anonymous, wrong_token, revoked, non_member, removed, supporter, writer, worker, owner, admin)
    ("POST", "/api/v1/enrol"): Rule(
        (201, 201, 201, 201, 201, 201, 201, 201, 201, 201),
        enrol_call,
        "The one-time code is the credential; any Authorization header is ignored. Each cell uses a fresh code.",
    ),
    ("GET", "/api/v1/me"): Rule(
        (401, 401, 401, 200, 200, 200, 200, 200, 200, 200), api_get("/me"), "Any enrolled, active device."
    ),
    ("GET", "/api/v1/plans"): Rule(
        (401, 401, 401, 200, 200, 200, 200, 200, 200, 200),
        api_get("/plans"),
        "Any enrolled, active device (it sees only its own plans).",
    ),
    ("POST", "/api/v1/plans"): Rule(
        (401, 401, 401, 201, 403, 403, 403, 201, 403, 201),
        create_plan_call,
        "Workers and admins start plans; people and supporters do not (non_member is a worker).",
    ),
    ("POST", "/api/v1/plans/{plan_id}/invites"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 201, 201, 403),
        invite_call,
        "Only the person's and the worker's devices invite (docs/crypto.md §11): a supporter, even with write "
        "access, gets 403 while the person has not let supporters invite (the plan's setting is off here; "
        "tests/server/test_member_consent.py covers it on). Each cell registers a fresh invite.",
    ),
    ("POST", "/api/v1/invites/{invite_id}/redeem"): Rule(
        (201, 401, 401, 201, 201, 201, 201, 201, 201, 201),
        redeem_call,
        "The invite's one-time token is the credential. An Authorization header is optional; when sent it must "
        "be a valid device's, which then joins with its own account. Each cell redeems a fresh supporter invite "
        "to the worker's second plan, so joining changes nothing else in the matrix.",
    ),
    ("PUT", "/api/v1/join-codes/{lookup}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 201, 201, 403),
        put_join_code_call,
        "Whoever may register the invite puts its join code's box (the same check). Each cell a fresh lookup id.",
    ),
    ("POST", "/api/v1/join-codes/{lookup}/open"): Rule(
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
        open_join_code_call,
        "Anyone: the code is the credential (a lookup that finds nothing counts as a failed attempt). Any "
        "Authorization header is ignored. Each cell opens a box the worker put just before.",
    ),
    ("GET", "/api/v1/plans/{plan_id}/members"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        api_get("/plans/{plan}/members"),
        "Members of the plan, read-only included; admins are not members.",
    ),
    ("POST", "/api/v1/plans/{plan_id}/members/{account}/approve"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 200, 200, 403),
        approve_call,
        "Target: a member the worker invited with a pending invite just before the cell. The person's devices say "
        "yes; the worker's only with `in_person` (sent in every cell); supporters never (docs/crypto.md §11.6).",
    ),
    ("POST", "/api/v1/plans/{plan_id}/members/{account}/decline"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 200, 200, 403),
        decline_call,
        "As approving: a fresh pending member per cell; the person's devices, or the worker's with `in_person`.",
    ),
    ("POST", "/api/v1/plans/{plan_id}/handovers"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 201, 403, 403),
        handover_call,
        "Only the worker's devices (write access) hand the plan over to a colleague; not the person, supporters or "
        "admins (docs/api.md §9). Each cell records a fresh invite id.",
    ),
    ("GET", "/api/v1/plans/{plan_id}/handovers"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        api_get("/plans/{plan}/handovers"),
        "Members of the plan, read-only included: who handed the plan over to whom.",
    ),
    ("GET", "/api/v1/plans/{plan_id}/settings"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        api_get("/plans/{plan}/settings"),
        "Members of the plan, read-only included (a supporter's device shows whether they may invite).",
    ),
    ("PUT", "/api/v1/plans/{plan_id}/settings"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 200, 403),
        settings_call,
        "Only the person's own devices: whether people they trust may invite is the person's choice. Every cell "
        "sends the setting's current value (off), so the invite row is unchanged.",
    ),
    ("DELETE", "/api/v1/plans/{plan_id}/members/{account}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 200, 200, 403),
        remove_member_call,
        "Target: a supporter who joined just before the cell. The owner removes anyone and a worker removes "
        "supporters; another supporter may not (leaving oneself and the owner's protection are tested below).",
    ),
    ("DELETE", "/api/v1/plans/{plan_id}/devices/{device_id}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 200, 403),
        remove_device_call,
        "Target: the device of a supporter who joined just before the cell. Only the owner removes other "
        "people's devices (a device of one's own account is tested below).",
    ),
    ("POST", "/api/v1/workers/{account}/revoke"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 200),
        revoke_call,
        "Target: a worker of the admin's organisation. Only admins; switching off twice is still 200.",
    ),
    ("POST", "/api/v1/workers/{account}/handovers"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 201),
        admin_handover_call,
        "Only admins ask for a worker's plans to be handed to a colleague (docs/api.md §9). Target: the worker's "
        "second plan, so the main plan is unchanged; the admin's cell is the first request for it (201).",
    ),
    ("GET", "/api/v1/activities"): Rule(
        (401, 401, 401, 200, 403, 403, 403, 200, 403, 200),
        api_get("/activities"),
        "The organisation's signed activities directory (docs/api.md §16): its workers' and admins' devices "
        "(non_member is a worker); people and supporters are nobody's organisation.",
    ),
    ("GET", "/api/v1/activities/export"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 200),
        api_get("/activities/export"),
        "Only admins export the directory.",
    ),
    ("PUT", "/api/v1/activities/{activity_id}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 201),
        put_activity_call,
        "Only admins change the directory. Each cell adds a fresh activity.",
    ),
    ("DELETE", "/api/v1/activities/{activity_id}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 200),
        delete_activity_call,
        "Only admins change the directory. Target: an activity the admin added just before the cell.",
    ),
    ("GET", "/api/v1/learning/key"): Rule(
        (401, 401, 401, 200, 200, 200, 200, 200, 200, 200),
        get_learning_key_call,
        "The organisation's learning key (docs/api.md §17): its workers' and admins' devices, and the devices in its "
        "plans (the person's, supporters'), which seal facts to it. The removed supporter is still a supporter in "
        "the worker's second plan (joined there before the cell), so it is in one of the organisation's plans.",
    ),
    ("PUT", "/api/v1/learning/key"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 200),
        put_learning_key_call,
        "Only admins' devices publish the learning key. Each cell sends the same key, signed by the calling device.",
    ),
    ("PUT", "/api/v1/learning/facts/{set}"): Rule(
        (201, 400, 400, 400, 400, 400, 400, 400, 400, 400),
        put_facts_call,
        "Anyone, but only WITHOUT a device token (docs/security.md, 'Learning without control'): a request carrying "
        "an Authorization header is refused before anything else, so no fact set is ever tied to a device. Each "
        "cell a fresh set.",
    ),
    ("DELETE", "/api/v1/learning/facts/{set}"): Rule(
        (200, 400, 400, 400, 400, 400, 400, 400, 400, 400),
        delete_facts_call,
        "As storing: the set's proof is the credential, and a device token is refused. Target: a set stored (with no "
        "token) just before the cell.",
    ),
    ("GET", "/api/v1/learning/facts"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 200),
        list_facts_call,
        "Only admins' devices fetch the sealed fact sets (only they hold the key that opens them).",
    ),
    ("GET", "/api/v1/plans/{plan_id}/keys"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        api_get("/plans/{plan}/keys"),
        "Members of the plan, read-only included.",
    ),
    ("POST", "/api/v1/plans/{plan_id}/rotations"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 201, 201, 403),
        rotation_call,
        "Only the person's and the worker's devices rotate (docs/crypto.md §10.2): a supporter, even with write "
        "access, gets 403. Each cell records the next epoch (the recorded one plus one) and a fresh key id.",
    ),
    ("GET", "/sync/{plan_id}/"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403), sync("GET", ""), "Reading: members."
    ),
    ("PUT", "/sync/{plan_id}/"): Rule(
        (401, 401, 401, 403, 403, 412, 412, 412, 412, 403),
        sync("PUT", ""),
        "PouchDB's 'create the database' step: members get CouchDB's 'already exists' (412), others nothing.",
    ),
    ("GET", "/sync/{plan_id}/_changes"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403), sync("GET", "_changes?since=0"), "Reading: members."
    ),
    ("POST", "/sync/{plan_id}/_changes"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("POST", "_changes?filter=_doc_ids", lambda w: {"doc_ids": [w.seed_doc]}),
        "Reading: members.",
    ),
    ("POST", "/sync/{plan_id}/_revs_diff"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("POST", "_revs_diff", lambda w: {w.seed_doc: ["1-" + "a" * 32]}),
        "Reading: members (asks which revisions the server lacks).",
    ),
    ("POST", "/sync/{plan_id}/_bulk_get"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("POST", "_bulk_get?revs=true", lambda w: {"docs": [{"id": w.seed_doc}]}),
        "Reading: members.",
    ),
    ("POST", "/sync/{plan_id}/_bulk_docs"): Rule(
        (401, 401, 401, 403, 403, 201, 201, 201, 201, 403),
        sync("POST", "_bulk_docs", lambda w: {"docs": [item_doc(new_document_id(), 64)]}),
        "Members may send documents; the write rules (docs/crypto.md §14.3) judge each one: a read-only member "
        "may write only its own roster entry and its own key, so its new item is refused on its own with "
        "forbidden in a 201 answer (as CouchDB answers documents its validation refuses).",
        refused=("supporter",),
    ),
    ("GET", "/sync/{plan_id}/_all_docs"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("GET", "_all_docs?include_docs=true"),
        "Reading: members.",
    ),
    ("POST", "/sync/{plan_id}/_all_docs"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("POST", "_all_docs", lambda w: {"keys": [w.seed_doc]}),
        "Reading: members.",
    ),
    ("GET", "/sync/{plan_id}/_local/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        sync("GET", "_local/seed"),
        "Members, each their own device's checkpoint (every keeper wrote its own `seed`).",
    ),
    ("PUT", "/sync/{plan_id}/_local/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 201, 201, 201, 201, 403),
        put_local_call,
        "Replication checkpoints are not plan content: every member, read-only included, keeps its own "
        "(PouchDB writes checkpoints on both sides of a pull).",
    ),
    ("DELETE", "/sync/{plan_id}/_local/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403),
        delete_local_call,
        "As PUT _local. Target: a checkpoint the caller's device (else the worker's) wrote just before the cell.",
    ),
    ("GET", "/sync/{plan_id}/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 200, 200, 200, 200, 403), sync("GET", "{seed}?revs=true"), "Reading: members."
    ),
    ("PUT", "/sync/{plan_id}/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 403, 201, 201, 201, 403),
        put_document_call,
        "Writing: members with write access (a read-only member only its own roster entry, docs/crypto.md "
        "§14.3). Each cell writes a new document.",
    ),
    ("DELETE", "/sync/{plan_id}/{doc_id:path}"): Rule(
        (401, 401, 401, 403, 403, 403, 403, 403, 403, 403),
        delete_document_call,
        "Nobody: DELETE writes a bare tombstone, which carries no signature, and the server refuses every bare "
        "tombstone (docs/crypto.md §14.3); deletions are signed deletion envelopes, written with PUT or "
        "_bulk_docs. Target: a document the worker wrote just before the cell.",
    ),
}


# -- the tests -------------------------------------------------------------------------------------------


def _route_path(route: BaseRoute) -> str:
    path = getattr(route, "path", None)
    assert isinstance(path, str), f"route {route!r} has no path"
    return path


def app_routes() -> dict[tuple[str, str], bool]:
    """(method, path) of every route the app serves, except NOT_IN_THE_MATRIX → whether it is a HEAD of a GET."""
    app = create_app(Settings(data_dir=Path("unused")))  # routes only: storage opens in the lifespan
    found: dict[tuple[str, str], bool] = {}
    for route in app.routes:
        path = _route_path(route)
        if path in NOT_IN_THE_MATRIX:
            continue
        assert isinstance(route, Route), f"{path}: only plain routes are expected here; add a rule for {route!r}"
        methods = route.methods or set()
        for method in methods:
            found[(method, path)] = method == "HEAD" and "GET" in methods
    return found


def test_the_table_covers_every_route() -> None:
    routes = app_routes()
    assert not [key for key, head in routes.items() if key[0] == "HEAD" and not head], "HEAD without GET"
    served = {key for key, head in routes.items() if not head}
    assert served - TABLE.keys() == set(), "routes without a rule in TABLE"
    assert TABLE.keys() - served == set(), "rules for routes the app does not serve"
    assert all(len(rule.statuses) == len(CALLERS) for rule in TABLE.values())
    assert {path for path in NOT_IN_THE_MATRIX} <= {_route_path(r) for r in create_app(Settings()).routes}


CELLS = [
    pytest.param(method, path, caller, id=f"{method} {path} as {caller}")
    for method, path in TABLE
    for caller in CALLERS
]
HEAD_CELLS = [
    pytest.param(path, caller, id=f"HEAD {path} as {caller}")
    for (method, path), head in app_routes().items()
    if head
    for caller in CALLERS
]


def _assert_error_shape(path: str, response: Any) -> None:
    body = response.json()
    detail = "reason" if path.startswith("/sync/") else "detail"
    assert set(body) == {"error", detail}, body
    assert isinstance(body["error"], str) and isinstance(body[detail], str) and body[detail], body
    expected_error = {401: "unauthorized", 403: "forbidden", 404: "not_found", 412: "file_exists"}
    if response.status_code in expected_error:
        assert body["error"] == expected_error[response.status_code], body
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "caller"), CELLS)
def test_cell(world: World, method: str, path: str, caller: str) -> None:
    rule = TABLE[(method, path)]
    expected = rule.statuses[CALLERS.index(caller)]
    call = rule.build(world, caller)
    assert call.method == method
    response = world.client.request(call.method, call.path, json=call.json, headers=world.headers(caller))
    assert response.status_code == expected, f"{rule.why}\n{response.text}"
    if expected >= 400:
        _assert_error_shape(path, response)
    else:
        assert isinstance(response.json(), dict | list)
    if method == "POST" and path.endswith("/_bulk_docs") and expected == 201:
        rows = response.json()
        if caller in rule.refused:
            assert [(row["error"], bool(row["reason"])) for row in rows] == [("forbidden", True)], rows
        else:
            assert [row.get("ok") for row in rows] == [True], rows


@pytest.mark.parametrize(("path", "caller"), HEAD_CELLS)
def test_head_answers_as_get(world: World, path: str, caller: str) -> None:
    rule = TABLE[("GET", path)]
    call = rule.build(world, caller)
    response = world.client.head(call.path, headers=world.headers(caller))
    assert response.status_code == rule.statuses[CALLERS.index(caller)], response.text
    assert response.content == b""


# -- rules that depend on the target -----------------------------------------------------------------------


def test_removal_rules_that_depend_on_the_target(world: World) -> None:
    client, plan = world.client, world.plan
    owner, worker, supporter = world.members["owner"], world.members["worker"], world.members["supporter"]

    def remove(caller: Member, account: str) -> Any:
        return client.delete(f"/api/v1/plans/{plan}/members/{account}", headers=caller.auth)

    # Nobody removes the person from their own plan; a worker may not remove another worker-level member.
    assert remove(worker, owner.account).status_code == 403
    assert remove(supporter, owner.account).status_code == 403
    assert remove(supporter, worker.account).status_code == 403
    # An account that is not a member is not found (and a malformed one too).
    assert remove(owner, world.members["non_member"].account).status_code == 404
    assert remove(owner, "not-an-account").status_code == 404

    # Anyone may leave: a supporter with read-only access leaves, and is refused at once.
    leaving = world.fresh_supporter()
    assert client.get(f"/sync/{plan}/_changes", headers=leaving.auth).status_code == 200
    assert remove(leaving, leaving.account).status_code == 200
    assert client.get(f"/sync/{plan}/_changes", headers=leaving.auth).status_code == 403
    assert client.get(f"/api/v1/plans/{plan}/members", headers=leaving.auth).status_code == 403
    listed = client.get(f"/api/v1/plans/{plan}/members", headers=owner.auth).json()["members"]
    assert leaving.account not in {m["account"] for m in listed}

    # A device of one's own account may be taken off the plan by its own account.
    mine = world.fresh_supporter()
    response = client.delete(f"/api/v1/plans/{plan}/devices/{mine.device_id}", headers=mine.auth)
    assert response.status_code == 200, response.text
    assert client.get(f"/sync/{plan}/", headers=mine.auth).status_code == 403
    # The device is not a member of the plan's devices any more: listed, but not active.
    listed = client.get(f"/api/v1/plans/{plan}/members", headers=owner.auth).json()["members"]
    [entry] = [m for m in listed if m["account"] == mine.account]
    assert [d["active"] for d in entry["devices"]] == [False]


def test_unknown_plans_are_not_found_for_members_and_outsiders(world: World) -> None:
    unknown = "f" * 32
    for caller in ("worker", "non_member", "admin"):
        for path in (f"/api/v1/plans/{unknown}/members", f"/api/v1/plans/{unknown}/keys"):
            response = world.client.get(path, headers=world.headers(caller))
            assert response.status_code == 404, response.text
            _assert_error_shape(path, response)
        response = world.client.get(f"/sync/{unknown}/_changes", headers=world.headers(caller))
        assert response.status_code == 404
        _assert_error_shape("/sync/", response)


def test_revoking_is_limited_to_workers_of_the_admins_organisation(world: World) -> None:
    admin = world.members["admin"]
    for account in (world.members["owner"].account, world.members["supporter"].account, "0" * 32, "nope"):
        response = world.client.post(f"/api/v1/workers/{account}/revoke", headers=admin.auth)
        assert response.status_code == 404, response.text
