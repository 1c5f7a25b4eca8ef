"""JSON text as the SQLite store keeps it: documents, revision trees and ``_local`` documents.

orjson writes and reads it (several times faster than the standard library, the same compact text for what
documents hold); the standard library decides the cases orjson would write differently or not at all.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from .errors import BadRequest

NOT_UNICODE = "Document must be valid Unicode text (it holds a lone surrogate)."
NOT_JSON = "Document must be valid JSON (NaN and Infinity are not numbers JSON has)."


def loads(text: str | bytes) -> Any:
    """The value of stored JSON text. What is stored came through the server, which accepts no integer past
    ±(2^53 - 1) (server/requests.py): orjson would read one past 64 bits as a float."""
    return orjson.loads(text)


def dumps(value: Any) -> str:
    """``value`` as compact JSON text (``separators=(",", ":")``, not ASCII-escaped), or ``BadRequest`` for
    ``NaN``, infinities or a lone surrogate, which JSON on the wire cannot carry."""
    if not _holds_float(value):
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:
            pass  # a lone surrogate, or an integer past 64 bits: the standard library says which
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise BadRequest(NOT_JSON) from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(NOT_UNICODE) from None
    return text


def _holds_float(value: Any) -> bool:
    """Whether a float is anywhere in ``value`` (orjson writes ``NaN`` as ``null`` instead of refusing it)."""
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is float:
            return True
        if kind is dict:
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
    return False
