"""Enrolment and joining on one bar of signal (docs/api.md §4, §7), on both storage backends.

Through the flaky proxy (tests/support/flaky_proxy.py), in front of a real ``alongside serve``: a request cut
short, an answer cut short, and an answer lost after the server committed. The same device keys sent again
get the same result (the same device, account and membership; a new device another token, and every token
given before the device first uses one stays good until it does); another device's keys are refused as
before; and once the device has used a token, nobody can get another one with the code and its public keys.
In-process, with a crash injected between the directory writes: a failure after the claim does not burn
the code or invite for those keys; the repeat finishes what is missing.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from support.api import assert_api_error
from support.flaky_proxy import Fault, FlakyProxy, route_of
from support.processes import PouchDBServer
from support.server_plan import Organisation

from alongside.crypto import (
    DeviceKeys,
    Invite,
    create_invite,
    generate_device_keys,
    invite_auth_token,
    invite_registration,
    new_plan_key,
)
from alongside.server.app import create_app
from alongside.server.cli import main as alongside_cli
from alongside.server.directory import Directory
from alongside.server.settings import Settings
from alongside.sync.store import Json

ENROL = route_of("POST", "/api/v1/enrol")
REDEEM = route_of("POST", f"/api/v1/invites/{'0' * 32}/redeem")
CUT_SHORT = (Fault.DROP_REQUEST, Fault.TRUNCATE_ANSWER, Fault.LOSE_ANSWER)


@pytest.fixture
def proxy(organisation: Organisation) -> Iterator[FlakyProxy]:
    with FlakyProxy(organisation.server.url, seed=14).running() as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def enrolment(code: str, keys: DeviceKeys, **extra: Any) -> dict[str, Any]:
    return {"code": code, "public_keys": keys.public.to_json(), **extra}


def redemption(invite: Invite, keys: DeviceKeys, *, signed: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"auth_token": invite_auth_token(invite), "public_keys": keys.public.to_json()}
    if signed:
        body["registration"] = invite_registration(invite)
    return body


def cut_short(proxy: FlakyProxy, route: str, fault: Fault, path: str, body: dict[str, Any], **kw: Any) -> None:
    """Send ``body`` with ``fault`` on the way: the client gets no whole answer."""
    proxy.script(route, [fault])
    with pytest.raises(httpx.TransportError):
        httpx.post(proxy.url + path, json=body, **kw)
    assert proxy.seen(route)[-1].fault is fault


def lost_answer(proxy: FlakyProxy, route: str) -> Json:
    """The answer the server sent to the last request of ``route`` and the client never got."""
    exchange = proxy.seen(route)[-1]
    assert exchange.fault is Fault.LOSE_ANSWER and exchange.answer is not None
    lost: Json = httpx.Response(exchange.status or 0, content=exchange.answer).json()
    assert exchange.status == 201, lost
    return lost


def members_of(organisation: Organisation, plan_id: str) -> list[Json]:
    response = organisation.worker.client.get(f"/api/v1/plans/{plan_id}/members")
    assert response.status_code == 200, response.text
    members: list[Json] = response.json()["members"]
    return members


@pytest.mark.parametrize("fault", CUT_SHORT)
def test_an_enrolment_cut_short_goes_through_when_the_same_keys_send_it_again(
    organisation: Organisation, proxy: FlakyProxy, fault: Fault
) -> None:
    code = organisation.server.admin("add-worker", "--name", "Bea", "--json")["code"]
    keys = generate_device_keys()
    cut_short(proxy, ENROL, fault, "/api/v1/enrol", enrolment(code, keys))
    # Whether or not the server acted, the same keys and code are answered as the first time would have been.
    again = httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, keys))
    assert again.status_code == 201, again.text
    assert again.json()["device_id"] == keys.device_id and again.json()["kind"] == "worker"
    me = httpx.get(proxy.url + "/api/v1/me", headers=bearer(again.json()["token"]))
    assert me.status_code == 200 and me.json()["device_id"] == keys.device_id
    # The code is this device's now: anyone else's keys are refused.
    other = httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, generate_device_keys()))
    assert_api_error(other, 403, "forbidden")


def test_an_enrolment_answer_lost_after_the_server_committed_gives_the_same_device_again_and_only_until_used(
    organisation: Organisation, proxy: FlakyProxy
) -> None:
    code = organisation.server.admin("add-worker", "--name", "Cai", "--json")["code"]
    keys = generate_device_keys()
    cut_short(proxy, ENROL, Fault.LOSE_ANSWER, "/api/v1/enrol", enrolment(code, keys, label="Cai's tablet"))
    first = lost_answer(proxy, ENROL)
    assert first["device_id"] == keys.device_id

    # Another device with the same code: refused, as before.
    assert_api_error(httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, generate_device_keys())), 403)
    # The same keys again: the same device and account, another token. A second repeat gives a third.
    second = httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, keys, label="Cai's tablet")).json()
    third = httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, keys, label="Cai's tablet")).json()
    assert {a["device_id"] for a in (first, second, third)} == {keys.device_id}
    assert {a["account"] for a in (first, second, third)} == {first["account"]}
    assert len({a["token"] for a in (first, second, third)}) == 3

    # Until the device uses one of them, each token it was given works (a slow earlier attempt cannot take
    # away the one it holds); the first one used is its token from then on, and the others stop working.
    assert httpx.get(proxy.url + "/api/v1/me", headers=bearer(second["token"])).status_code == 200
    for token in (first["token"], third["token"]):
        assert_api_error(httpx.get(proxy.url + "/api/v1/me", headers=bearer(token)), 401, "unauthorized")
    assert httpx.get(proxy.url + "/api/v1/me", headers=bearer(second["token"])).status_code == 200

    # Now the device has used its token, the code and its public keys (which other members see) give nobody
    # another token for it.
    assert_api_error(httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, keys)), 409, "conflict")
    # Nor does a new code with the same keys.
    new_code = organisation.server.admin("add-worker", "--name", "Cai", "--json")["code"]
    assert_api_error(httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(new_code, keys)), 409, "conflict")
    assert httpx.get(proxy.url + "/api/v1/me", headers=bearer(second["token"])).status_code == 200


def new_plan(organisation: Organisation) -> str:
    created = organisation.worker.client.post("/api/v1/plans")
    assert created.status_code == 201, created.text
    plan_id: str = created.json()["plan_id"]
    return plan_id


@pytest.mark.parametrize(
    ("role", "access", "signed"),
    [("owner", "write", False), ("supporter", "read", True), ("supporter", "write", False)],
    ids=["persons-phone", "supporter-offline-invite", "supporter-registered-invite"],
)
def test_a_redemption_whose_answer_was_lost_admits_the_same_device_once_and_refuses_any_other(
    organisation: Organisation, proxy: FlakyProxy, role: str, access: str, signed: bool
) -> None:
    worker = organisation.worker
    plan_id = new_plan(organisation)
    invite = create_invite(new_plan_key(plan_id), inviter=worker.keys, role=role, access=access)
    if not signed:
        fields = ("invite_id", "verifier", "expires_at", "role", "access")
        registered = worker.client.post(
            f"/api/v1/plans/{plan_id}/invites", json={k: invite_registration(invite)[k] for k in fields}
        )
        assert registered.status_code == 201, registered.text
    path = f"/api/v1/invites/{invite.invite_id_hex}/redeem"
    keys = generate_device_keys()
    cut_short(proxy, REDEEM, Fault.LOSE_ANSWER, path, redemption(invite, keys, signed=signed))
    first = lost_answer(proxy, REDEEM)

    refused = httpx.post(proxy.url + path, json=redemption(invite, generate_device_keys(), signed=signed))
    assert_api_error(refused, 403, "forbidden")
    assert "already been used" in refused.json()["detail"]

    again = httpx.post(proxy.url + path, json=redemption(invite, keys, signed=signed))
    assert again.status_code == 201, again.text
    answer = again.json()
    assert {k: answer[k] for k in ("plan_id", "device_id", "account", "role", "access")} == {
        k: first[k] for k in ("plan_id", "device_id", "account", "role", "access")
    }
    assert (answer["role"], answer["access"]) == (role, access) and answer["token"] != first["token"]
    synced = httpx.get(f"{proxy.url}/sync/{plan_id}/", headers=bearer(answer["token"]))
    assert synced.status_code == 200, synced.text

    # One membership, one device: nothing doubled by the repeat.
    members = members_of(organisation, plan_id)
    assert sorted(m["role"] for m in members) == sorted(
        ["owner", "worker", *(["supporter"] if role == "supporter" else [])]
    )
    joined = [m for m in members if m["account"] == answer["account"]]
    assert [d["device_id"] for d in joined[0]["devices"]] == [keys.device_id]


def test_an_enrolled_devices_join_whose_answer_was_lost_is_answered_again_with_its_membership(
    organisation: Organisation, proxy: FlakyProxy
) -> None:
    """A colleague's tablet (enrolled, with its token) joins a plan as a supporter who writes."""
    worker = organisation.worker
    plan_id = new_plan(organisation)
    code = organisation.server.admin("add-worker", "--name", "Dee", "--json")["code"]
    keys = generate_device_keys()
    colleague = httpx.post(proxy.url + "/api/v1/enrol", json=enrolment(code, keys)).json()
    invite = create_invite(new_plan_key(plan_id), inviter=worker.keys, role="supporter", access="write")
    path = f"/api/v1/invites/{invite.invite_id_hex}/redeem"
    body = redemption(invite, keys, signed=True)
    cut_short(proxy, REDEEM, Fault.LOSE_ANSWER, path, body, headers=bearer(colleague["token"]))
    first = lost_answer(proxy, REDEEM)
    assert "token" not in first

    # Another device's keys with the colleague's token are not the device that used it.
    other = {**body, "public_keys": generate_device_keys().public.to_json()}
    assert_api_error(httpx.post(proxy.url + path, json=other, headers=bearer(colleague["token"])), 403, "forbidden")
    again = httpx.post(proxy.url + path, json=body, headers=bearer(colleague["token"]))
    assert again.status_code == 201, again.text
    assert again.json() == first
    assert [m["account"] for m in members_of(organisation, plan_id)].count(colleague["account"]) == 1


