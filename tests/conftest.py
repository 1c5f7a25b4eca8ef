"""Fixtures that start real components and stop them afterwards.

``alongside_server`` is parametrised over both storage backends: the embedded SQLite store, and
CouchDB (a ``pouchdb-server`` started once per session, or the server named by ``COUCHDB_URL``),
each test on its own database prefix so tests never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.backends import server_on_backend
from support.processes import AlongsideServer, PouchDBServer

BACKENDS = ("sqlite", "couchdb")


@pytest.fixture(scope="session")
def shared_couchdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PouchDBServer]:
    """One CouchDB-compatible server for the session: ``pouchdb-server`` from npm, or ``COUCHDB_URL``."""
    server = PouchDBServer(
        directory=tmp_path_factory.mktemp("shared-couchdb"), external_url=os.environ.get("COUCHDB_URL")
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend under test."""
    name: str = request.param
    return name


@pytest.fixture
def alongside_server(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[AlongsideServer]:
    """A running ``alongside serve`` on the backend under test, stopped at the end of the test."""
    server = server_on_backend(request, backend, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pouchdb_server(tmp_path: Path) -> Iterator[PouchDBServer]:
    """A CouchDB-compatible reference peer of the test's own: ``pouchdb-server``, or ``COUCHDB_URL`` when set."""
    server = PouchDBServer(directory=tmp_path / "pouchdb-server", external_url=os.environ.get("COUCHDB_URL")).start()
    try:
        yield server
    finally:
        server.stop()
