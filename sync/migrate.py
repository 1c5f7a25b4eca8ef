"""Copy every database from one document store to another, resumably, and verify the copy.

Either side is a SQLite data directory or a CouchDB server (a URL, or ``env:NAME`` to read the URL
from an environment variable so that credentials stay off the command line). Each database is copied
with the Python replicator (:func:`alongside.sync.replicator.replicate`, a
:class:`~alongside.sync.peers.StorePeer` on each side): documents with their whole revision trees,
conflicts and deletions included. ``_local`` documents are not copied (CouchDB's replication never
copies them; checkpoints name sequence numbers of the old store, which mean nothing in the new one).

The replicator keeps its checkpoints in ``_local`` documents on both sides, so a migration that is
interrupted (killed, CouchDB unreachable) continues from the last checkpoint when run again. At the
end every database is compared on both sides: the same document ids, the same winning revision and
the same set of leaf revisions per document, the same live and deleted document counts.

Only the public :class:`~alongside.sync.store.DocumentStore` interface is used. Which databases to copy
is the caller's to say (``databases``): ``alongside migrate`` (:mod:`alongside.server.migrate`) names the
directory and every plan.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .couchdb_http import split_credentials
from .couchdb_store import CouchDBStore
from .errors import PreconditionFailed
from .migration_defaults import DEFAULT_BATCH_SIZE, DEFAULT_JOBS, DEFAULT_PREFIX
from .peers import StorePeer
from .replicator import ReplicationResult, replicate
from .sqlite_store import FILE_NAME, SqliteStore
from .store import ChangesRequest, DocumentStore, Json, Seq

VERIFY_PAGE = 2000
EXAMPLES = 5
COUCHDB_PREFIX = re.compile(r"[a-z][a-z0-9_$()+/-]*")

Databases = Callable[[DocumentStore], Awaitable[list[str]]]


class MigrationError(Exception):
    """A problem with the request itself (bad location, same store twice); its message is safe to print."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One side of a migration. ``location`` is a resolved directory or a CouchDB URL that may carry
    credentials: only :attr:`label` (credentials removed) is ever shown."""

    kind: str  # "sqlite" or "couchdb"
    location: str
    prefix: str = DEFAULT_PREFIX

    @property
    def label(self) -> str:
        """How this side is shown: the kind and the location, never credentials."""
        if self.kind == "sqlite":
            return f"sqlite:{self.location}"
        return f"couchdb:{split_credentials(self.location)[0]} (prefix {self.prefix})"

    def identity(self, db: str) -> str:
        """The replication identity of one database: stable across runs, without credentials."""
        if self.kind == "sqlite":
            return f"sqlite:{self.location}#{db}"
        return f"couchdb:{split_credentials(self.location)[0]}/{self.prefix}{db}"

    def open_store(self) -> DocumentStore:
        """A new (not yet opened) store for this side."""
        if self.kind == "sqlite":
            return SqliteStore(Path(self.location))
        return CouchDBStore(self.location, prefix=self.prefix, timeout=30.0)


def parse_endpoint(value: str, prefix: str, *, environ: Mapping[str, str] | None = None) -> Endpoint:
    """``http(s)://…`` is CouchDB; ``env:NAME`` is the CouchDB URL in variable ``NAME``; anything else
    is a SQLite data directory."""
    env = os.environ if environ is None else environ
    if value.startswith("env:"):
        name = value[4:]
        value = env.get(name, "")
        if not value.startswith(("http://", "https://")):
            raise MigrationError(f"environment variable {name} must hold an http:// or https:// CouchDB URL")
    if value.startswith(("http://", "https://")):
        try:
            split_credentials(value)
        except ValueError as exc:
            raise MigrationError(str(exc)) from None
        if not COUCHDB_PREFIX.fullmatch(prefix):
            raise MigrationError("a CouchDB prefix must start with a lowercase letter (e.g. alongside-)")
        return Endpoint("couchdb", value, prefix)
    return Endpoint("sqlite", str(Path(value).expanduser().resolve()))


# -- verification --------------------------------------------------------------------------------


async def _feed(store: DocumentStore, db: str, *, all_leaves: bool) -> dict[str, tuple[str, ...]]:
    """Each document's revisions from the changes feed: every leaf (sorted), or just the winner."""
    out: dict[str, tuple[str, ...]] = {}
    since: Seq = 0
    while True:
        page = await store.changes(db, ChangesRequest(since=since, limit=VERIFY_PAGE, all_leaves=all_leaves))
        rows: list[Json] = page.get("results", [])
        for row in rows:
            revs = [str(change["rev"]) for change in row["changes"]]
            out[str(row["id"])] = tuple(sorted(revs)) if all_leaves else tuple(revs[:1])
        if len(rows) < VERIFY_PAGE:
            return out
        since = page["last_seq"]


def _examples(ids: set[str]) -> str:
    shown = sorted(ids)[:EXAMPLES]
    more = f" and {len(ids) - len(shown)} more" if len(ids) > len(shown) else ""
    return ", ".join(shown) + more


