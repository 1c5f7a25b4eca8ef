"""Server settings: one immutable object, built from the command line or the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
DEFAULT_MAX_DOCS_PER_REQUEST = 10_000
DEFAULT_LONGPOLL_MAX_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``create_app`` needs. Defaults are documented in the README's configuration table."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    couchdb_url: str | None = None
    couchdb_prefix: str = "alongside-"
    sqlite_synchronous: str = "FULL"
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_docs_per_request: int = DEFAULT_MAX_DOCS_PER_REQUEST
    longpoll_max_seconds: float = DEFAULT_LONGPOLL_MAX_SECONDS
    revs_limit: int = 1000
    failure_limit: int = 10
    failure_window_seconds: float = 600.0
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``ALONGSIDE_*`` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "ALONGSIDE_DATA" in env:
            values["data_dir"] = Path(env["ALONGSIDE_DATA"])
        if env.get("ALONGSIDE_COUCHDB_URL"):
            values["couchdb_url"] = env["ALONGSIDE_COUCHDB_URL"]
        if env.get("ALONGSIDE_COUCHDB_PREFIX"):
            values["couchdb_prefix"] = env["ALONGSIDE_COUCHDB_PREFIX"]
        if "ALONGSIDE_SQLITE_SYNCHRONOUS" in env:
            values["sqlite_synchronous"] = env["ALONGSIDE_SQLITE_SYNCHRONOUS"].upper()
        for name, key in (
            ("max_request_bytes", "ALONGSIDE_MAX_REQUEST_BYTES"),
            ("max_document_bytes", "ALONGSIDE_MAX_DOCUMENT_BYTES"),
            ("max_docs_per_request", "ALONGSIDE_MAX_DOCS_PER_REQUEST"),
        ):
            if key in env:
                values[name] = int(env[key])
        if "ALONGSIDE_LONGPOLL_MAX_SECONDS" in env:
            values["longpoll_max_seconds"] = float(env["ALONGSIDE_LONGPOLL_MAX_SECONDS"])
        if env.get("ALONGSIDE_CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in env["ALONGSIDE_CORS_ORIGINS"].split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
