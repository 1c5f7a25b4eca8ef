"""Documents shaped as the app writes them, for tests that exercise the sync path.

Every test that pushes plan documents builds them here (and in ``tests/sync/js/docs.mjs`` for Node),
so the wire format lives in one place per language. These are envelopes of the right shape
(docs/crypto.md §7) around random bytes: the server cannot tell them from real ones, and tests that
need real encryption use ``alongside.crypto`` directly.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterator
from typing import Any

from alongside.crypto.padding import bucket_size

TAG_BYTES = 16
TEST_KID = "00112233445566aa"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


_BASE64URL_BLOB = re.compile(r"[A-Za-z0-9_-]{16,}")


def plaintext_strings(value: object) -> Iterator[str]:
    """Every string in a JSON value that is not a base64url blob (ciphertext, nonces, keys, signatures).

    Tests that check the server holds no plain words search these: a short word such as a name can turn up
    inside random ciphertext by chance, and a word found there is chance, not a leak.
    """
    if isinstance(value, str):
        if not _BASE64URL_BLOB.fullmatch(value):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from plaintext_strings(key)
            yield from plaintext_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from plaintext_strings(item)


def doc_id(label: object) -> str:
    """A valid document id (32 lower-case hex) derived from ``label``: ``doc_id(7)``, ``doc_id("contested")``."""
    return hashlib.sha256(str(label).encode()).hexdigest()[:32]


def item_doc(doc_id: str, size: int = 1024, *, kid: str = TEST_KID) -> dict[str, Any]:
    """An item envelope for ``doc_id`` whose plaintext would have been about ``size`` bytes."""
    ciphertext = os.urandom(bucket_size(size) + TAG_BYTES)
    return {"_id": doc_id, "v": 1, "kind": "item", "kid": kid, "nonce": _b64(os.urandom(12)), "ct": _b64(ciphertext)}
