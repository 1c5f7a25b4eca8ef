"""Fixtures that start real components and stop them afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.processes import AlongsideServer, PouchDBServer


@pytest.fixture
def alongside_server(tmp_path: Path) -> Iterator[AlongsideServer]:
    """A running ``alongside serve`` on the SQLite store, killed at the end of the test."""
    server = AlongsideServer(data_dir=tmp_path / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pouchdb_server(tmp_path: Path) -> Iterator[PouchDBServer]:
    """A CouchDB-compatible reference peer: ``pouchdb-server`` from npm, or ``COUCHDB_URL`` when set."""
    server = PouchDBServer(directory=tmp_path / "pouchdb-server", external_url=os.environ.get("COUCHDB_URL")).start()
    try:
        yield server
    finally:
        server.stop()
