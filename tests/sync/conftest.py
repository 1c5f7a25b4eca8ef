"""Fixtures for the sync tests: one CouchDB-compatible server per module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support.processes import PouchDBServer


@pytest.fixture(scope="module")
def couch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One pouchdb-server (or ``COUCHDB_URL``) for the module; tests keep apart by database prefix."""
    server = PouchDBServer(tmp_path_factory.mktemp("couch"), external_url=os.environ.get("COUCHDB_URL")).start()
    try:
        yield server.url
    finally:
        server.stop()
