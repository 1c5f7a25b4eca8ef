"""``alongside migrate``: copy every database from one store to another, resumably, and verify the copy.

Either side is a SQLite data directory or a CouchDB server (a URL, or ``env:NAME`` to read the URL
from an environment variable so that credentials stay off the command line). Every Alongside
database (the directory and each plan) is copied with the Python replicator
(:func:`alongside.sync.replicator.replicate`, a :class:`~alongside.sync.peers.StorePeer` on each
side): documents with their whole revision trees, conflicts and deletions included. ``_local``
documents are not copied (CouchDB's replication never copies them; device checkpoints name sequence
numbers of the old store, which mean nothing in the new one, so devices simply re-check once).

The replicator keeps its checkpoints in ``_local`` documents on both sides, so a migration that is
interrupted (killed, CouchDB unreachable) continues from the last checkpoint when run again. At the
end every database is compared on both sides: the same document ids, the same winning revision and
the same set of leaf revisions per document, the same live and deleted document counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from alongside.sync.couchdb_http import split_credentials
from alongside.sync.errors import NotFound, PreconditionFailed, SyncError
from alongside.sync.peers import StorePeer
from alongside.sync.replicator import ReplicationResult, replicate
from alongside.sync.store import ChangesRequest, DocumentStore, Json, Seq

from .directory import DIRECTORY_DB, PLAN_DB_PREFIX, Directory

DEFAULT_PREFIX = "alongside-"
DEFAULT_BATCH_SIZE = 500
DEFAULT_JOBS = 4
VERIFY_PAGE = 2000
EXAMPLES = 5
ALONGSIDE_DATABASE = re.compile(r"^(directory|plan-[0-9a-f]{32})$")
SQLITE_FILE = "alongside.sqlite3"


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
        if self.kind == "sqlite":
            return f"sqlite:{self.location}"
        return f"couchdb:{split_credentials(self.location)[0]} (prefix {self.prefix})"

    def identity(self, db: str) -> str:
        """The replication identity of one database: stable across runs, without credentials."""
        if self.kind == "sqlite":
            return f"sqlite:{self.location}#{db}"
        return f"couchdb:{split_credentials(self.location)[0]}/{self.prefix}{db}"

    def open_store(self) -> DocumentStore:
        if self.kind == "sqlite":
            from alongside.sync.sqlite_store import SqliteStore

            return SqliteStore(Path(self.location))
        from alongside.sync.couchdb_store import CouchDBStore

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
        if not re.match(r"^[a-z][a-z0-9_$()+/-]*$", prefix):
            raise MigrationError("a CouchDB prefix must start with a lowercase letter (e.g. alongside-)")
        return Endpoint("couchdb", value, prefix)
    return Endpoint("sqlite", str(Path(value).expanduser().resolve()))


# -- finding the databases -----------------------------------------------------------------------


async def _listed_databases(store: DocumentStore) -> list[str] | None:
    """Every Alongside database the store can list, or ``None`` if it may not list them."""
    from alongside.sync.couchdb_store import CouchDBStore
    from alongside.sync.sqlite_store import SqliteStore

    if isinstance(store, SqliteStore):

        def names(conn: sqlite3.Connection) -> list[str]:
            return [str(row[0]) for row in conn.execute("SELECT name FROM databases")]

        found = await store.engine.read(names)
    elif isinstance(store, CouchDBStore):
        # Apache CouchDB 3 lets only server admins list databases (``[chttpd] admin_only_all_dbs``).
        response = await store._http.request("GET", "/_all_dbs", expect=(401, 403))
        if response.status != 200 or not isinstance(response.body, list):
            return None
        found = [name[len(store.prefix) :] for name in response.body if str(name).startswith(store.prefix)]
    else:
        return None
    return [name for name in found if ALONGSIDE_DATABASE.match(name)]


async def source_databases(store: DocumentStore) -> list[str]:
    """The directory and every plan database of ``store`` (those it lists, and those its directory names)."""
    if not await store.database_exists(DIRECTORY_DB):
        raise MigrationError("the source has no Alongside directory database: is this the right location/prefix?")
    names = set(await _listed_databases(store) or [])
    names.add(DIRECTORY_DB)
    for plan in await Directory(store).by_prefix("plan:"):
        names.add(PLAN_DB_PREFIX + str(plan["_id"]).split(":", 1)[1])
    present = [name for name in sorted(names) if ALONGSIDE_DATABASE.match(name) and await store.database_exists(name)]
    return sorted(present, key=lambda name: (name != DIRECTORY_DB, name))


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
    batch_size: int = DEFAULT_BATCH_SIZE,
    jobs: int = DEFAULT_JOBS,
    progress: Progress | None = None,
) -> Json:
    """Copy and verify every Alongside database of ``source`` into ``target``; return the summary."""
    if source.label == target.label:
        raise MigrationError("--from and --to name the same store")
    if source.kind == "sqlite" and not (Path(source.location) / SQLITE_FILE).is_file():
        raise MigrationError(f"there is no Alongside SQLite store in {source.location}")
    started = time.monotonic()
    source_store, target_store = source.open_store(), target.open_store()
    await source_store.open()
    try:
        await target_store.open()
        try:
            names = await source_databases(source_store)
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


# -- the command ---------------------------------------------------------------------------------


def _print_summary(summary: Json) -> None:
    print(f"Migrated {summary['databases']} databases from {summary['from']} to {summary['to']}.")
    for report in summary["per_database"]:
        notes = [f"{report['docs_written']} documents written", f"{report['doc_count']} live"]
        notes.append(f"{report['doc_del_count']} deleted")
        if report["created"]:
            notes.append("created")
        if report["resumed"]:
            notes.append("resumed from a checkpoint")
        state = "verified" if report["verified"] else "NOT VERIFIED"
        print(f"  {report['db']}: {', '.join(notes)}; {state}")
        for mismatch in report["mismatches"]:
            print(f"    - {mismatch}")
    outcome = "every database verified" if summary["verified"] else "VERIFICATION FAILED"
    print(
        f"{summary['docs_written']} documents written ({summary['docs_read']} read) "
        f"in {summary['seconds']:.1f} s; {outcome}."
    )


def run(args: argparse.Namespace) -> int:
    """``alongside migrate`` (``args`` from :func:`alongside.server.cli.build_parser`)."""

    def progress(db: str, result: ReplicationResult) -> None:
        if args.json:
            line = json.dumps(
                {"progress": {"db": db, "docs_read": result.docs_read, "docs_written": result.docs_written}}
            )
        else:
            line = f"  {db}: {result.docs_written} documents written so far"
        print(line, file=sys.stderr, flush=True)

    try:
        source = parse_endpoint(args.source, args.from_prefix)
        target = parse_endpoint(args.target, args.to_prefix)
        if not args.json:
            print(f"Copying {source.label} to {target.label} ...", file=sys.stderr, flush=True)
        summary = asyncio.run(migrate(source, target, batch_size=args.batch_size, jobs=args.jobs, progress=progress))
    except MigrationError as exc:
        print(f"alongside migrate: {exc}", file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"alongside migrate: not found: {exc.reason}", file=sys.stderr)
        return 1
    except SyncError as exc:  # reasons from the stores never carry credentials
        print(f"alongside migrate: {exc.reason}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        _print_summary(summary)
    return 0 if summary["verified"] else 1
