"""Fixtures for the server tests: for the rules tests one server per storage backend for a module and a fresh
plan per test; for the Python device tests a server, a hostile proxy and a family's plan per test; for the
tests of the directory's parts, an empty store of each kind; for the pages' tests, the app in process with the
web app built."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.backends import server_on_backend
from support.hostile_proxy import HostileProxy
from support.plan_world import Family, PlanWorld, family_plan, serving
from support.processes import AlongsideServer, CouchDBPeer
from support.pwa import ensure_built
from support.server_plan import Organisation, ServerPlan, running_organisation

from alongside.server.app import create_app
from alongside.server.settings import Settings
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import DocumentStore

BACKENDS = ("sqlite", "couchdb")


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Settings from the environment for the module's servers; a module overrides this fixture to set its own."""
    return {}


@pytest.fixture(scope="module", params=BACKENDS)
def organisation(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[Organisation]:
    """One ``alongside serve`` per backend for the module, with an organisation and the worker's enrolled tablet."""
    directory = tmp_path_factory.mktemp(f"organisation-{request.param}")
    with running_organisation(server_on_backend(request, request.param, directory, server_env)) as organisation:
        yield organisation


@pytest.fixture
def plan(organisation: Organisation) -> Iterator[ServerPlan]:
    """A new plan: the worker's tablet, the person's phone, a supporter who writes and one who only reads."""
    started = ServerPlan.start(organisation.server, organisation.worker)
    try:
        yield started
    finally:
        started.close()


# -- the Python device tests (test_integrity_*.py, test_hostile_proxy.py) --------------------------------------
# One real ``alongside serve`` per test, a hostile proxy in front of it (it forwards unchanged until a test
# tells it to lie), and a family's plan whose phone and read-only device reach the server through that proxy.
# A module with a fixture of the same name (``server``, ``proxy``…) uses its own.


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    """An empty store of each kind (CouchDB: the session's peer, under a database prefix of this test's own)."""
    if request.param == "couchdb":
        couch: CouchDBPeer = request.getfixturevalue("shared_couchdb")
        opened: DocumentStore = CouchDBStore(couch.url, prefix=f"t{uuid.uuid4().hex[:12]}-")
    else:
        opened = SqliteStore(tmp_path / "store")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AlongsideServer]:
    yield from serving(tmp_path)


@pytest.fixture
def proxy(server: AlongsideServer) -> Iterator[HostileProxy]:
    with HostileProxy(server.url) as running:
        yield running


@pytest.fixture
async def family(server: AlongsideServer, proxy: HostileProxy, tmp_path: Path) -> AsyncIterator[Family]:
    """Ali's tablet, Dee's phone, Sam (supporter, write) and Bo (read-only); Dee and Bo reach the server
    through the proxy."""
    async with PlanWorld(server, tmp_path) as world:
        yield await family_plan(world, phone_url=proxy.url)


@pytest.fixture
def pages_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app in this process (SQLite under ``tmp_path``), serving the web app's build."""
    ensure_built()
    with TestClient(create_app(Settings(data_dir=tmp_path))) as test_client:
        yield test_client
