"""Invites (spec §11): what a QR code carries so that one new device can join a plan once.

Layout version 2 is self-authorising: besides the wrapped plan key it carries the role and access the
invite grants and the inviting device's Ed25519 signature over the registration the server needs
(``{plan_id, invite_id, verifier, expires_at, role, access}``), so that the new device can have the
invite registered and redeemed in one step when the inviting device has no connection.

Layout version 3 is a *pending* invite (spec §11.6): made by anyone but the person's own device, for a
supporter, it carries no plan key but a random 32-byte request key under which the new device sends its
join request; the person's device grants the plan key only after the person says yes.
"""

from __future__ import annotations

import hmac
import os
import time
from dataclasses import dataclass, field, replace

from .encoding import (
    b64u_decode,
    b64u_encode,
    base32_decode,
    base32_encode,
    canonical_json,
    check_bytes,
    check_hex_id,
    check_plan_id,
)
from .errors import DecryptionError, FormatError, InviteExpiredError, SignatureError
from .keys import DeviceKeys, DevicePublicKeys, PlanKey, Random, check_epoch, draw
from .primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    SIGNATURE_BYTES,
    TAG_BYTES,
    aead_open,
    aead_seal,
    ed25519_sign,
    ed25519_verify,
    hkdf_sha256,
    sha256,
)

INVITE_VERSION = 2
PENDING_INVITE_VERSION = 3
TEXT_PREFIX = "AS1:"
DEFAULT_INVITE_LIFETIME = 15 * 60
MAX_EXPIRY = 2**32 - 1
INVITE_ID_BYTES = 16
SECRET_BYTES = 16
WRAPPED_BYTES = 4 + KEY_BYTES + TAG_BYTES
REGISTRATION_CONTEXT = "alongside/v1/invite-registration"
# The grant byte: which role and access the invite gives (spec §11.2).
# A worker grant (a handover to a colleague, spec §11.7) is only ever pending: the person says yes first.
GRANTS: dict[int, tuple[str, str]] = {
    1: ("owner", "write"),
    2: ("supporter", "write"),
    3: ("supporter", "read"),
    4: ("worker", "write"),
}
GRANT_CODES = {grant: code for code, grant in GRANTS.items()}
_FIXED_BYTES = (
    2 + INVITE_ID_BYTES + SECRET_BYTES + 4 + 1 + 2 * KEY_BYTES + SIGNATURE_BYTES + NONCE_BYTES + WRAPPED_BYTES
)


def grant_code(role: str, access: str) -> int:
    """The grant byte for ``(role, access)``; ``FormatError`` for a combination invites cannot carry."""
    code = GRANT_CODES.get((role, access))
    if code is None:
        raise FormatError("an invite grants owner/write, supporter/write, supporter/read or worker/write")
    return code


def check_pending_grant(role: str, pending: bool) -> None:
    """The person's own device is never pending (spec §11.6); a worker's always is (a handover, §11.7)."""
    if pending and role == "owner":
        raise FormatError("a pending invite is for a supporter; the person's own device is never pending")
    if not pending and role == "worker":
        raise FormatError("an invite for a worker is pending: the person says yes first")


