"""Documents shaped as the app writes them, for tests that exercise the sync path.

Every test that pushes plan documents builds them here (and in ``tests/sync/js/docs.mjs`` for Node),
so the wire format lives in one place per language.
"""

from __future__ import annotations

import base64
import os
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def item_doc(doc_id: str, size: int = 1024, *, seed: bytes | None = None) -> dict[str, Any]:
    """An opaque plan document of about ``size`` bytes of ciphertext."""
    payload = seed * (size // max(len(seed), 1) + 1) if seed else os.urandom(size)
    return {"_id": doc_id, "v": 1, "c": _b64(payload[:size])}
