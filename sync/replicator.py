"""A replicator following CouchDB's replication protocol, step by step.

The steps are named as in CouchDB's ``protocol.rst``: verify peers, generate the replication id,
find the common ancestry (checkpoints in ``_local`` on both sides), then, batch by batch, listen to
changes, calculate the revision difference, fetch the missing revisions, upload them with
``new_edits: false``, and record a checkpoint, until a page of changes comes back shorter than the batch
size. A replication interrupted at any point resumes from
the last checkpoint both sides agree on.

The protocol is written once, in :func:`replication_steps`, a generator that performs no I/O: it
yields each request it needs (a :class:`PeerCall`) and is sent back the answer. Two drivers run it:
:func:`replicate` over asynchronous :class:`~alongside.sync.peers.Peer` objects (the CLI, migration,
backups) and :func:`replicate_sync` over synchronous :class:`~alongside.sync.peers.SyncPeer` objects
(the load tests, whose simulated devices run in gevent greenlets). A peer's exception is thrown back
into the generator at the point of the call, so the protocol's own error handling (a checkpoint that
cannot be written) lives in one place too.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import SyncError
from .peers import Peer, SyncPeer
from .store import Json, Seq

REPLICATION_ID_VERSION = 1
HISTORY_LENGTH = 50

Side = Literal["source", "target"]
PeerMethod = Literal["info", "changes", "revs_diff", "bulk_get", "write_replicated", "get_local", "put_local"]


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


@dataclass(frozen=True, slots=True)
class PeerCall:
    """One request the protocol makes: ``method`` (a :class:`~alongside.sync.peers.Peer` method) on one side."""

    side: Side
    method: PeerMethod
    args: tuple[Any, ...] = ()


# What a driver runs: yields calls, is sent each call's answer, returns the result.
ReplicationSteps = Generator[PeerCall, Any, ReplicationResult]


def replication_id_for(source_identity: str, target_identity: str) -> str:
    """Step 2: a stable id for this source → target pair."""
    material = f"{REPLICATION_ID_VERSION}\n{source_identity}\n{target_identity}"
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


def replication_steps(
    source_identity: str,
    target_identity: str,
    *,
    batch_size: int = 100,
    on_checkpoint: Callable[[ReplicationResult], None] | None = None,
    session_id: str | None = None,
) -> ReplicationSteps:
    """The whole protocol for one replication, as a generator of :class:`PeerCall` (no I/O here)."""
    # Step 1: verify peers (each raises its SyncError if its database does not answer).
    yield PeerCall("source", "info")
    yield PeerCall("target", "info")
    replication_id = replication_id_for(source_identity, target_identity)
    checkpoint_id = f"alongside-replication-{replication_id}"
    source_log: Json | None = yield PeerCall("source", "get_local", (checkpoint_id,))
    target_log: Json | None = yield PeerCall("target", "get_local", (checkpoint_id,))
    since = compare_replication_logs(source_log, target_log)
    result = ReplicationResult(
        replication_id=replication_id,
        session_id=session_id or uuid.uuid4().hex,
        start_seq=since,
        last_seq=since,
    )
    history: list[Json] = list((source_log or {}).get("history", []))
    while True:
        page: Json = yield PeerCall("source", "changes", (since, batch_size))
        rows: list[Json] = page.get("results", [])
        if not rows:
            break
        result.docs_read += yield from _replicate_batch(rows, result)
        since = page["last_seq"]
        result.last_seq = since
        history = yield from _record_checkpoint(checkpoint_id, result, history)
        if on_checkpoint is not None:
            on_checkpoint(result)
        if len(rows) < batch_size:
            # A page shorter than asked for ends the feed as it stood when read (PouchDB stops here too): no
            # empty read after it. What was written since is for the next replication.
            break
    return result


def _replicate_batch(rows: list[Json], result: ReplicationResult) -> Generator[PeerCall, Any, int]:
    """Steps 4 to 7 for one page of changes; returns how many documents were read from the source."""
    wanted: dict[str, list[str]] = {row["id"]: [change["rev"] for change in row["changes"]] for row in rows}
    result.missing_checked += sum(len(revs) for revs in wanted.values())
    diff: dict[str, Json] = yield PeerCall("target", "revs_diff", (wanted,))
    missing = [(doc_id, rev) for doc_id, entry in diff.items() for rev in entry.get("missing", [])]
    if not missing:
        return 0
    result.missing_found += len(missing)
    docs: list[Json] = yield PeerCall("source", "bulk_get", (missing,))
    errors: list[Json] = yield PeerCall("target", "write_replicated", (docs,))
    result.errors.extend(errors)
    result.doc_write_failures += len(errors)
    result.docs_written += len(docs) - len(errors)
    return len(docs)


def _record_checkpoint(
    checkpoint_id: str, result: ReplicationResult, history: list[Json]
) -> Generator[PeerCall, Any, list[Json]]:
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
        yield PeerCall("target", "put_local", (checkpoint_id, body))
        yield PeerCall("source", "put_local", (checkpoint_id, body))
    except SyncError:
        # A checkpoint that could not be written only costs a longer resume; the data is safe.
        pass
    return history


def _advance(steps: ReplicationSteps, answer: Any, error: Exception | None) -> PeerCall | ReplicationResult:
    """Send a call's answer (or throw its error) into the steps; the next call, or the final result."""
    try:
        return steps.throw(error) if error is not None else steps.send(answer)
    except StopIteration as done:
        finished: ReplicationResult = done.value
        return finished


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
    peers: dict[Side, Peer] = {"source": source, "target": target}
    steps = replication_steps(
        source.identity, target.identity, batch_size=batch_size, on_checkpoint=on_checkpoint, session_id=session_id
    )
    answer: Any = None
    error: Exception | None = None
    try:
        while True:
            step = _advance(steps, answer, error)
            if isinstance(step, ReplicationResult):
                return step
            answer, error = None, None
            try:
                answer = await getattr(peers[step.side], step.method)(*step.args)
            except Exception as exc:  # thrown back into the steps, which re-raise what they do not handle
                error = exc
    finally:
        steps.close()


def replicate_sync(
    source: SyncPeer,
    target: SyncPeer,
    *,
    batch_size: int = 100,
    on_checkpoint: Callable[[ReplicationResult], None] | None = None,
    session_id: str | None = None,
) -> ReplicationResult:
    """:func:`replicate` for synchronous peers: the same steps, driven without an event loop."""
    peers: dict[Side, SyncPeer] = {"source": source, "target": target}
    steps = replication_steps(
        source.identity, target.identity, batch_size=batch_size, on_checkpoint=on_checkpoint, session_id=session_id
    )
    answer: Any = None
    error: Exception | None = None
    try:
        while True:
            step = _advance(steps, answer, error)
            if isinstance(step, ReplicationResult):
                return step
            answer, error = None, None
            try:
                answer = getattr(peers[step.side], step.method)(*step.args)
            except Exception as exc:  # thrown back into the steps, which re-raise what they do not handle
                error = exc
    finally:
        steps.close()
