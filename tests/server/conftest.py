"""Fixtures for the server tests: for the rules tests one server per storage backend for a module and a fresh
plan per test; for the Python device tests a server, a hostile proxy and a family's plan per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.hostile_proxy import HostileProxy
from support.plan_world import Family, PlanWorld, family_plan, serving
from support.processes import AlongsideServer, PouchDBServer
from support.server_plan import Device, ServerPlan, enrol

BACKENDS = ("sqlite", "couchdb")


@dataclass
class Organisation:
    server: AlongsideServer
    worker: Device  # the worker's tablet: it starts a plan for each test


@pytest.fixture(scope="module", params=BACKENDS)
def organisation(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Organisation]:
    """One ``alongside serve`` per backend for the module, with an organisation and the worker's enrolled tablet."""
    directory = tmp_path_factory.mktemp(f"organisation-{request.param}")
    if request.param == "couchdb":
        couch: PouchDBServer = request.getfixturevalue("shared_couchdb")
        server = AlongsideServer(
            data_dir=directory / "data",
            storage_args=["--couchdb", couch.url],
            env={"ALONGSIDE_COUCHDB_PREFIX": f"t{uuid.uuid4().hex[:12]}-"},
            couchdb=couch,
        )
    else:
        server = AlongsideServer(data_dir=directory / "data")
    server.start()
    try:
        server.admin("init", "--org", "Riverside Family Support", "--name", "Admin", "--json")
        worker = enrol(server, server.admin("add-worker", "--name", "Ali", "--json")["code"])
        yield Organisation(server, worker)
        worker.client.close()
    finally:
        server.stop()


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