async def compare_database(source: DocumentStore, target: DocumentStore, db: str) -> tuple[list[str], Json]:
    """``(mismatches, counts)`` for one database: ids, winners, leaf sets and document counts."""
    mismatches: list[str] = []
    source_info, target_info = await source.database_info(db), await target.database_info(db)
    for key in ("doc_count", "doc_del_count"):
        if source_info[key] != target_info[key]:
            mismatches.append(f"{key}: {source_info[key]} in the source, {target_info[key]} in the target")
    for all_leaves, what in ((False, "winning revision"), (True, "leaf revisions")):
        ours, theirs = await _feed(source, db, all_leaves=all_leaves), await _feed(target, db, all_leaves=all_leaves)
        if all_leaves is False:
            if only := set(ours) - set(theirs):
                mismatches.append(f"{len(only)} documents only in the source: {_examples(only)}")
            if only := set(theirs) - set(ours):
                mismatches.append(f"{len(only)} documents only in the target: {_examples(only)}")
        differ = {doc_id for doc_id in set(ours) & set(theirs) if ours[doc_id] != theirs[doc_id]}
        if differ:
            mismatches.append(f"{len(differ)} documents with a different {what}: {_examples(differ)}")
    counts = {"doc_count": source_info["doc_count"], "doc_del_count": source_info["doc_del_count"]}
    return mismatches, counts


# -- copying -------------------------------------------------------------------------------------


@dataclass(slots=True)
class DatabaseReport:
    """What happened to one database (the JSON summary lists these)."""

    db: str
    created: bool = False
    resumed: bool = False
    docs_read: int = 0
    docs_written: int = 0
    doc_write_failures: int = 0
    doc_count: int = 0
    doc_del_count: int = 0
    verified: bool = False
    mismatches: list[str] = field(default_factory=list)


Progress = Callable[[str, ReplicationResult], None]


async def copy_database(
    source: Endpoint,
    target: Endpoint,
    source_store: DocumentStore,
    target_store: DocumentStore,
    db: str,
    *,
    batch_size: int,
    progress: Progress | None = None,
) -> DatabaseReport:
    """Replicate one database (creating it in the target if needed), then verify it."""
    report = DatabaseReport(db=db)
    if not await target_store.database_exists(db):
        try:
            await target_store.create_database(db)
            report.created = True
        except PreconditionFailed:
            pass
    result = await replicate(
        StorePeer(source_store, db, identity=source.identity(db)),
        StorePeer(target_store, db, identity=target.identity(db)),
        batch_size=batch_size,
        on_checkpoint=(lambda r: progress(db, r)) if progress is not None else None,
    )
    report.resumed = result.start_seq not in (0, "0")
    report.docs_read = result.docs_read
    report.docs_written = result.docs_written
    report.doc_write_failures = result.doc_write_failures
    if result.doc_write_failures:
        reasons = sorted({str(error.get("reason") or error.get("error")) for error in result.errors})
        report.mismatches.append(f"{result.doc_write_failures} documents could not be written: {'; '.join(reasons)}")
    mismatches, counts = await compare_database(source_store, target_store, db)
    report.mismatches.extend(mismatches)
    report.doc_count, report.doc_del_count = counts["doc_count"], counts["doc_del_count"]
    report.verified = not report.mismatches
    return report


async def migrate(
    source: Endpoint,
    target: Endpoint,
    *,
    databases: Databases,
    batch_size: int = DEFAULT_BATCH_SIZE,
    jobs: int = DEFAULT_JOBS,
    progress: Progress | None = None,
) -> Json:
    """Copy and verify into ``target`` the databases of ``source`` that ``databases(source store)`` names;
    return the summary (``per_database``: one :class:`DatabaseReport` each, as a dict)."""
    if source.label == target.label:
        raise MigrationError("--from and --to name the same store")
    if source.kind == "sqlite" and not (Path(source.location) / FILE_NAME).is_file():
        raise MigrationError(f"there is no Alongside SQLite store in {source.location}")
    started = time.monotonic()
    source_store, target_store = source.open_store(), target.open_store()
    await source_store.open()
    try:
        await target_store.open()
        try:
            names = await databases(source_store)
            limit = asyncio.Semaphore(max(jobs, 1))

            async def one(db: str) -> DatabaseReport:
                async with limit:
                    return await copy_database(
                        source, target, source_store, target_store, db, batch_size=batch_size, progress=progress
                    )

            tasks = [asyncio.ensure_future(one(db)) for db in names]
            try:
                reports = list(await asyncio.gather(*tasks))
            except BaseException:
                for task in tasks:  # stop the other copies before the stores close under them
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        finally:
            await target_store.close()
    finally:
        await source_store.close()
    verified = all(report.verified for report in reports)
    return {
        "ok": verified,
        "verified": verified,
        "from": source.label,
        "to": target.label,
        "databases": len(reports),
        "docs_read": sum(r.docs_read for r in reports),
        "docs_written": sum(r.docs_written for r in reports),
        "doc_write_failures": sum(r.doc_write_failures for r in reports),
        "doc_count": sum(r.doc_count for r in reports),
        "doc_del_count": sum(r.doc_del_count for r in reports),
        "resumed": sum(1 for r in reports if r.resumed),
        "seconds": round(time.monotonic() - started, 3),
        "per_database": [asdict(report) for report in reports],
    }
