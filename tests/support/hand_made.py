"""What a member can do with an ordinary device token outside the app: the attacks of issue 13.

Each function acts as ``device`` (a :class:`~support.plan_client.PlanDevice`, with its token and keys)
directly on the server (or on whatever ``device.url`` points at) and returns the server's answer, so a
test can check both what the server refused and what the other devices made of what it accepted.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

from alongside.crypto import seal_item

from .plan_bodies import content_hash, new_body
from .plan_client import PlanDevice, envelope_of

Json = dict[str, Any]


def earlier_envelopes(device: PlanDevice, doc_id: str) -> list[Json]:
    """Every version of ``doc_id`` the device has opened, oldest first (by ``n``): what it can replay."""
    opened = [(device.open_copy(envelope).n, envelope) for envelope in device.seen.get(doc_id, {}).values()]
    return [envelope for _, envelope in sorted(opened, key=lambda pair: pair[0])]


async def server_winner(device: PlanDevice, doc_id: str) -> Json:
    """The server's winning revision of ``doc_id`` with its ``_revisions``, asked directly."""
    response = await device.http.get(f"/sync/{device.plan_id}/{doc_id}", params={"revs": "true"})
    response.raise_for_status()
    answer: Json = response.json()
    return answer


async def push_as_new_revision(device: PlanDevice, doc_id: str, envelope: Json) -> httpx.Response:
    """Push ``envelope`` as a brand-new revision on top of the server's winner (``new_edits: false``)."""
    winner = await server_winner(device, doc_id)
    start, ids = winner["_revisions"]["start"], winner["_revisions"]["ids"]
    fresh = os.urandom(16).hex()
    revisions = {"start": start + 1, "ids": [fresh, *ids]}
    doc = {**envelope_of(envelope), "_rev": f"{start + 1}-{fresh}", "_revisions": revisions}
    return await device.http.post(f"/sync/{device.plan_id}/_bulk_docs", json={"docs": [doc], "new_edits": False})


async def push_as_branch(device: PlanDevice, doc_id: str, envelope: Json, *, length: int = 3) -> httpx.Response:
    """Push ``envelope`` as a new branch beside the winner, forking from its parent, ``length`` revisions long
    (so that it may win on generation)."""
    winner = await server_winner(device, doc_id)
    start, ids = winner["_revisions"]["start"], winner["_revisions"]["ids"]
    fresh = [os.urandom(16).hex() for _ in range(length)]
    revisions = {"start": start - 1 + length, "ids": [*fresh, *ids[1:]]}
    doc = {**envelope_of(envelope), "_rev": f"{start - 1 + length}-{fresh[0]}", "_revisions": revisions}
    return await device.http.post(f"/sync/{device.plan_id}/_bulk_docs", json={"docs": [doc], "new_edits": False})


async def write_over(device: PlanDevice, doc_id: str, envelope: Json) -> httpx.Response:
    """An ordinary write of ``envelope`` on the server's current revision (``PUT`` with its ``_rev``)."""
    winner = await server_winner(device, doc_id)
    doc = {**envelope_of(envelope), "_rev": winner["_rev"]}
    return await device.http.put(f"/sync/{device.plan_id}/{doc_id}", content=json.dumps(doc))


async def bare_delete(device: PlanDevice, doc_id: str) -> httpx.Response:
    """``DELETE /sync/{plan}/{id}?rev=``: a tombstone with no signature."""
    rev = (await server_winner(device, doc_id))["_rev"]
    return await device.http.delete(f"/sync/{device.plan_id}/{doc_id}", params={"rev": rev})


async def signed_deletion(device: PlanDevice, doc_id: str, *, stamp: str = "deleted") -> None:
    """A deletion signed by ``device`` whether or not it may delete the item (the app would not offer it),
    stamped ``deleted`` or ``superseded`` (as if a merge had retired it)."""
    await device.delete(doc_id, check=False, stamp=stamp)


async def agreement(
    device: PlanDevice,
    item_id: str,
    *,
    party: str = "person",
    value: str = "yes",
    claim_device: str | None = None,
) -> str:
    """An agreement record the app would refuse to write: ``party`` ``"person"`` from a device that may not
    record it, and, with ``claim_device``, field versions that name another device as the one who set them
    (the statements are still ``device``'s own, so they cannot verify). Written to the local replica."""
    item = device.shown[item_id]
    fields = {"item": item_id, "content": content_hash(item.body), "value": value, "note": "", "for": party}
    doc_id = os.urandom(16).hex()
    body = new_body("agreement", fields, plan_id=device.plan_id, doc_id=doc_id, author=device.keys)
    if claim_device is not None:
        body["f"] = {name: {**field, "dev": claim_device} for name, field in body["f"].items()}
        body["created"] = {**body["created"], "dev": claim_device}
    doc = seal_item(
        body, plan_id=device.plan_id, doc_id=doc_id, key=device.keyring.current, author=device.keys, n=1, prev=()
    )
    await device.write_envelope(doc, parent=None)
    return doc_id


async def rotation(device: PlanDevice, body: Json) -> httpx.Response:
    """``POST /api/v1/plans/{plan}/rotations`` with any body."""
    return await device.http.post(f"/api/v1/plans/{device.plan_id}/rotations", json=body)


async def stuck_rotation(device: PlanDevice) -> httpx.Response:
    """A steward's device rotates (every item re-sealed under the new key) but grants the new key only to
    itself, then records the rotation: the other devices are left without the key (docs/crypto.md §10.3)."""
    return await device.rotate(only_to_myself=True)