@dataclass(frozen=True, slots=True)
class Invite:
    """A parsed invite payload. ``secret`` and ``wrapped`` never leave the QR code."""

    plan_id: str
    invite_id: bytes
    secret: bytes = field(repr=False)
    expires_at: int
    role: str
    access: str
    inviter: DevicePublicKeys
    signature: bytes
    nonce: bytes
    wrapped: bytes = field(repr=False)
    pending: bool = False

    def __post_init__(self) -> None:
        check_plan_id(self.plan_id)
        check_bytes(self.invite_id, INVITE_ID_BYTES, "invite id")
        check_bytes(self.secret, SECRET_BYTES, "invite secret")
        _check_expiry(self.expires_at)
        grant_code(self.role, self.access)
        check_pending_grant(self.role, self.pending)
        if not isinstance(self.inviter, DevicePublicKeys):
            raise FormatError("inviter must be DevicePublicKeys")
        check_bytes(self.signature, SIGNATURE_BYTES, "registration signature")
        check_bytes(self.nonce, NONCE_BYTES, "nonce")
        if not isinstance(self.wrapped, bytes) or len(self.wrapped) not in (0, WRAPPED_BYTES):
            raise FormatError(f"the wrapped key is {WRAPPED_BYTES} bytes")

    @property
    def invite_id_hex(self) -> str:
        """The invite id as 32 lower-case hex characters (what the server is told)."""
        return self.invite_id.hex()

    def header(self) -> bytes:
        """Every payload byte before the nonce (the associated data's tail)."""
        plan = self.plan_id.encode("ascii")
        return (
            bytes([PENDING_INVITE_VERSION if self.pending else INVITE_VERSION, len(plan)])
            + plan
            + self.invite_id
            + self.secret
            + self.expires_at.to_bytes(4, "big")
            + bytes([grant_code(self.role, self.access)])
            + self.inviter.encryption
            + self.inviter.signing
            + self.signature
        )

    def to_bytes(self) -> bytes:
        """The binary payload (spec §11.2)."""
        return self.header() + self.nonce + self.wrapped

    def to_text(self) -> str:
        """The text form the QR code carries: ``"AS1:" + base32(payload)``."""
        return TEXT_PREFIX + base32_encode(self.to_bytes())


@dataclass(frozen=True, slots=True)
class JoinedPlan:
    """What opening an invite yields."""

    plan_key: PlanKey
    inviter: DevicePublicKeys
    invite_id: str
    expires_at: int
    role: str
    access: str
    auth_token: str = field(repr=False)
    registration: dict[str, str | int | bool]
    bind_key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class PendingJoin:
    """What opening a pending invite (version 3) yields: no plan key, only the request key (spec §11.6)."""

    plan_id: str
    request_key: bytes = field(repr=False)
    inviter: DevicePublicKeys
    invite_id: str
    expires_at: int
    role: str
    access: str
    auth_token: str = field(repr=False)
    registration: dict[str, str | int | bool]
    bind_key: bytes = field(repr=False)


def _invite_key(secret: bytes, invite_id: bytes) -> bytes:
    return hkdf_sha256(secret, invite_id, b"alongside/v1/invite-key", KEY_BYTES)


def _auth_token_bytes(secret: bytes, invite_id: bytes) -> bytes:
    return hkdf_sha256(secret, invite_id, b"alongside/v1/invite-auth", KEY_BYTES)


def _bind_key(secret: bytes, invite_id: bytes) -> bytes:
    return hkdf_sha256(secret, invite_id, b"alongside/v2/invite-bind", KEY_BYTES)


def _associated(header: bytes) -> bytes:
    return b"alongside/v1/invite\x00" + header


