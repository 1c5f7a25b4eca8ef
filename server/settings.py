"""Server settings: one immutable object, built from the command line or the environment.

:class:`Settings` is the only reader of ``ALONGSIDE_*`` variables: each field that can be set from the
environment names its variable (:func:`variable`), and :meth:`Settings.from_env` reads them all. The README's
configuration table is checked against these fields (tests/server/test_docs.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
DEFAULT_MAX_DOCS_PER_REQUEST = 10_000
DEFAULT_LONGPOLL_MAX_SECONDS = 60.0
# Limits on what one request may ask of the server (README, "Configuration"; docs/api.md, "Limits").
DEFAULT_MAX_REVS_PER_ID = 1000
DEFAULT_MAX_REVS_PER_REQUEST = 100_000
DEFAULT_MAX_LONGPOLLS_PER_DEVICE = 6  # what one browser opens to one server over HTTP/1.1
DEFAULT_MIN_HEARTBEAT_MS = 1000
DEFAULT_MAX_JSON_DEPTH = 32
DEFAULT_MAX_JSON_VALUES = 1_000_000
DEFAULT_HEADER_TIMEOUT_SECONDS = 20.0
DEFAULT_MAX_HEADER_BYTES = 32 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 20.0
DEFAULT_BODY_MIN_BYTES_PER_SECOND = 500
DEFAULT_KEEP_ALIVE_SECONDS = 5
DEFAULT_ACCESS_RECHECK_MS = 200
MAX_WORKERS = 64
# The built web app (``npm run build`` in pwa/), unless ALONGSIDE_PWA_DIST names another build.
REPO_DIST = Path(__file__).resolve().parents[1] / "pwa" / "dist"


class SettingsError(ValueError):
    """A variable's value the server cannot use; the message names the variable and says what it must be."""


