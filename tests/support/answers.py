"""What an error answer on ``/sync`` must look like: CouchDB's shape (``/api`` errors: ``support.api``)."""

from __future__ import annotations

from typing import Any


def assert_error_answer(response: Any, status: int, error: str | None, *, message: str) -> None:
    """The status, and a body of exactly ``{"error", message}``, both non-empty strings (and ``error`` equal to
    `error` when given): ``message`` is ``"reason"`` on ``/sync`` and ``"detail"`` on ``/api``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", message}, body
    assert isinstance(body["error"], str) and isinstance(body[message], str) and body[message]
    if error is not None:
        assert body["error"] == error, body


def assert_couch_error(response: Any, status: int, error: str | None = None) -> None:
    """A ``/sync`` error: the status, and a body of exactly ``{"error", "reason"}``."""
    assert_error_answer(response, status, error, message="reason")


def assert_api_error(response: Any, status: int, error: str | None = None) -> None:
    """An ``/api`` error: the status, and a body of exactly ``{"error", "detail"}``."""
    assert_error_answer(response, status, error, message="detail")
