"""Fixtures for the server's rules tests: one server per storage backend for a module, a fresh plan per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
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