def _origins(text: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


def _synchronous(text: str) -> str:
    value = text.upper()
    if value not in ("FULL", "NORMAL"):
        raise ValueError("must be FULL or NORMAL")
    return value


def worker_count(text: str) -> int:
    """How many server processes ``text`` asks for (1 to :data:`MAX_WORKERS`), or ``ValueError``."""
    try:
        count = int(text)
    except ValueError:
        raise ValueError("must be a number") from None
    if not 1 <= count <= MAX_WORKERS:
        raise ValueError(f"must be between 1 and {MAX_WORKERS}")
    return count


def variable(name: str, parse: Callable[[str], Any] = str) -> dict[str, Any]:
    """A field's metadata: it is read from the environment variable ``name`` (an empty value counts as unset),
    by ``parse`` (which raises ``ValueError`` for a value it cannot use)."""
    return {"variable": name, "parse": parse}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server needs. Defaults are documented in the README's configuration table."""

    data_dir: Path = field(default_factory=lambda: Path("data"), metadata=variable("ALONGSIDE_DATA", Path))
    couchdb_url: str | None = field(default=None, metadata=variable("ALONGSIDE_COUCHDB_URL"))
    couchdb_prefix: str = field(default="alongside-", metadata=variable("ALONGSIDE_COUCHDB_PREFIX"))
    workers: int = field(default=1, metadata=variable("ALONGSIDE_WORKERS", worker_count))
    pwa_dist: Path = field(default=REPO_DIST, metadata=variable("ALONGSIDE_PWA_DIST", Path))
    sqlite_synchronous: str = field(default="FULL", metadata=variable("ALONGSIDE_SQLITE_SYNCHRONOUS", _synchronous))
    max_request_bytes: int = field(
        default=DEFAULT_MAX_REQUEST_BYTES, metadata=variable("ALONGSIDE_MAX_REQUEST_BYTES", int)
    )
    max_document_bytes: int = field(
        default=DEFAULT_MAX_DOCUMENT_BYTES, metadata=variable("ALONGSIDE_MAX_DOCUMENT_BYTES", int)
    )
    max_docs_per_request: int = field(
        default=DEFAULT_MAX_DOCS_PER_REQUEST, metadata=variable("ALONGSIDE_MAX_DOCS_PER_REQUEST", int)
    )
    longpoll_max_seconds: float = field(
        default=DEFAULT_LONGPOLL_MAX_SECONDS, metadata=variable("ALONGSIDE_LONGPOLL_MAX_SECONDS", float)
    )
    max_revs_per_id: int = field(default=DEFAULT_MAX_REVS_PER_ID, metadata=variable("ALONGSIDE_MAX_REVS_PER_ID", int))
    max_revs_per_request: int = field(
        default=DEFAULT_MAX_REVS_PER_REQUEST, metadata=variable("ALONGSIDE_MAX_REVS_PER_REQUEST", int)
    )
    max_longpolls_per_device: int = field(
        default=DEFAULT_MAX_LONGPOLLS_PER_DEVICE, metadata=variable("ALONGSIDE_MAX_LONGPOLLS_PER_DEVICE", int)
    )
    min_heartbeat_ms: int = field(
        default=DEFAULT_MIN_HEARTBEAT_MS, metadata=variable("ALONGSIDE_MIN_HEARTBEAT_MS", int)
    )
    max_json_depth: int = field(default=DEFAULT_MAX_JSON_DEPTH, metadata=variable("ALONGSIDE_MAX_JSON_DEPTH", int))
    max_json_values: int = field(default=DEFAULT_MAX_JSON_VALUES, metadata=variable("ALONGSIDE_MAX_JSON_VALUES", int))
    header_timeout_seconds: float = field(
        default=DEFAULT_HEADER_TIMEOUT_SECONDS, metadata=variable("ALONGSIDE_HEADER_TIMEOUT_SECONDS", float)
    )
    max_header_bytes: int = field(
        default=DEFAULT_MAX_HEADER_BYTES, metadata=variable("ALONGSIDE_MAX_HEADER_BYTES", int)
    )
    body_timeout_seconds: float = field(
        default=DEFAULT_BODY_TIMEOUT_SECONDS, metadata=variable("ALONGSIDE_BODY_TIMEOUT_SECONDS", float)
    )
    body_min_bytes_per_second: int = field(
        default=DEFAULT_BODY_MIN_BYTES_PER_SECOND, metadata=variable("ALONGSIDE_BODY_MIN_BYTES_PER_SECOND", int)
    )
    keep_alive_seconds: int = field(
        default=DEFAULT_KEEP_ALIVE_SECONDS, metadata=variable("ALONGSIDE_KEEP_ALIVE_SECONDS", int)
    )
    max_local_document_bytes: int = field(
        default=64 * 1024, metadata=variable("ALONGSIDE_MAX_LOCAL_DOCUMENT_BYTES", int)
    )
    max_local_documents: int = field(default=100, metadata=variable("ALONGSIDE_MAX_LOCAL_DOCUMENTS", int))
    rate_limit_max_addresses: int = field(default=10_000, metadata=variable("ALONGSIDE_RATE_LIMIT_MAX_ADDRESSES", int))
    cors_origins: tuple[str, ...] = field(default=(), metadata=variable("ALONGSIDE_CORS_ORIGINS", _origins))
    learning_max_sets: int = field(default=100_000, metadata=variable("ALONGSIDE_LEARNING_MAX_SETS", int))
    access_recheck_ms: int = field(
        default=DEFAULT_ACCESS_RECHECK_MS, metadata=variable("ALONGSIDE_ACCESS_RECHECK_MS", int)
    )
    # Not read from the environment (the tests set them):
    revs_limit: int = 1000
    failure_limit: int = 10
    failure_window_seconds: float = 600.0

    def access_recheck_seconds(self) -> float:
        """How long one directory read vouches for remembered ``/sync`` access (``Directory``'s
        ``access_recheck``); every process sharing the store must be given the same."""
        return self.access_recheck_ms / 1000  # 0 or less: ask on every request

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each environment variable the server reads, and the field it sets."""
        return {f.metadata["variable"]: f.name for f in fields(cls) if "variable" in f.metadata}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``ALONGSIDE_*`` environment variables, then explicit overrides (``None`` is no override).

        A value that cannot be used raises :class:`SettingsError` naming the variable.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for setting in fields(cls):
            name = setting.metadata.get("variable")
            if name is None or not env.get(name):
                continue
            try:
                values[setting.name] = setting.metadata["parse"](env[name])
            except ValueError as exc:
                problem = str(exc) if str(exc).startswith("must") else "must be a number"
                raise SettingsError(f"{name} {problem}: {env[name]!r}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
