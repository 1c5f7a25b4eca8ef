"""``alongside serve`` on either storage backend, as the fixtures in ``tests/conftest.py`` and ``tests/server``
start it: the embedded SQLite store in the test's own folder, or CouchDB (the session's shared peer:
Apache CouchDB from ``COUCHDB_RELEASE``, ``COUCHDB_URL``, or pouchdb-server) under a database prefix of the
server's own."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from .processes import AlongsideServer, CouchDBPeer

# A browser test module whose outcome does not depend on the storage runs on SQLite only (``pytestmark``): the
# app over CouchDB is shown by the browser tests whose outcome does (flaky signal, conflicts, an edit meeting a
# deletion, the first download, pending changes clearing) and by the protocol and PouchDB tests on both backends.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def server_on_backend(
    request: pytest.FixtureRequest, backend: str, directory: Path, env: dict[str, str] | None = None
) -> AlongsideServer:
    """An ``alongside serve`` (not started yet) keeping its data under `directory` on `backend`
    (``"sqlite"`` or ``"couchdb"``), with `env` added to its environment."""
    if backend == "couchdb":
        couch: CouchDBPeer = request.getfixturevalue("shared_couchdb")
        return AlongsideServer(
            data_dir=directory / "data",
            storage_args=["--couchdb", couch.url],
            env={**(env or {}), "ALONGSIDE_COUCHDB_PREFIX": f"t{uuid.uuid4().hex[:12]}-"},
            couchdb=couch,
        )
    return AlongsideServer(data_dir=directory / "data", env=dict(env or {}))
