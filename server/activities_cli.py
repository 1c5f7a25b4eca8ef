"""``alongside admin activities import FILE`` and ``alongside admin activities export``: the organisation's
community activities from and to a file (CSV, JSON or Open Referral HSDS 3.0), straight on the store.

Import takes every good row, reports each bad one by its line (or entry) with a plain reason, and leaves the bad
ones out whole; importing the same file again changes nothing. The summary is printed as text, or as one line of
JSON with ``--json``; the exit status is 1 when a row was bad (the good ones are imported all the same).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .activities import Activities
from .activities_import import FORMATS, format_of, read_activities, write_csv
from .directory import Directory
from .directory_ids import ORG_PREFIX
from .hsds import hsds_page
from .settings import Settings


async def _with_activities(settings: Settings, action: Callable[[Activities, str, str], Any]) -> Any:
    from .storage import open_store

    store = open_store(settings)
    await store.open()
    try:
        directory = Directory(store, access_recheck=settings.access_recheck_seconds())
        await directory.ensure()
        orgs = await directory.orgs()
        if not orgs:
            raise SystemExit("alongside: run 'alongside admin init' first.")
        org = str(orgs[0]["_id"]).removeprefix(ORG_PREFIX)
        activities = Activities(store)
        await activities.ensure()
        return await action(activities, org, str(orgs[0].get("name", "")))
    finally:
        await store.close()


def _import(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"alongside: cannot read {path}: {exc}") from None
    records, problems = read_activities(text, format_of(args.file, args.format))

    async def write(activities: Activities, org: str, _name: str) -> dict[str, Any]:
        report = await activities.write(org, records)
        report.errors = problems
        return report.to_json()

    summary = asyncio.run(_with_activities(settings, write))
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{summary['added']} added, {summary['updated']} changed, {summary['unchanged']} already as given; "
            f"{len(problems)} left out. The catalogue is now version {summary['version']}."
        )
        for problem in problems:
            where = f"line {problem['line']}" if "line" in problem else f"entry {problem['entry']}"
            print(f"{where}: {problem['reason']}", file=sys.stderr)
    return 1 if problems else 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    async def read(activities: Activities, org: str, name: str) -> str:
        records = await activities.list(org)
        if args.format == "csv":
            return write_csv(records)
        if args.format == "hsds":
            return json.dumps(hsds_page(org, name, records), ensure_ascii=False, indent=1)
        document = {"v": 1, "org": org, "version": await activities.version(org), "activities": records}
        return json.dumps(document, ensure_ascii=False, indent=1)

    text = asyncio.run(_with_activities(settings, read))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
    return 0


def run_activities(args: argparse.Namespace, settings: Settings) -> int:
    return _import(args, settings) if args.activities_command == "import" else _export(args, settings)


def add_activities_commands(
    admin_commands: argparse._SubParsersAction[argparse.ArgumentParser],
    add_storage: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """``admin activities import`` and ``admin activities export``."""
    activities = admin_commands.add_parser("activities", help="import or export the community activities directory")
    commands = activities.add_subparsers(dest="activities_command", required=True)
    do_import = commands.add_parser(
        "import",
        help="import activities from a CSV, JSON or HSDS file: good rows in, bad rows reported by line",
    )
    do_import.add_argument("file", metavar="FILE")
    do_import.add_argument("--format", choices=FORMATS, default=None, help="csv, json or hsds (default: by name)")
    do_import.add_argument("--json", action="store_true", help="print the summary as one line of JSON")
    add_storage(do_import)
    do_import.set_defaults(run=run)
    export = commands.add_parser("export", help="write every activity as CSV, JSON or HSDS 3.0")
    export.add_argument("--format", choices=FORMATS, default="json")
    export.add_argument("--output", "-o", default=None, help="the file to write (default: standard output)")
    add_storage(export)
    export.set_defaults(run=run)