def test_the_schedule_is_the_same_for_the_same_seed_whatever_the_order_of_routes() -> None:
    def faults(seed: int, order: list[str]) -> dict[str, list[Fault]]:
        proxy = FlakyProxy("http://127.0.0.1:9", seed=seed, rates={Fault.DROP_REQUEST: 0.2, Fault.LOSE_ANSWER: 0.2})
        drawn: dict[str, list[Fault]] = {}
        for target in order:
            route, decision = proxy.decide("POST", target)
            drawn.setdefault(route, []).append(decision.fault)
        return drawn

    plan = uuid.uuid4().hex
    paths = [f"/sync/{plan}/_bulk_docs", f"/sync/{plan}/_revs_diff"] * 40
    assert faults(7, paths) == faults(7, list(reversed(paths)))
    assert faults(7, paths) != faults(8, paths)
    assert {f for run in faults(7, paths).values() for f in run} == {Fault.NONE, Fault.DROP_REQUEST, Fault.LOSE_ANSWER}
    assert faults(7, ["/assets/app.js"] * 50) == {"POST /assets/app.js": [Fault.NONE] * 50}


# -- a crash between the directory's writes (in-process) ---------------------------------------------------


class CrashOnce(Exception):
    """The server stopped between two writes (a crash, a lost connection to CouchDB)."""


