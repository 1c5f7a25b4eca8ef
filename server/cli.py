"""The ``alongside`` command: ``serve``, ``admin`` and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .directory import Directory
from .settings import Settings, SettingsError, worker_count


def _add_storage_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, help="directory for the SQLite store (default ./data)")
    parser.add_argument("--couchdb", default=None, help="CouchDB URL (or ALONGSIDE_COUCHDB_URL); overrides --data")


def _settings(args: argparse.Namespace) -> Settings:
    """The settings: the environment's (:meth:`Settings.from_env`), then the flags given."""
    try:
        return Settings.from_env(data_dir=args.data, couchdb_url=args.couchdb, workers=getattr(args, "workers", None))
    except SettingsError as exc:
        raise SystemExit(f"alongside: {exc}") from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = _settings(args)
    workers = settings.workers
    connections = _connection_limits(settings)
    if workers == 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level, **connections)
        return 0
    # Several processes on one listening socket: each builds its app from the environment, so hand the
    # storage choice over there (its other settings are already ALONGSIDE_* variables).
    if args.data is not None:
        os.environ["ALONGSIDE_DATA"] = str(args.data)
    if args.couchdb:
        os.environ["ALONGSIDE_COUCHDB_URL"] = args.couchdb
    uvicorn.run(
        "alongside.server.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        **connections,
    )
    return 0


