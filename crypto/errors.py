"""The errors of ``alongside.crypto``: one base class, a few kinds, messages that reveal nothing."""

from __future__ import annotations

DECRYPTION_FAILED = "could not open: wrong key, unknown or retired key id, or damaged data"
SIGNATURE_FAILED = "signature not valid for the claimed device"
INVITE_EXPIRED = "this invite has expired"


class CryptoError(Exception):
    """Base class of every error this package raises on purpose."""


class FormatError(CryptoError):
    """A value could not be parsed, or an argument has the wrong type or length."""


class WireFormatError(FormatError):
    """A wire document failed the server's shape check; ``reason`` is plain English, safe for a client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DecryptionError(CryptoError):
    """Opening failed. The message is always the same, whatever the cause."""

    def __init__(self) -> None:
        super().__init__(DECRYPTION_FAILED)


class SignatureError(CryptoError):
    """The author or granter is unknown, or its signature does not verify."""

    def __init__(self) -> None:
        super().__init__(SIGNATURE_FAILED)


class InviteExpiredError(CryptoError):
    """The invite's expiry time has passed."""

    def __init__(self) -> None:
        super().__init__(INVITE_EXPIRED)
