"""A replicator following CouchDB's replication protocol, step by step.

The steps are named as in CouchDB's ``protocol.rst``: verify peers, generate the replication id,
find the common ancestry (checkpoints in ``_local`` on both sides), then, batch by batch, listen to
changes, calculate the revision difference, fetch the missing revisions, upload them with
``new_edits: false``, and record a checkpoint. A replication interrupted at any point resumes from
the last checkpoint both sides agree on.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import SyncError
from .peers import Peer
from .store import Json, Seq

REPLICATION_ID_VERSION = 1
HISTORY_LENGTH = 50


@dataclass(slots=True)
class ReplicationResult:
    """Counts in the shape CouchDB's replicator reports them."""

    replication_id: str
    session_id: str
    start_seq: Seq
    last_seq: Seq
    docs_read: int = 0
    docs_written: int = 0
    doc_write_failures: int = 0
    missing_checked: int = 0
    missing_found: int = 0
    errors: list[Json] = field(default_factory=list)


def generate_replication_id(source: Peer, target: Peer) -> str:
    """Step 2: a stable id for this source → target pair."""
    material = f"{REPLICATION_ID_VERSION}\n{source.identity}\n{target.identity}"
    return hashlib.md5(material.encode("utf-8"), usedforsecurity=False).hexdigest()


def compare_replication_logs(source_log: Json | None, target_log: Json | None) -> Seq:
    """Step 3: the sequence to start from, given both sides' checkpoint documents.

    When the latest sessions match, resume from it; otherwise use the newest session both histories
    share; with none in common, start from the beginning.
    """
    if not source_log or not target_log:
        return 0
    if source_log.get("session_id") == target_log.get("session_id"):
        last: Seq = source_log.get("source_last_seq", 0)
        return last
    target_sessions = {entry.get("session_id"): entry for entry in target_log.get("history", [])}
    for entry in source_log.get("history", []):
        if entry.get("session_id") in target_sessions:
            recorded: Seq = entry.get("recorded_seq", 0)
            return recorded
    return 0


async def verify_peers(source: Peer, target: Peer) -> None:
    """Step 1: both databases answer (raises the peer's ``SyncError`` otherwise)."""
    await source.info()
    await target.info()


async def replicate(
    source: Peer,
    target: Peer,
    *,
    batch_size: int = 100,
    on_checkpoint: Callable[[ReplicationResult], None] | None = None,
    session_id: str | None = None,
) -> ReplicationResult:
    """Replicate everything ``source`` has that ``target`` lacks; resumable and idempotent.

    ``on_checkpoint`` is called after each recorded checkpoint (for progress reporting).
    """
    await verify_peers(source, target)
    replication_id = generate_replication_id(source, target)
    checkpoint_id = f"alongside-replication-{replication_id}"
    source_log = await source.get_local(checkpoint_id)
    target_log = await target.get_local(checkpoint_id)
    since = compare_replication_logs(source_log, target_log)
    result = ReplicationResult(
        replication_id=replication_id,
        session_id=session_id or uuid.uuid4().hex,
        start_seq=since,
        last_seq=since,
    )
    history: list[Json] = list((source_log or {}).get("history", []))
    while True:
        page = await source.changes(since, batch_size)
        rows: list[Json] = page.get("results", [])
        if not rows:
            break
        result.docs_read += await _replicate_batch(source, target, rows, result)
        since = page["last_seq"]
        result.last_seq = since
        history = await record_checkpoint(source, target, checkpoint_id, result, history)
        if on_checkpoint is not None:
            on_checkpoint(result)
    return result


async def _replicate_batch(source: Peer, target: Peer, rows: list[Json], result: ReplicationResult) -> int:
    """Steps 4 to 7 for one page of changes; returns how many documents were read from the source."""
    wanted: dict[str, list[str]] = {row["id"]: [change["rev"] for change in row["changes"]] for row in rows}
    result.missing_checked += sum(len(revs) for revs in wanted.values())
    diff = await target.revs_diff(wanted)
    missing = [(doc_id, rev) for doc_id, entry in diff.items() for rev in entry.get("missing", [])]
    if not missing:
        return 0
    result.missing_found += len(missing)
    docs = await source.bulk_get(missing)
    errors = await target.write_replicated(docs)
    result.errors.extend(errors)
    result.doc_write_failures += len(errors)
    result.docs_written += len(docs) - len(errors)
    return len(docs)


async def record_checkpoint(
    source: Peer, target: Peer, checkpoint_id: str, result: ReplicationResult, history: list[Json]
) -> list[Json]:
    """Step 8: write the same checkpoint on both sides so either can be trusted on restart."""
    entry = {"session_id": result.session_id, "recorded_seq": result.last_seq}
    history = [entry, *[h for h in history if h.get("session_id") != result.session_id]][:HISTORY_LENGTH]
    body: dict[str, Any] = {
        "session_id": result.session_id,
        "source_last_seq": result.last_seq,
        "replication_id_version": REPLICATION_ID_VERSION,
        "history": history,
    }
    try:
        await target.put_local(checkpoint_id, body)
        await source.put_local(checkpoint_id, body)
    except SyncError:
        # A checkpoint that could not be written only costs a longer resume; the data is safe.
        pass
    return history
