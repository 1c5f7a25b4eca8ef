"""Driving ``/api/v1`` in-process: bootstrap with the ``alongside admin`` command, enrol devices, invite, join.

The calls go through the one Python client of the API (``alongside.server.api_client``) over a Starlette test
client, so their bodies and answers are checked against the API's models on the way.

The tests that use these helpers build their world the way a real deployment does: the operator runs
``alongside admin init`` and ``add-worker`` (here in-process, before the app opens the store), devices
make their own keys with ``alongside.crypto`` and enrol with the one-time codes, workers start plans
and register invites made on the device, and new devices redeem them.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from alongside.crypto import (
    DeviceKeys,
    Invite,
    PlanKey,
    admission_bind,
    create_invite,
    create_pending_invite,
    generate_device_keys,
    invite_auth_token,
    invite_verifier,
    new_plan_key,
    open_pending_invite,
    seal_join_request,
)
from alongside.server import api_client as api
from alongside.server.api_client import ApiClient
from alongside.server.cli import main as alongside_cli

from .answers import assert_api_error as assert_api_error  # callers import the /api error check from here


def admin_cli(data_dir: Path, *args: str) -> dict[str, str]:
    """Run ``alongside admin ARGS --json --data DATA_DIR`` in this process and return its JSON.

    ``ALONGSIDE_*`` variables are hidden so that the command uses the same SQLite store as the app.
    """
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out):
        for name in [n for n in os.environ if n.startswith("ALONGSIDE_")]:
            patch.delenv(name)
        assert alongside_cli(["admin", *args, "--json", "--data", str(data_dir)]) == 0
    result: dict[str, str] = json.loads(out.getvalue())
    return result


@dataclass
class Member:
    """An enrolled device: its keys, its bearer token, and its account."""

    keys: DeviceKeys
    token: str
    account: str

    @property
    def device_id(self) -> str:
        return self.keys.device_id

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def enrol(client: TestClient, code: str, keys: DeviceKeys | None = None) -> Member:
    keys = keys or generate_device_keys()
    enrolled = ApiClient(client)(api.enrol(code, keys.public.to_json()))
    assert enrolled.device_id == keys.device_id
    return Member(keys=keys, token=enrolled.token, account=enrolled.account)


def create_plan(client: TestClient, worker: Member) -> tuple[str, PlanKey]:
    """A worker starts a plan; the plan key is made on the worker's device and never sent."""
    plan_id = ApiClient(client, worker.token)(api.create_plan()).plan_id
    return plan_id, new_plan_key(plan_id)


def registration(invite: Invite, *, role: str = "supporter", access: str = "read") -> dict[str, Any]:
    """What the inviting device sends the server: the invite id, the token's verifier, the expiry, the role."""
    return {
        "invite_id": invite.invite_id_hex,
        "verifier": invite_verifier(invite_auth_token(invite)),
        "expires_at": invite.expires_at,
        "role": role,
        "access": access,
    }


def register_invite(
    client: TestClient,
    inviter: Member,
    key: PlanKey,
    *,
    role: str = "supporter",
    access: str = "read",
    now: int | None = None,
    lifetime: int = 15 * 60,
) -> Invite:
    """Create an invite on ``inviter``'s device (what its QR code carries) and register it with the server."""
    invite = create_invite(key, inviter=inviter.keys, now=now, lifetime=lifetime)
    ApiClient(client, inviter.token)(api.register_invite(key.plan_id, **registration(invite, role=role, access=access)))
    return invite


def redemption(invite: Invite, keys: DeviceKeys) -> dict[str, Any]:
    """What the new device sends: the one-time token derived from the QR code, and its own public keys."""
    return {"auth_token": invite_auth_token(invite), "public_keys": keys.public.to_json()}


def join(client: TestClient, invite: Invite, keys: DeviceKeys | None = None) -> Member:
    """A brand-new device redeems ``invite`` and becomes a member of the invite's plan."""
    keys = keys or generate_device_keys()
    joined = ApiClient(client)(api.redeem_invite(invite.invite_id_hex, **redemption(invite, keys)))
    assert joined.token is not None
    return Member(keys=keys, token=joined.token, account=joined.account)


@dataclass
class PendingMember:
    """A device that joined with a pending invite (docs/crypto.md §11.6): it waits for the person's yes."""

    member: Member
    invite: Invite
    request_key: bytes


def join_pending(
    client: TestClient, inviter: Member, plan_id: str, *, name: str = "Dee", access: str = "read"
) -> PendingMember:
    """``inviter``'s device makes and registers a pending invite; a brand-new device redeems it with its join
    request (its own chosen ``name``, a label and its bind, sealed under the invite's request key)."""
    invite, request_key = create_pending_invite(plan_id, inviter=inviter.keys, access=access)
    ApiClient(client, inviter.token)(api.register_invite(plan_id, **registration(invite, access=access), pending=True))
    keys = generate_device_keys()
    opened = open_pending_invite(invite)
    bind = admission_bind(opened.bind_key, plan_id=plan_id, device_id=keys.device_id)
    request = {"name": name, "label": f"{name}'s phone", "bind": bind}
    sealed = seal_join_request(
        request_key, request, plan_id=plan_id, invite_id=opened.invite_id, device_id=keys.device_id
    )
    call = api.redeem_invite(invite.invite_id_hex, **redemption(invite, keys), join_request=sealed)
    joined = ApiClient(client)(call)
    assert joined.token is not None and joined.status == "pending"
    return PendingMember(Member(keys=keys, token=joined.token, account=joined.account), invite, request_key)