class CrashingDirectory(Directory):
    """The directory, with the next write of a document whose id starts with ``crash_at`` failing once (an
    audit record is named ``audit:<event>``)."""

    crash_at: str | None = None

    async def put(self, doc: Json, *, settle: bool = True) -> Json:
        name = f"audit:{doc['event']}" if doc.get("type") == "audit" else str(doc["_id"])
        if self.crash_at is not None and name.startswith(self.crash_at):
            self.crash_at = None
            raise CrashOnce(doc["_id"])
        return await super().put(doc, settle=settle)


@dataclass
class InProcess:
    client: TestClient
    directory: CrashingDirectory
    codes: list[str]
    worker_token: str
    worker_keys: DeviceKeys


@pytest.fixture(params=["sqlite", "couchdb"])
def in_process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcess]:
    """The app in this process on each backend, its directory able to crash once; an organisation's codes."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("ALONGSIDE_")]:
            patch.delenv(name)
        storage: dict[str, Any] = {}
        cli = ["--data", str(tmp_path)]
        if request.param == "couchdb":
            couch: PouchDBServer = request.getfixturevalue("shared_couchdb")
            storage = {"couchdb_url": couch.url, "couchdb_prefix": f"t{uuid.uuid4().hex[:12]}-"}
            patch.setenv("ALONGSIDE_COUCHDB_PREFIX", storage["couchdb_prefix"])
            cli = ["--couchdb", couch.url]
        codes = [admin_code(cli, "init", "--org", "Riverside", "--name", "Admin")]
        codes += [admin_code(cli, "add-worker", "--name", f"Worker {i}") for i in range(2)]
    app = create_app(Settings(data_dir=tmp_path, **storage))
    with TestClient(app, raise_server_exceptions=False) as client:
        state = app.state.alongside
        state.directory = CrashingDirectory(state.store)
        worker_keys = generate_device_keys()
        worker = client.post("/api/v1/enrol", json=enrolment(codes.pop(), worker_keys))
        assert worker.status_code == 201, worker.text
        yield InProcess(client, state.directory, codes, worker.json()["token"], worker_keys)


def admin_code(storage: list[str], *args: str) -> str:
    """``alongside admin ARGS --json`` on ``storage``, in this process: the enrolment code it prints."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert alongside_cli(["admin", *args, "--json", *storage]) == 0
    code: str = json.loads(out.getvalue())["code"]
    return code


