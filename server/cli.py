"""The ``alongside`` command: ``serve`` and ``admin``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .settings import Settings


def _add_storage_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, help="directory for the SQLite store (default ./data)")
    parser.add_argument("--couchdb", default=None, help="CouchDB URL (or ALONGSIDE_COUCHDB_URL); overrides --data")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=args.data, couchdb_url=args.couchdb)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = _settings(args)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


async def _create_plan(settings: Settings) -> dict[str, str]:
    from .app import open_store
    from .directory import Directory

    store = open_store(settings)
    await store.open()
    try:
        directory = Directory(store)
        await directory.ensure()
        created = await directory.create_plan_with_device()
        return {"plan": created.plan_id, "token": created.token}
    finally:
        await store.close()


def _admin_create_plan(args: argparse.Namespace) -> int:
    print(json.dumps(asyncio.run(_create_plan(_settings(args)))))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alongside", description="Alongside sync server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the app and the sync endpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    _add_storage_arguments(serve)
    serve.set_defaults(run=_serve)

    admin = commands.add_parser("admin", help="operator commands")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create_plan = admin_commands.add_parser("create-plan", help="create a plan with one member device; prints JSON")
    _add_storage_arguments(create_plan)
    create_plan.set_defaults(run=_admin_create_plan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
