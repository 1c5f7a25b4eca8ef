"""Fixtures that start real components and stop them afterwards.

``alongside_server`` is parametrised over both storage backends: the embedded SQLite store, and
CouchDB, each test on its own database prefix so tests never see each other's data. The CouchDB peer is,
in this order: Apache CouchDB started by the tests from the release named by ``COUCHDB_RELEASE``
(:mod:`support.couchdb_release`), the server named by ``COUCHDB_URL``, else ``pouchdb-server`` from npm.
The report's header names the peer.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.backends import server_on_backend
from support.couchdb_release import RELEASE_ENV, CouchDBNode, release_version, unpacked_release
from support.processes import AlongsideServer, CouchDBPeer, PouchDBServer

BACKENDS = ("sqlite", "couchdb")


@functools.cache
def peer_line() -> str:
    """One line naming the run's CouchDB peer (the report's header, and its summary)."""
    release, url = os.environ.get(RELEASE_ENV), os.environ.get("COUCHDB_URL")
    if release:
        version = release_version(Path(release))
        return f"CouchDB peer: Apache CouchDB {version} started from COUCHDB_RELEASE ({release})"
    if url:
        return f"CouchDB peer: the CouchDB at COUCHDB_URL ({PouchDBServer(Path('.'), external_url=url).bare_url})"
    return "CouchDB peer: pouchdb-server (npm) behind the CouchDB adapter (set COUCHDB_RELEASE for Apache CouchDB)"


def pytest_report_header(config: pytest.Config) -> str:
    return peer_line()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(peer_line())  # also under -q, which drops the header


@pytest.fixture(scope="session")
def couchdb_release(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The Apache CouchDB release folder named by ``COUCHDB_RELEASE`` (unpacked once per session), or ``None``."""
    release = os.environ.get(RELEASE_ENV)
    if not release:
        return None
    return unpacked_release(Path(release), tmp_path_factory.mktemp("couchdb-release"))


def couchdb_peer(release: Path | None, directory: Path) -> CouchDBPeer:
    """A started CouchDB peer keeping its data under `directory`: a node of `release`, or ``COUCHDB_URL``'s
    server, else pouchdb-server."""
    if release is not None:
        return CouchDBNode(release, directory).start()
    return PouchDBServer(directory=directory, external_url=os.environ.get("COUCHDB_URL")).start()


@pytest.fixture(scope="session")
def shared_couchdb(tmp_path_factory: pytest.TempPathFactory, couchdb_release: Path | None) -> Iterator[CouchDBPeer]:
    """One CouchDB peer for the session (see the module's docstring for which)."""
    server = couchdb_peer(couchdb_release, tmp_path_factory.mktemp("shared-couchdb"))
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
def pouchdb_server(tmp_path: Path, couchdb_release: Path | None) -> Iterator[CouchDBPeer]:
    """A CouchDB peer of the test's own, which the test may stop, pause and restart: a node of
    ``COUCHDB_RELEASE``, the server at ``COUCHDB_URL`` (shared: such tests skip), else pouchdb-server."""
    server = couchdb_peer(couchdb_release, tmp_path / "couchdb-peer")
    try:
        yield server
    finally:
        server.stop()
