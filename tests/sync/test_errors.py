"""One map from an HTTP error status to a ``SyncError``, shared by every client of a CouchDB-style server."""

from __future__ import annotations

from alongside.sync.errors import SyncError, error_for_status


def test_each_error_status_gets_couchdbs_error_name_and_keeps_the_reason() -> None:
    statuses = (400, 401, 403, 404, 409, 412, 413, 502, 503, 504)
    errors = [error_for_status(status, f"reason {status}") for status in statuses]
    assert " ".join(error.error for error in errors) == (
        "bad_request unauthorized forbidden not_found conflict file_exists too_large"
        " service_unavailable service_unavailable service_unavailable"
    )
    assert [error.reason for error in errors] == [f"reason {status}" for status in statuses]
    assert [error.status for error in errors[:7]] == list(statuses[:7])


def test_a_status_without_a_class_keeps_its_own_status() -> None:
    for status in (405, 418, 500):
        error = error_for_status(status, "odd")
        assert type(error) is SyncError
        assert (error.status, error.as_json()) == (status, {"error": "unknown_error", "reason": "odd"})
