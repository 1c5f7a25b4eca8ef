"""Encodings (spec §3): base64url and base32 without padding, hex identifiers, canonical JSON."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from .errors import FormatError

JSONValue: TypeAlias = bool | int | str | list["JSONValue"] | dict[str, "JSONValue"] | None

MAX_SAFE_INTEGER = 2**53 - 1
MAX_JSON_DEPTH = 64

_B64U = re.compile(r"[A-Za-z0-9_-]*")
_B64U_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The last character of canonical base64url leaves its unused low bits zero: with 2 characters over a
# multiple of 4 (one byte) 4 bits, with 3 (two bytes) 2 bits.
_B64U_LAST = {
    2: frozenset(_B64U_ALPHABET[i] for i in range(0, 64, 16)),
    3: frozenset(_B64U_ALPHABET[i] for i in range(0, 64, 4)),
}
_B32 = re.compile(r"[A-Z2-7]*")
_HEX = re.compile(r"[0-9a-f]*")
_PLAN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def b64u_encode(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64u_decode(text: object, length: int | None = None, what: str = "value") -> bytes:
    """Strict base64url without padding; ``length`` (if given) is the required decoded length."""
    if not isinstance(text, str) or not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise FormatError(f"{what} is not base64url")
    if length is not None and len(text) != (length * 4 + 2) // 3:
        raise FormatError(f"{what} has the wrong length")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"{what} is not base64url") from exc
    if b64u_encode(data) != text:
        raise FormatError(f"{what} is not canonical base64url")
    return data


def b64u_decoded_length(text: object, what: str = "value") -> int:
    """The length of the bytes ``text`` encodes, if it is what :func:`b64u_decode` accepts, without decoding it.

    For the server's shape check (spec §14.1), which needs only lengths: a 1 KB ciphertext costs a scan of
    its characters instead of a decode and a re-encode. Raises ``FormatError`` exactly when
    :func:`b64u_decode` would.
    """
    if not isinstance(text, str) or not text.isascii():
        raise FormatError(f"{what} is not base64url")
    raw = text.encode("ascii")
    tail = len(raw) % 4
    if tail == 1 or raw.translate(None, _B64U_ALPHABET):
        raise FormatError(f"{what} is not base64url")
    if tail and raw[-1] not in _B64U_LAST[tail]:
        raise FormatError(f"{what} is not canonical base64url")
    return len(raw) // 4 * 3 + max(tail - 1, 0)


def base32_encode(data: bytes) -> str:
    """RFC 4648 base32, upper case, without padding."""
    return base64.b32encode(bytes(data)).rstrip(b"=").decode("ascii")


def base32_decode(text: object, what: str = "value") -> bytes:
    """Strict upper-case base32 without padding (trailing bits must be zero)."""
    if not isinstance(text, str) or not _B32.fullmatch(text) or len(text) % 8 in (1, 3, 6):
        raise FormatError(f"{what} is not base32")
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"{what} is not base32") from exc
    if base32_encode(data) != text:
        raise FormatError(f"{what} is not canonical base32")
    return data


def check_hex_id(value: object, nbytes: int, what: str) -> str:
    """Return ``value`` if it is exactly ``nbytes`` bytes as lower-case hex, else raise ``FormatError``."""
    if not isinstance(value, str) or len(value) != 2 * nbytes or not _HEX.fullmatch(value):
        raise FormatError(f"{what} must be {2 * nbytes} lower-case hex characters")
    return value


def is_hex_id(value: object, nbytes: int) -> bool:
    """True when ``value`` is ``nbytes`` bytes as lower-case hex."""
    return isinstance(value, str) and len(value) == 2 * nbytes and _HEX.fullmatch(value) is not None


def check_plan_id(value: object) -> str:
    """Return ``value`` if it is a plan id (1-64 of ``A-Z a-z 0-9 _ -``), else raise ``FormatError``."""
    if not isinstance(value, str) or not _PLAN_ID.fullmatch(value):
        raise FormatError("plan id must be 1-64 characters from A-Z a-z 0-9 _ -")
    return value


def check_bytes(value: object, length: int, what: str) -> bytes:
    """Return ``value`` as bytes if it is a bytes-like value of exactly ``length`` bytes."""
    if not isinstance(value, (bytes, bytearray, memoryview)) or len(value) != length:
        raise FormatError(f"{what} must be {length} bytes")
    return bytes(value)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _check_string(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("strings must not contain unpaired surrogates") from exc


def _encode(value: object, depth: int, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise FormatError("integers must be within +/-(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, str):
        _check_string(value)
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray))):
        if depth >= MAX_JSON_DEPTH:
            raise FormatError(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        if isinstance(value, Mapping):
            items = list(value.items())
            for key, _ in items:
                if not isinstance(key, str):
                    raise FormatError("object keys must be strings")
                _check_string(key)
            items.sort(key=lambda item: _utf16_key(item[0]))
            out.append("{")
            for index, (key, member) in enumerate(items):
                if index:
                    out.append(",")
                out.append(json.dumps(key, ensure_ascii=False))
                out.append(":")
                _encode(member, depth + 1, out)
            out.append("}")
        else:
            out.append("[")
            for index, element in enumerate(value):
                if index:
                    out.append(",")
                _encode(element, depth + 1, out)
            out.append("]")
    else:
        raise FormatError(f"{type(value).__name__} is not allowed in canonical JSON")


def canonical_json(value: object) -> bytes:
    """Canonical JSON (spec §3.4) as UTF-8 bytes; raise ``FormatError`` for values it cannot hold."""
    out: list[str] = []
    _encode(value, 0, out)
    return "".join(out).encode("utf-8")


def parse_canonical_json(data: object) -> JSONValue:
    """Parse canonical JSON bytes; anything not byte-identical to its canonical form is a ``FormatError``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FormatError("canonical JSON must be bytes")
    raw = bytes(data)
    try:
        text = raw.decode("utf-8")
        value: JSONValue = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError("not canonical JSON") from exc
    if canonical_json(value) != raw:
        raise FormatError("not canonical JSON")
    return value
