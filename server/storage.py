"""The document store a server's settings ask for: what the app's lifespan opens and what the admin commands
open, without building the app (a command starts in a fraction of the time)."""

from __future__ import annotations

from alongside.sync.store import DocumentStore

from .settings import Settings


def open_store(settings: Settings) -> DocumentStore:
    """The document store the settings ask for: SQLite under ``data_dir`` unless a CouchDB URL is given."""
    if settings.couchdb_url:
        from alongside.sync.couchdb_store import CouchDBStore

        return CouchDBStore(settings.couchdb_url, prefix=settings.couchdb_prefix)
    from alongside.sync.sqlite_store import SqliteStore

    return SqliteStore(settings.data_dir, synchronous=settings.sqlite_synchronous, revs_limit=settings.revs_limit)
