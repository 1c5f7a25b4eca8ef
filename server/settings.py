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
    max_revs_per_id: int = DEFAULT_MAX_REVS_PER_ID
    max_revs_per_request: int = DEFAULT_MAX_REVS_PER_REQUEST
    max_longpolls_per_device: int = DEFAULT_MAX_LONGPOLLS_PER_DEVICE
    min_heartbeat_ms: int = DEFAULT_MIN_HEARTBEAT_MS
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    max_json_values: int = DEFAULT_MAX_JSON_VALUES
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS
    body_min_bytes_per_second: int = DEFAULT_BODY_MIN_BYTES_PER_SECOND
    keep_alive_seconds: int = DEFAULT_KEEP_ALIVE_SECONDS
    revs_limit: int = 1000
    failure_limit: int = 10
    failure_window_seconds: float = 600.0
    rate_limit_max_addresses: int = 10_000
    max_local_document_bytes: int = 64 * 1024
    max_local_documents: int = 100
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
            ("max_local_document_bytes", "ALONGSIDE_MAX_LOCAL_DOCUMENT_BYTES"),
            ("max_local_documents", "ALONGSIDE_MAX_LOCAL_DOCUMENTS"),
            ("rate_limit_max_addresses", "ALONGSIDE_RATE_LIMIT_MAX_ADDRESSES"),
            ("max_revs_per_id", "ALONGSIDE_MAX_REVS_PER_ID"),
            ("max_revs_per_request", "ALONGSIDE_MAX_REVS_PER_REQUEST"),
            ("max_longpolls_per_device", "ALONGSIDE_MAX_LONGPOLLS_PER_DEVICE"),
            ("min_heartbeat_ms", "ALONGSIDE_MIN_HEARTBEAT_MS"),
            ("max_json_depth", "ALONGSIDE_MAX_JSON_DEPTH"),
            ("max_json_values", "ALONGSIDE_MAX_JSON_VALUES"),
            ("max_header_bytes", "ALONGSIDE_MAX_HEADER_BYTES"),
            ("body_min_bytes_per_second", "ALONGSIDE_BODY_MIN_BYTES_PER_SECOND"),
            ("keep_alive_seconds", "ALONGSIDE_KEEP_ALIVE_SECONDS"),
        ):
            if key in env:
                values[name] = int(env[key])
        for name, key in (
            ("longpoll_max_seconds", "ALONGSIDE_LONGPOLL_MAX_SECONDS"),
            ("header_timeout_seconds", "ALONGSIDE_HEADER_TIMEOUT_SECONDS"),
            ("body_timeout_seconds", "ALONGSIDE_BODY_TIMEOUT_SECONDS"),
        ):
            if key in env:
                values[name] = float(env[key])
        if env.get("ALONGSIDE_CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in env["ALONGSIDE_CORS_ORIGINS"].split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