def _connection_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for slow and oversized requests, from the settings (server/http_protocol.py)."""
    from .http_protocol import LimitedHttpToolsProtocol

    protocol = partial(
        LimitedHttpToolsProtocol,
        header_timeout=settings.header_timeout_seconds,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout_seconds,
    )
    return {"http": protocol, "timeout_keep_alive": settings.keep_alive_seconds, "access_log": False}


def _worker_count(text: str) -> int:
    try:
        return worker_count(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def _create_plan(directory: Directory) -> dict[str, str]:
    created = await directory.create_plan_with_device()
    return {"plan": created.plan_id, "token": created.token}


async def _with_directory(
    settings: Settings, action: Callable[[Directory], Awaitable[dict[str, str]]]
) -> dict[str, str]:
    from .storage import open_store

    store = open_store(settings)
    await store.open()
    try:
        directory = Directory(store, access_recheck=settings.access_recheck_seconds())
        await directory.ensure()
        return await action(directory)
    finally:
        await store.close()


def _print_enrolment(result: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    import segno

    print(f"Enrolment code for {result['name']}: {result['code']}")
    print("It works once, for 7 days. On the device: open Alongside, choose 'I have a code', scan or type it.")
    segno.make(result["code"], error="m").terminal(compact=True)


def _admin_init(args: argparse.Namespace) -> int:
    async def init(directory: Directory) -> dict[str, str]:
        if await directory.orgs():
            raise SystemExit("alongside: this store already has an organisation; use 'admin add-worker'.")
        org = await directory.create_org(args.org)
        account = await directory.create_account("admin", org=org, name=args.name)
        code = await directory.create_enrolment(account)
        return {"org": org, "account": account, "name": args.name, "code": code}

    _print_enrolment(asyncio.run(_with_directory(_settings(args), init)), args.json)
    return 0


def _admin_add_worker(args: argparse.Namespace) -> int:
    async def add(directory: Directory) -> dict[str, str]:
        orgs = await directory.orgs()
        if not orgs:
            raise SystemExit("alongside: run 'alongside admin init' first.")
        org = orgs[0]["_id"].split(":", 1)[1]
        account = await directory.create_account("admin" if args.admin else "worker", org=org, name=args.name)
        code = await directory.create_enrolment(account)
        return {"org": org, "account": account, "name": args.name, "code": code}

    _print_enrolment(asyncio.run(_with_directory(_settings(args), add)), args.json)
    return 0


def _admin_hand_over(args: argparse.Namespace) -> int:
    from alongside.sync.errors import SyncError

    from .handover_routes import request_handovers

    async def hand_over(directory: Directory) -> dict[str, Any]:
        orgs = await directory.orgs()
        if not orgs:
            raise SystemExit("alongside: run 'alongside admin init' first.")
        org = orgs[0]["_id"].split(":", 1)[1]
        try:
            handovers, _ = await request_handovers(
                directory, org=org, from_account=args.source, to_account=args.to, plan_id=args.plan, by="operator"
            )
        except SyncError as exc:
            raise SystemExit(f"alongside: {exc.reason}") from None
        return {"from_account": args.source, "to_account": args.to, "plans": [h.plan_id for h in handovers]}

    result = asyncio.run(_with_directory(_settings(args), hand_over))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Handover asked for {len(result['plans'])} plan(s). The person's device (or the worker's) makes the")
        print("handover code; the colleague joins with it, and the person says yes or no.")
    return 0


def _admin_create_plan(args: argparse.Namespace) -> int:
    print(json.dumps(asyncio.run(_with_directory(_settings(args), _create_plan))))
    return 0


def _admin_activities(args: argparse.Namespace) -> int:
    from .activities_cli import run_activities

    return run_activities(args, _settings(args))


def _migrate(args: argparse.Namespace) -> int:
    from .migrate import run

    return run(args)


def _add_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from alongside.sync.migration_defaults import DEFAULT_BATCH_SIZE, DEFAULT_JOBS, DEFAULT_PREFIX

    migrate = commands.add_parser(
        "migrate",
        help="copy every database between stores (SQLite directory or CouchDB), resumably, and verify the copy",
        description=(
            "Copy the directory and every plan from one store to another with the replicator, then verify "
            "(same ids, winning revisions, leaf revisions and counts). Re-running continues from checkpoints. "
            "A location starting with http:// or https:// is CouchDB; env:NAME reads that URL from the "
            "environment variable NAME (keeps credentials out of ps); anything else is a SQLite data directory. "
            "_local documents are not copied."
        ),
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="SOURCE", help="data directory or CouchDB")
    migrate.add_argument("--to", dest="target", required=True, metavar="TARGET", help="data directory or CouchDB")
    migrate.add_argument("--from-prefix", default=DEFAULT_PREFIX, help=f"source CouchDB prefix ({DEFAULT_PREFIX})")
    migrate.add_argument("--to-prefix", default=DEFAULT_PREFIX, help=f"target CouchDB prefix ({DEFAULT_PREFIX})")
    migrate.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"changes per batch ({DEFAULT_BATCH_SIZE})"
    )
    migrate.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"databases copied at once ({DEFAULT_JOBS})")
    migrate.add_argument("--json", action="store_true", help="print the summary as one line of JSON (progress too)")
    migrate.set_defaults(run=_migrate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alongside", description="Alongside sync server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the app and the sync endpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        help="server processes sharing the port and the storage (or ALONGSIDE_WORKERS; default 1)",
    )
    _add_storage_arguments(serve)
    serve.set_defaults(run=_serve)

    admin = commands.add_parser("admin", help="operator commands")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create_plan = admin_commands.add_parser("create-plan", help="create a plan with one member device; prints JSON")
    _add_storage_arguments(create_plan)
    create_plan.set_defaults(run=_admin_create_plan)

    init = admin_commands.add_parser("init", help="create the organisation and its first admin; prints a code")
    init.add_argument("--org", required=True, help="the organisation's name")
    init.add_argument("--name", required=True, help="the admin's name")
    init.add_argument("--json", action="store_true", help="print one line of JSON instead of a QR code")
    _add_storage_arguments(init)
    init.set_defaults(run=_admin_init)

    add_worker = admin_commands.add_parser("add-worker", help="add a worker; prints their one-time enrolment code")
    add_worker.add_argument("--name", required=True, help="the worker's name")
    add_worker.add_argument("--admin", action="store_true", help="make them an admin too")
    add_worker.add_argument("--json", action="store_true", help="print one line of JSON instead of a QR code")
    _add_storage_arguments(add_worker)
    add_worker.set_defaults(run=_admin_add_worker)

    hand_over = admin_commands.add_parser(
        "hand-over", help="ask for a worker's plans (or one plan) to be handed over to a colleague"
    )
    hand_over.add_argument("--from", dest="source", required=True, metavar="ACCOUNT", help="the worker's account")
    hand_over.add_argument("--to", required=True, metavar="ACCOUNT", help="the colleague's account")
    hand_over.add_argument("--plan", default=None, help="one plan (default: every plan the worker is the worker on)")
    hand_over.add_argument("--json", action="store_true", help="print one line of JSON")
    _add_storage_arguments(hand_over)
    hand_over.set_defaults(run=_admin_hand_over)

    from .activities_cli import add_activities_commands

    add_activities_commands(admin_commands, _add_storage_arguments, _admin_activities)
    _add_migrate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
