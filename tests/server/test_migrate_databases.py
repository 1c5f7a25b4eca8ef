"""Which databases ``alongside migrate`` copies: the directory and every plan, through the store interface alone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alongside.server.directory import Directory
from alongside.server.directory_ids import plan_doc_id
from alongside.server.migrate import source_databases
from alongside.sync.errors import Forbidden
from alongside.sync.sqlite_store import SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class UnlistingStore(SqliteStore):
    """A store that may not list its databases, as Apache CouchDB 3 answers a user who is not a server admin."""

    async def list_databases(self) -> list[str]:
        raise Forbidden("Only a CouchDB server admin may list the databases.")


@pytest.fixture(params=[SqliteStore, UnlistingStore])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """A directory naming one plan, that plan's database, a plan database the directory does not name (left
    behind by a crash), and a database that is not Alongside's."""
    opened: SqliteStore = request.param(tmp_path / "data")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


async def test_the_directory_and_its_plans_are_found_whether_or_not_the_store_may_list_databases(
    store: SqliteStore,
) -> None:
    named, unnamed = sorted(uuid.uuid4().hex for _ in range(2))
    directory = Directory(store)
    await directory.ensure()
    await directory.put({"_id": plan_doc_id(named), "type": "plan"})
    for db in (f"plan-{named}", f"plan-{unnamed}", "scratch", "learning"):
        await store.create_database(db)
    listed = [f"plan-{unnamed}"] if type(store) is SqliteStore else []  # only a listing can find it
    assert await source_databases(store) == ["directory", "learning", f"plan-{named}", *listed]
