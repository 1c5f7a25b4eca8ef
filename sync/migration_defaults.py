"""The defaults of a migration (sync/migrate.py), apart from the code that migrates: the command line shows
them in its help without loading both stores and the replicator."""

from __future__ import annotations

DEFAULT_PREFIX = "alongside-"  # the CouchDB database name prefix, as the server's ALONGSIDE_COUCHDB_PREFIX
DEFAULT_BATCH_SIZE = 500  # changes per batch
DEFAULT_JOBS = 4  # databases copied at once
