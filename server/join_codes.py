"""Join codes' boxes in the directory (docs/crypto.md §21): kept until their invite is redeemed or they expire.

A box is ``join-code:<lookup>``; ``join-code-of:<invite>:<lookup>`` points at it from its invite, so that
redeeming the invite deletes every box that opens it. Expired boxes are purged lazily: when someone asks for
one, and when a device puts a new one.
"""

from __future__ import annotations

from alongside.sync.errors import Conflict
from alongside.sync.store import Json

from .directory import Directory
from .directory_ids import JOIN_CODE_PREFIX, join_code_doc_id, join_code_of_doc_id, join_codes_of_prefix

MAX_JOIN_CODE_LIFETIME = 24 * 3600


async def _delete(directory: Directory, doc: Json) -> None:
    try:
        await directory.put({"_id": doc["_id"], "_rev": doc["_rev"], "_deleted": True})
    except Conflict:  # changed or deleted meanwhile: whoever did that deletes it, or it expires
        pass


async def forget_join_code(directory: Directory, box: Json) -> None:
    """Delete one box and the entry that points at it from its invite."""
    pointer = await directory.get(join_code_of_doc_id(str(box.get("invite", "")), str(box["_id"]).split(":", 1)[1]))
    await _delete(directory, box)
    if pointer is not None:
        await _delete(directory, pointer)


async def forget_join_codes_of(directory: Directory, invite_id: str) -> None:
    """Delete every box that opens ``invite_id`` (it has been redeemed): nobody needs them any more."""
    for pointer in await directory.by_prefix(join_codes_of_prefix(invite_id)):
        box = await directory.get(join_code_doc_id(str(pointer["_id"]).rsplit(":", 1)[1]))
        if box is not None:
            await _delete(directory, box)
        await _delete(directory, pointer)


async def purge_expired_join_codes(directory: Directory) -> None:
    """Delete the boxes whose expiry has passed (there are only as many as codes made in the last day)."""
    now = directory.now()
    for box in await directory.by_prefix(JOIN_CODE_PREFIX):
        if int(box.get("expires_at", 0)) <= now:
            await forget_join_code(directory, box)
