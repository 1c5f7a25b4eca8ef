"""Errors that map onto CouchDB's ``{"error", "reason"}`` bodies."""

from __future__ import annotations


class SyncError(Exception):
    """A request the document store cannot satisfy, with CouchDB's status, error and reason."""

    status = 500
    error = "unknown_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def as_json(self) -> dict[str, str]:
        """The CouchDB-style error body."""
        return {"error": self.error, "reason": self.reason}


class BadRequest(SyncError):
    status = 400
    error = "bad_request"


class InvalidDocId(SyncError):
    status = 400
    error = "illegal_docid"


class Unauthorized(SyncError):
    status = 401
    error = "unauthorized"


class Forbidden(SyncError):
    status = 403
    error = "forbidden"


class NotFound(SyncError):
    status = 404
    error = "not_found"


class Conflict(SyncError):
    status = 409
    error = "conflict"


class PreconditionFailed(SyncError):
    status = 412
    error = "file_exists"


class TooLarge(SyncError):
    status = 413
    error = "too_large"


class Unavailable(SyncError):
    status = 503
    error = "service_unavailable"


# Answers worth retrying for an idempotent call: the server failed, or something in front of it did.
RETRY_STATUSES = frozenset({500, 502, 503, 504})

ERRORS_BY_STATUS: dict[int, type[SyncError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: TooLarge,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_for_status(status: int, reason: str) -> SyncError:
    """The :class:`SyncError` for an HTTP error answer: the one map every client of a CouchDB-style server uses.

    A status without a class of its own (500, 418, ...) gives a plain ``SyncError`` carrying that status.
    """
    kind = ERRORS_BY_STATUS.get(status)
    if kind is not None:
        return kind(reason)
    error = SyncError(reason)
    error.status = status
    return error
