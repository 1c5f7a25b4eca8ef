"""Padding plaintexts to size buckets (spec §6): ``P || 0x80 || 0x00...`` up to the next bucket."""

from __future__ import annotations

from .errors import FormatError

MIN_BUCKET = 256
LARGE_STEP = 64 * 1024
MAX_PADDED = 16 * 1024 * 1024


def is_bucket_size(size: int) -> bool:
    """True when ``size`` is an allowed padded size: 256, 512, ..., 65536, then multiples of 65536 up to 16 MiB."""
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_BUCKET or size > MAX_PADDED:
        return False
    if size <= LARGE_STEP:
        return size & (size - 1) == 0
    return size % LARGE_STEP == 0


def bucket_size(length: int) -> int:
    """The padded size for a plaintext of ``length`` bytes (the smallest bucket >= ``length + 1``)."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise FormatError("length must be a non-negative integer")
    needed = length + 1
    if needed > MAX_PADDED:
        raise FormatError("plaintext too large")
    if needed <= LARGE_STEP:
        size = MIN_BUCKET
        while size < needed:
            size *= 2
        return size
    return -(-needed // LARGE_STEP) * LARGE_STEP


def pad(data: bytes) -> bytes:
    """Pad ``data`` to its bucket: append ``0x80`` then zero bytes."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FormatError("data must be bytes")
    raw = bytes(data)
    size = bucket_size(len(raw))
    return raw + b"\x80" + bytes(size - len(raw) - 1)


def unpad(padded: bytes) -> bytes:
    """Remove padding; raise ``FormatError`` unless the length is a bucket and the padding is well formed."""
    if not isinstance(padded, (bytes, bytearray, memoryview)):
        raise FormatError("padded data must be bytes")
    raw = bytes(padded)
    if not is_bucket_size(len(raw)):
        raise FormatError("padded length is not a bucket size")
    stripped = raw.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise FormatError("bad padding")
    return stripped[:-1]
