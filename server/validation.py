"""What the server accepts into a plan: encrypted envelopes only (docs/crypto.md §14)."""

from __future__ import annotations

from collections.abc import Callable

from alongside.crypto.errors import WireFormatError
from alongside.crypto.wire import check_wire_document
from alongside.sync.errors import Forbidden
from alongside.sync.store import Json


def envelope_validator(max_document_bytes: int) -> Callable[[Json], None]:
    """A validator refusing anything that is not an item envelope, a keyring document or a bare tombstone.

    A refused document gets CouchDB's ``forbidden`` error with a plain reason, as a ``validate_doc_update``
    function would give it, and is never stored.
    """

    def validate(doc: Json) -> None:
        try:
            check_wire_document(doc, max_padded_bytes=max_document_bytes)
        except WireFormatError as exc:
            raise Forbidden(f"Only encrypted plan documents are accepted: {exc.reason}") from None

    return validate