@pytest.mark.parametrize("crash_at", ["device:", "audit:device.enrolled"])
def test_an_enrolment_that_failed_after_claiming_the_code_is_finished_by_the_same_keys(
    in_process: InProcess, crash_at: str
) -> None:
    client, code, keys = in_process.client, in_process.codes[0], generate_device_keys()
    # Everything is checked before the code is claimed: a bad label burns nothing.
    for label in ("\u0000", "\ud800", "x" * 81):
        escaped = json.dumps(enrolment(code, keys, label=label))  # a lone surrogate as JSON writes it: \\ud800
        assert_api_error(client.post("/api/v1/enrol", content=escaped), 400, "bad_request")
    in_process.directory.crash_at = crash_at
    assert client.post("/api/v1/enrol", json=enrolment(code, keys)).status_code == 500
    assert_api_error(client.post("/api/v1/enrol", json=enrolment(code, generate_device_keys())), 403, "forbidden")
    again = client.post("/api/v1/enrol", json=enrolment(code, keys))
    assert again.status_code == 201, again.text
    assert client.get("/api/v1/me", headers=bearer(again.json()["token"])).json()["device_id"] == keys.device_id


@pytest.mark.parametrize(
    "crash_at",
    ["account:", "device:", "audit:device.enrolled", "membership:", "audit:member.joined", "audit:invite.redeemed"],
)
def test_a_redemption_that_failed_after_claiming_the_invite_is_finished_by_the_same_keys(
    in_process: InProcess, crash_at: str
) -> None:
    client, worker = in_process.client, bearer(in_process.worker_token)
    plan_id = client.post("/api/v1/plans", headers=worker).json()["plan_id"]
    invite = create_invite(new_plan_key(plan_id), inviter=in_process.worker_keys, role="supporter", access="read")
    path, keys = f"/api/v1/invites/{invite.invite_id_hex}/redeem", generate_device_keys()
    bad = {**redemption(invite, keys, signed=True), "label": "\u0007"}
    assert_api_error(client.post(path, json=bad), 400, "bad_request")

    in_process.directory.crash_at = crash_at
    assert client.post(path, json=redemption(invite, keys, signed=True)).status_code == 500
    refused = client.post(path, json=redemption(invite, generate_device_keys(), signed=True))
    assert_api_error(refused, 403, "forbidden")
    again = client.post(path, json=redemption(invite, keys, signed=True))
    assert again.status_code == 201, again.text
    assert (again.json()["role"], again.json()["access"]) == ("supporter", "read")
    assert client.get(f"/sync/{plan_id}/", headers=bearer(again.json()["token"])).status_code == 200
    members = client.get(f"/api/v1/plans/{plan_id}/members", headers=worker).json()["members"]
    supporters = [m for m in members if m["role"] == "supporter"]
    assert [(m["account"], [d["device_id"] for d in m["devices"]]) for m in supporters] == [
        (again.json()["account"], [keys.device_id])
    ]
