"""Keys of a plan as a Python device handles them: admissions, rotations, stuck rotations, re-sealing.

A steward's device admits the devices that joined with its invites (docs/crypto.md §11.5, §19.2) and
rotates the plan key (§10.1); any device notices a rotation whose key nobody gave it (§10.3), re-seals
its own roster entry under a new key (only it may write there), and writes again under the current key
what the server refused under a key it has since retired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from alongside.crypto import DevicePublicKeys, admission_bind, roster_document_id, rotate_plan_key
from alongside.server import api_client as api
from alongside.server.api_client import AsyncApiClient
from alongside.sync.store import Json

if TYPE_CHECKING:
    from .plan_client import PlanDevice


async def admit_joiners(device: PlanDevice) -> None:
    """A steward's device writes an admission (§19.2) for each roster entry naming one of its invites with
    the right ``bind`` (§11.5): the invite's role and access, vouched for by the inviter."""
    admitted = {item.body["f"]["invite_id"]["v"] for item in device.items("admission").values()}
    for entry in list(device.roster.values()):
        invite = entry.invite or {}
        invite_id = invite.get("invite_id")
        if invite_id not in device.invites or invite_id in admitted:
            continue
        bind_key, role, access = device.invites[invite_id]
        if admission_bind(bind_key, plan_id=device.plan_id, device_id=entry.device_id) != invite.get("bind"):
            continue
        fields = {
            "device_id": entry.device_id,
            "keys": entry.keys.to_json(),
            "role": role,
            "access": access,
            "invite_id": invite_id,
        }
        await device.create("admission", fields)
        del device.invites[invite_id]
    if admitted != {item.body["f"]["invite_id"]["v"] for item in device.items("admission").values()}:
        await device.load_trust()


async def recorded_keys(device: PlanDevice) -> Json:
    """``GET /api/v1/plans/{plan}/keys``: the rotation the server has recorded."""
    recorded = await AsyncApiClient(device.http)(api.plan_keys(device.plan_id))
    return recorded.model_dump(mode="json")


async def check_key(device: PlanDevice) -> None:
    """A rotation is stuck for this device when the server records a key it does not hold after a sync
    (§10.3): a steward with write access rotates again at once; any other device waits, keeping what it has."""
    current = (await recorded_keys(device)).get("current")
    if current is None or current["kid"] in device.keyring:
        device.key_problem = None
        return
    if device.steward and device.me.access == "write":
        device.tell("key-replaced", None, occasion=current["kid"])
        await rotate(device, retire=[current["kid"]])
    else:
        device.key_problem = "waiting"
        device.tell("waiting-for-key", None, occasion=current["kid"])


async def remaining_devices(device: PlanDevice) -> list[DevicePublicKeys]:
    """The devices the plan vouches for (counting roster entries, itself) that the server still serves."""
    members = await AsyncApiClient(device.http)(api.list_members(device.plan_id))
    active = {
        served.device_id for member in members.members for served in member.devices if served.active and member.active
    }
    vouched = {device.device_id: device.keys.public, **{d: e.keys for d, e in device.roster.items()}}
    return [keys for device_id, keys in sorted(vouched.items()) if device_id in active]


async def rotate(
    device: PlanDevice, *, retire: list[str] | None = None, only_to_myself: bool = False
) -> httpx.Response:
    """Rotate to a new key (§10.1): epoch = recorded + 1, granted to every remaining device, every item
    re-sealed, then recorded with the server. Only stewards (``PermissionError`` otherwise, as in the app).

    ``only_to_myself`` grants the new key to this device alone: a faulty or hostile steward (§10.3).
    """
    if not device.steward or device.me.access != "write":
        raise PermissionError("only the person's or the worker's devices change the plan's key")
    recorded = (await recorded_keys(device)).get("current")
    epoch = (recorded["epoch"] if recorded else 1) + 1
    remaining = [device.keys.public] if only_to_myself else await remaining_devices(device)
    new_key, grants = rotate_plan_key(device.keyring, remaining=remaining, granter=device.keys, epoch=epoch)
    old_kids = [kid for kid in device.keyring if kid != new_key.kid]
    device.keyring = device.keyring.with_key(new_key)
    for grant in grants:
        await device.write_envelope(grant, parent=None)
    await reseal_everything(device)
    await device.push()
    body = {"epoch": epoch, "kid": new_key.kid, "retire": sorted({*old_kids, *(retire or [])})}
    response = await device.http.post(f"/api/v1/plans/{device.plan_id}/rotations", json=body)
    if response.status_code == 201:
        device.key_problem = None
    return response


async def reseal_everything(device: PlanDevice) -> None:
    """Re-seal what the device shows of every item under the current key, on top of each winner; others'
    roster entries are theirs to re-seal (the server lets nobody write at another device's roster id)."""
    for row, leaves in await device.documents():
        if not leaves or leaves[0].get("kind") != "item" or row.get("deleted") or row["id"] not in device.shown:
            continue
        item = device.shown[row["id"]]
        if item.body.get("type") == "device" and item.author != device.device_id:
            continue
        if leaves[0].get("kid") == device.keyring.current.kid:
            continue
        source = leaves[0] if item.shown == "winner" else (await device.remembered(row["id"]))[1]
        if source is not None:
            await device.write_envelope(device.resealed(source), parent=leaves[0])


async def reseal_refused(device: PlanDevice) -> None:
    """Writes the server refused under a key it has retired go again under the current key, once known."""
    for doc_id in {str(refusal.get("id")) for refusal in device.refusals}:
        leaves = await device.winner_first(doc_id)
        item = device.shown.get(doc_id)
        if item is None or not leaves or not device.keyring or leaves[0].get("kid") == device.keyring.current.kid:
            continue
        source = leaves[0] if item.shown == "winner" else (await device.remembered(doc_id))[1]
        if source is not None and device.me.access == "write":
            await device.write_envelope(device.resealed(source), parent=leaves[0])
            await device.judge(doc_id, await device.winner_first(doc_id))


async def reseal_own_roster_entry(device: PlanDevice) -> None:
    """After a rotation: this device's roster entry under the current key (only it may write there)."""
    doc_id = roster_document_id(device.plan_id, device.device_id)
    item = device.shown.get(doc_id)
    leaves = await device.winner_first(doc_id)
    if not device.keyring or item is None or not leaves or leaves[0].get("kid") == device.keyring.current.kid:
        return
    source = leaves[0] if item.shown == "winner" else (await device.remembered(doc_id))[1]
    if source is not None:
        await device.write_envelope(device.resealed(source), parent=leaves[0])
        await device.judge(doc_id, await device.winner_first(doc_id))
