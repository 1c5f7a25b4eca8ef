"""``alongside migrate``: copy every Alongside database from one store to another, and verify the copy.

The copying, resuming and verifying is :mod:`alongside.sync.migrate`; this module says which databases
are Alongside's (the directory, the activities directory, the learning facts and each plan) and is the command
(arguments from :func:`alongside.server.cli.build_parser`, a printed or JSON summary).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys

from alongside.sync.errors import Forbidden, NotFound, SyncError
from alongside.sync.migrate import MigrationError, migrate, parse_endpoint
from alongside.sync.migration_defaults import DEFAULT_BATCH_SIZE, DEFAULT_JOBS, DEFAULT_PREFIX
from alongside.sync.replicator import ReplicationResult
from alongside.sync.store import DocumentStore, Json

from .activities import ACTIVITIES_DB
from .directory import DIRECTORY_DB, PLAN_DB_PREFIX, Directory
from .directory_ids import PLAN_PREFIX
from .learning import LEARNING_DB

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_JOBS", "DEFAULT_PREFIX", "run", "source_databases"]

ALONGSIDE_DATABASE = re.compile(r"directory|activities|learning|plan-[0-9a-f]{32}")


async def source_databases(store: DocumentStore) -> list[str]:
    """The directory, the activities directory (docs/api.md §16), the learning facts (§17) and every plan
    database of ``store`` (those it lists, and those its directory names)."""
    if not await store.database_exists(DIRECTORY_DB):
        raise MigrationError("the source has no Alongside directory database: is this the right location/prefix?")
    try:
        names = set(await store.list_databases())
    except Forbidden:  # a CouchDB user who is not a server admin: the directory names every plan
        names = set()
    names.update((DIRECTORY_DB, ACTIVITIES_DB, LEARNING_DB))
    for plan in await Directory(store).by_prefix(PLAN_PREFIX):
        names.add(PLAN_DB_PREFIX + str(plan["_id"]).split(":", 1)[1])
    present = [
        name for name in sorted(names) if ALONGSIDE_DATABASE.fullmatch(name) and await store.database_exists(name)
    ]
    return sorted(present, key=lambda name: (name != DIRECTORY_DB, name))


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
        summary = asyncio.run(
            migrate(
                source,
                target,
                databases=source_databases,
                batch_size=args.batch_size,
                jobs=args.jobs,
                progress=progress,
            )
        )
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
