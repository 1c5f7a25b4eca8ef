"""Fixtures for the sync tests: one CouchDB peer per module (the session's Apache CouchDB node when
``COUCHDB_RELEASE`` or ``COUCHDB_URL`` names one, else a pouchdb-server of the module's own)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from support.couchdb_release import RELEASE_ENV
from support.processes import CouchDBPeer, PouchDBServer


@pytest.fixture(scope="module")
def couch_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    """The module's CouchDB URL; tests keep apart by database prefix."""
    if os.environ.get(RELEASE_ENV):
        shared: CouchDBPeer = request.getfixturevalue("shared_couchdb")
        yield shared.url
        return
    server = PouchDBServer(tmp_path_factory.mktemp("couch"), external_url=os.environ.get("COUCHDB_URL")).start()
    try:
        yield server.url
    finally:
        server.stop()