def _check_expiry(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EXPIRY:
        raise FormatError("expiry must be Unix seconds from 0 to 2**32 - 1")
    return value


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else _check_expiry(now)


def registration_message(
    *, plan_id: str, invite_id: str, verifier: str, expires_at: int, role: str, access: str, pending: bool = False
) -> bytes:
    """The canonical JSON the inviting device signs (spec §11.1): the registration the server stores.

    A pending invite's registration (spec §11.6) also carries ``"pending": true``, so that nobody can
    present it to the server as one that admits the new device at once.
    """
    check_plan_id(plan_id)
    check_hex_id(invite_id, INVITE_ID_BYTES, "invite id")
    b64u_decode(verifier, KEY_BYTES, "verifier")
    _check_expiry(expires_at)
    grant_code(role, access)
    if pending is not True and pending is not False:
        raise FormatError("pending is true or false")
    check_pending_grant(role, pending)
    fields: dict[str, str | int | bool] = {
        "access": access,
        "ctx": REGISTRATION_CONTEXT,
        "expires_at": expires_at,
        "invite_id": invite_id,
        "plan_id": plan_id,
        "role": role,
        "verifier": verifier,
    }
    if pending:
        fields["pending"] = True
    return canonical_json(fields)


def verify_invite_registration(
    inviter_signing_key: bytes,
    signature: object,
    *,
    plan_id: str,
    invite_id: str,
    verifier: str,
    expires_at: int,
    role: str,
    access: str,
    pending: bool = False,
) -> bool:
    """Server side: True when ``signature`` (base64url) is the inviter's signature over the registration."""
    try:
        message = registration_message(
            plan_id=plan_id,
            invite_id=invite_id,
            verifier=verifier,
            expires_at=expires_at,
            role=role,
            access=access,
            pending=pending,
        )
        raw = b64u_decode(signature, SIGNATURE_BYTES, "signature")
    except FormatError:
        return False
    return ed25519_verify(inviter_signing_key, raw, message)


def _seal(draft: Invite, plaintext: bytes) -> Invite:
    wrapped = aead_seal(_invite_key(draft.secret, draft.invite_id), draft.nonce, plaintext, _associated(draft.header()))
    return replace(draft, wrapped=wrapped)


def create_invite(
    key: PlanKey,
    *,
    inviter: DeviceKeys,
    role: str = "supporter",
    access: str = "read",
    now: int | None = None,
    lifetime: int = DEFAULT_INVITE_LIFETIME,
    random: Random = os.urandom,
) -> Invite:
    """An invite to ``key``'s plan from ``inviter`` granting ``role``/``access``, expiring ``lifetime`` s after ``now``.

    Draws 16 bytes (invite id), 16 (secret), 12 (nonce). ``now`` defaults to the system clock. The
    inviter signs the registration (spec §11.1) with its Ed25519 key.
    """
    if not isinstance(key, PlanKey):
        raise FormatError("key must be a PlanKey and inviter DeviceKeys")
    draft = _draft(key.plan_id, inviter, role, access, now, lifetime, random, pending=False)
    return _seal(draft, key.epoch.to_bytes(4, "big") + key.secret)


def create_pending_invite(
    plan_id: str,
    *,
    inviter: DeviceKeys,
    role: str = "supporter",
    access: str = "read",
    now: int | None = None,
    lifetime: int = DEFAULT_INVITE_LIFETIME,
    random: Random = os.urandom,
) -> tuple[Invite, bytes]:
    """A pending invite (layout version 3, spec §11.6) to ``plan_id``: it carries no plan key.

    Returns the invite and its request key ``Q``, which the inviting device records in the plan (an
    ``invite`` item) so that the person's devices can read the join request. Draws 16 bytes (invite id),
    16 (secret), 12 (nonce), 32 (``Q``). Only supporter grants can be pending.
    """
    check_plan_id(plan_id)
    draft = _draft(plan_id, inviter, role, access, now, lifetime, random, pending=True)
    request_key = draw(random, KEY_BYTES)
    return _seal(draft, bytes(4) + request_key), request_key


def _draft(
    plan_id: str,
    inviter: DeviceKeys,
    role: str,
    access: str,
    now: int | None,
    lifetime: int,
    random: Random,
    *,
    pending: bool,
) -> Invite:
    """An invite with everything but its ciphertext: ids drawn, registration signed."""
    if not isinstance(inviter, DeviceKeys):
        raise FormatError("key must be a PlanKey and inviter DeviceKeys")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        raise FormatError("lifetime must be a positive number of seconds")
    grant_code(role, access)
    check_pending_grant(role, pending)
    expires_at = _check_expiry(_now(now) + lifetime)
    invite_id = draw(random, INVITE_ID_BYTES)
    secret = draw(random, SECRET_BYTES)
    nonce = draw(random, NONCE_BYTES)
    verifier = b64u_encode(sha256(_auth_token_bytes(secret, invite_id)))
    message = registration_message(
        plan_id=plan_id,
        invite_id=invite_id.hex(),
        verifier=verifier,
        expires_at=expires_at,
        role=role,
        access=access,
        pending=pending,
    )
    signature = ed25519_sign(inviter.signing_private, message)
    return Invite(plan_id, invite_id, secret, expires_at, role, access, inviter.public, signature, nonce, b"", pending)


def parse_invite(data: bytes | str) -> Invite:
    """Parse the binary payload or its text form; raise ``FormatError`` on anything else.

    The text form may contain spaces, line breaks and ``-`` and may be in lower case.
    """
    if isinstance(data, str):
        text = "".join(ch for ch in data if ch not in " \t\r\n-")
        if not text.isascii():
            raise FormatError("an invite text is ASCII")
        text = text.upper()
        if not text.startswith(TEXT_PREFIX):
            raise FormatError("an invite text starts with AS1:")
        raw = base32_decode(text[len(TEXT_PREFIX) :], "invite")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise FormatError("an invite is bytes or text")
    if len(raw) < _FIXED_BYTES + 1 or raw[0] not in (INVITE_VERSION, PENDING_INVITE_VERSION):
        raise FormatError("unknown invite version or truncated invite")
    plan_length = raw[1]
    if not 1 <= plan_length <= 64 or len(raw) != _FIXED_BYTES + plan_length:
        raise FormatError("invite has the wrong length")
    try:
        plan_id = check_plan_id(raw[2 : 2 + plan_length].decode("ascii"))
    except UnicodeDecodeError as exc:
        raise FormatError("invite plan id is not ASCII") from exc
    offset = 2 + plan_length

    def take(size: int) -> bytes:
        nonlocal offset
        chunk = raw[offset : offset + size]
        offset += size
        return chunk

    invite_id = take(INVITE_ID_BYTES)
    secret = take(SECRET_BYTES)
    expires_at = int.from_bytes(take(4), "big")
    grant = GRANTS.get(take(1)[0])
    if grant is None:
        raise FormatError("unknown invite grant")
    inviter = DevicePublicKeys(take(KEY_BYTES), take(KEY_BYTES))
    signature = take(SIGNATURE_BYTES)
    nonce = take(NONCE_BYTES)
    wrapped = take(WRAPPED_BYTES)
    pending = raw[0] == PENDING_INVITE_VERSION
    check_pending_grant(grant[0], pending)
    return Invite(
        plan_id, invite_id, secret, expires_at, grant[0], grant[1], inviter, signature, nonce, wrapped, pending
    )


def invite_auth_token(invite: Invite) -> str:
    """``b64u(HKDF(secret, invite_id, "alongside/v1/invite-auth", 32))``: what the new device shows the server."""
    return b64u_encode(_auth_token_bytes(invite.secret, invite.invite_id))


def invite_verifier(auth_token: str) -> str:
    """``b64u(SHA-256(token))``: what the inviting device registers with the server."""
    return b64u_encode(sha256(b64u_decode(auth_token, KEY_BYTES, "invite token")))


def invite_registration(invite: Invite) -> dict[str, str | int | bool]:
    """The signed registration (spec §11.4) either device may send: the fields, the inviter and its signature.

    A pending invite's registration also has ``"pending": true`` (spec §11.6).
    """
    registration: dict[str, str | int | bool] = {
        "plan_id": invite.plan_id,
        "invite_id": invite.invite_id_hex,
        "verifier": invite_verifier(invite_auth_token(invite)),
        "expires_at": invite.expires_at,
        "role": invite.role,
        "access": invite.access,
        "inviter": invite.inviter.device_id,
        "signature": b64u_encode(invite.signature),
    }
    if invite.pending:
        registration["pending"] = True
    return registration


def invite_bind_key(invite: Invite) -> bytes:
    """``HKDF(secret, invite_id, "alongside/v2/invite-bind", 32)`` (spec §11.1), known only to both devices.

    The inviting device keeps it (never the secret) until it has admitted the device that used the
    invite, or for at most 30 days (spec §11.5).
    """
    if not isinstance(invite, Invite):
        raise FormatError("invite must be an Invite")
    return _bind_key(invite.secret, invite.invite_id)


def admission_bind(bind_key: bytes, *, plan_id: str, device_id: str) -> str:
    """The ``bind`` a joining device puts in its roster entry (spec §11.5); base64url of 32 bytes.

    ``b64u(HKDF(bind_key, "", "alongside/v2/admission-bind" || 0x00 || plan_id || 0x00 || device_id, 32))``.
    The inviter recomputes it for the device a roster entry describes before writing its admission.
    """
    check_bytes(bind_key, KEY_BYTES, "bind key")
    check_plan_id(plan_id)
    check_hex_id(device_id, 16, "device id")
    info = b"alongside/v2/admission-bind\x00" + plan_id.encode("ascii") + b"\x00" + device_id.encode("ascii")
    return b64u_encode(hkdf_sha256(bytes(bind_key), b"", info, KEY_BYTES))


def check_invite_token(auth_token: object, verifier: object) -> bool:
    """Server side: True when ``auth_token`` matches ``verifier`` (constant-time comparison)."""
    try:
        expected = b64u_decode(verifier, KEY_BYTES, "verifier")
        actual = sha256(b64u_decode(auth_token, KEY_BYTES, "invite token"))
    except FormatError:
        return False
    return hmac.compare_digest(expected, actual)


def _open_payload(parsed: Invite, now: int | None) -> tuple[int, bytes]:
    """Check expiry, decrypt the ciphertext and check the registration signature: ``(epoch, 32 bytes)``."""
    if len(parsed.wrapped) != WRAPPED_BYTES:
        raise FormatError("the invite carries no wrapped key")
    if _now(now) >= parsed.expires_at:
        raise InviteExpiredError()
    plaintext = aead_open(
        _invite_key(parsed.secret, parsed.invite_id), parsed.nonce, parsed.wrapped, _associated(parsed.header())
    )
    if len(plaintext) != 4 + KEY_BYTES:
        raise DecryptionError()
    epoch = int.from_bytes(plaintext[:4], "big")
    registration = invite_registration(parsed)
    if not verify_invite_registration(
        parsed.inviter.signing,
        registration["signature"],
        plan_id=parsed.plan_id,
        invite_id=parsed.invite_id_hex,
        verifier=str(registration["verifier"]),
        expires_at=parsed.expires_at,
        role=parsed.role,
        access=parsed.access,
        pending=parsed.pending,
    ):
        raise SignatureError()
    return epoch, plaintext[4:]


def open_invite(invite: Invite | bytes | str, *, now: int | None = None) -> JoinedPlan:
    """Check expiry, unwrap the plan key an invite carries and check the inviter's registration signature.

    The result also carries the invite's ``bind_key``, from which the joining device computes the
    ``bind`` of its roster entry (:func:`admission_bind`). An invite whose wrapped epoch is 0 fails
    with ``DecryptionError`` (spec §11.1). A pending invite (version 3) carries no plan key: it is a
    ``FormatError`` here; open it with :func:`open_pending_invite`.

    Raises ``FormatError`` for a malformed invite, ``InviteExpiredError`` when ``now >= expires_at``,
    ``DecryptionError`` when any byte was altered, ``SignatureError`` when the registration signature
    does not verify under the inviter's signing key.
    """
    parsed = invite if isinstance(invite, Invite) else parse_invite(invite)
    if parsed.pending:
        raise FormatError("this invite waits for the person's yes: it carries no plan key")
    epoch, secret = _open_payload(parsed, now)
    try:
        epoch = check_epoch(epoch)
    except FormatError as exc:
        raise DecryptionError() from exc
    return JoinedPlan(
        PlanKey(parsed.plan_id, epoch, secret),
        parsed.inviter,
        parsed.invite_id_hex,
        parsed.expires_at,
        parsed.role,
        parsed.access,
        invite_auth_token(parsed),
        invite_registration(parsed),
        _bind_key(parsed.secret, parsed.invite_id),
    )


def open_pending_invite(invite: Invite | bytes | str, *, now: int | None = None) -> PendingJoin:
    """Open a pending invite (version 3, spec §11.6): its request key, never a plan key.

    The same checks as :func:`open_invite`; the wrapped epoch must be 0 (``DecryptionError`` otherwise).
    A version 2 invite is a ``FormatError`` here.
    """
    parsed = invite if isinstance(invite, Invite) else parse_invite(invite)
    if not parsed.pending:
        raise FormatError("this invite is not a pending invite")
    epoch, request_key = _open_payload(parsed, now)
    if epoch != 0:
        raise DecryptionError()
    return PendingJoin(
        parsed.plan_id,
        request_key,
        parsed.inviter,
        parsed.invite_id_hex,
        parsed.expires_at,
        parsed.role,
        parsed.access,
        invite_auth_token(parsed),
        invite_registration(parsed),
        _bind_key(parsed.secret, parsed.invite_id),
    )
