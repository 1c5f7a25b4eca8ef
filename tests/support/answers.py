"""What an error answer on ``/sync`` must look like: CouchDB's shape (``/api`` errors: ``support.api``)."""

from __future__ import annotations

from typing import Any


def assert_couch_error(response: Any, status: int, error: str | None = None) -> None:
    """A ``/sync`` error: the status, and a body of exactly ``{"error", "reason"}``, both non-empty strings
    (and ``error`` equal to `error` when given)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "reason"}, body
    assert isinstance(body["error"], str) and isinstance(body["reason"], str) and body["reason"]
    if error is not None:
        assert body["error"] == error, body
