"""Device keys, plan keys, key ids and the local keyring (spec §4, §5)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import b64u_decode, b64u_encode, check_bytes, check_hex_id, check_plan_id
from .errors import DecryptionError, FormatError
from .primitives import (
    KEY_BYTES,
    check_random,
    ed25519_public,
    hkdf_sha256,
    labelled_sha256,
    x25519_public,
    x25519_shared,
)

Random = Callable[[int], bytes]
"""A random source: ``random(n)`` returns ``n`` bytes. Defaults to ``os.urandom`` everywhere."""

MAX_EPOCH = 2**32 - 1


def draw(random: Random, length: int) -> bytes:
    """Draw ``length`` bytes from ``random`` and check what came back."""
    return check_random(random(length), length)


def ephemeral_agreement(random: Random, recipient: bytes, what: str) -> tuple[bytes, bytes]:
    """``(epk, shared)`` for sealing to the X25519 public key ``recipient``: draws the 32-byte ephemeral private
    key, and refuses (``FormatError``) a recipient key that gives the all-zero secret."""
    ephemeral = draw(random, KEY_BYTES)
    try:
        shared = x25519_shared(ephemeral, recipient)
    except DecryptionError as exc:
        raise FormatError(f"the {what} is not usable") from exc
    return x25519_public(ephemeral), shared


def new_document_id(random: Random = os.urandom) -> str:
    """A random document id: 16 random bytes as 32 lower-case hex characters."""
    return draw(random, 16).hex()


def new_plan_id(random: Random = os.urandom) -> str:
    """A random plan id (a plan made without a creator device): 16 random bytes as 32 lower-case hex characters."""
    return draw(random, 16).hex()


PLAN_SALT_BYTES = 16


def plan_id_for(signing_public: bytes, salt: bytes) -> str:
    """The plan id that names its creator (spec §4.1): ``hex(H("alongside/v2/plan-id", salt || sig_pub)[0:16])``."""
    check_bytes(signing_public, KEY_BYTES, "Ed25519 public key")
    check_bytes(salt, PLAN_SALT_BYTES, "plan salt")
    return labelled_sha256("alongside/v2/plan-id", salt + signing_public)[:16].hex()


def new_plan_id_for(creator: DevicePublicKeys, random: Random = os.urandom) -> tuple[str, bytes]:
    """A new plan id naming ``creator`` (spec §4.1): draws the 16-byte salt; returns ``(plan_id, salt)``."""
    if not isinstance(creator, DevicePublicKeys):
        raise FormatError("creator must be DevicePublicKeys")
    salt = draw(random, PLAN_SALT_BYTES)
    return plan_id_for(creator.signing, salt), salt


def roster_document_id(plan_id: str, device_id: str) -> str:
    """The id of ``device_id``'s roster entry in ``plan_id`` (spec §4.2)."""
    check_plan_id(plan_id)
    check_hex_id(device_id, 16, "device id")
    data = plan_id.encode("ascii") + b"\x00" + device_id.encode("ascii")
    return labelled_sha256("alongside/v2/roster-id", data)[:16].hex()


@dataclass(frozen=True, slots=True)
class DevicePublicKeys:
    """A device's public keys: X25519 ``encryption`` and Ed25519 ``signing`` (32 bytes each)."""

    encryption: bytes
    signing: bytes

    def __post_init__(self) -> None:
        check_bytes(self.encryption, KEY_BYTES, "X25519 public key")
        check_bytes(self.signing, KEY_BYTES, "Ed25519 public key")

    @property
    def device_id(self) -> str:
        """The device id these keys hash to (spec §5.1)."""
        return device_id_for(self.encryption, self.signing)

    def to_json(self) -> dict[str, str]:
        """``{"enc": b64u, "sig": b64u}``."""
        return {"enc": b64u_encode(self.encryption), "sig": b64u_encode(self.signing)}

    @classmethod
    def from_json(cls, value: object) -> DevicePublicKeys:
        """Parse ``{"enc", "sig"}``; raise ``FormatError`` on anything else."""
        if not isinstance(value, dict) or set(value) != {"enc", "sig"}:
            raise FormatError("public keys must be an object with enc and sig")
        return cls(b64u_decode(value["enc"], KEY_BYTES, "enc"), b64u_decode(value["sig"], KEY_BYTES, "sig"))


def device_id_for(encryption_public: bytes, signing_public: bytes) -> str:
    """``hex(SHA-256("alongside/v1/device-id" || 0x00 || enc_pub || sig_pub)[0:16])``."""
    check_bytes(encryption_public, KEY_BYTES, "X25519 public key")
    check_bytes(signing_public, KEY_BYTES, "Ed25519 public key")
    return labelled_sha256("alongside/v1/device-id", encryption_public + signing_public)[:16].hex()


@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """A device's private keys (raw 32-byte X25519 key and Ed25519 seed) and the matching public keys."""

    encryption_private: bytes = field(repr=False)
    signing_private: bytes = field(repr=False)
    public: DevicePublicKeys = field(init=False)

    def __post_init__(self) -> None:
        check_bytes(self.encryption_private, KEY_BYTES, "X25519 private key")
        check_bytes(self.signing_private, KEY_BYTES, "Ed25519 private key")
        public = DevicePublicKeys(x25519_public(self.encryption_private), ed25519_public(self.signing_private))
        object.__setattr__(self, "public", public)

    @property
    def device_id(self) -> str:
        """This device's id."""
        return self.public.device_id

    def private_bytes(self) -> bytes:
        """``enc_priv || sig_priv`` (64 bytes), the secret a PIN lock wraps."""
        return self.encryption_private + self.signing_private

    @classmethod
    def from_private_bytes(cls, secret: bytes) -> DeviceKeys:
        """Inverse of :meth:`private_bytes`."""
        raw = check_bytes(secret, 2 * KEY_BYTES, "device private keys")
        return cls(raw[:KEY_BYTES], raw[KEY_BYTES:])


def generate_device_keys(random: Random = os.urandom) -> DeviceKeys:
    """New device keys: draws 32 bytes for X25519, then 32 for Ed25519."""
    encryption_private = draw(random, KEY_BYTES)
    signing_private = draw(random, KEY_BYTES)
    return DeviceKeys(encryption_private, signing_private)


EVERYONE = "everyone"
AUDIENCES = (EVERYONE, "worker", "family")
"""The audiences of a plan (spec §5.3): each has its own key line; ``everyone`` is the plan key of §5.2."""


def check_audience(audience: object) -> str:
    """Return ``audience`` if it is one of :data:`AUDIENCES`."""
    if not isinstance(audience, str) or audience not in AUDIENCES:
        raise FormatError("audience must be everyone, worker or family")
    return audience


def derive_key_id(plan_id: str, epoch: int, secret: bytes, audience: str = EVERYONE) -> str:
    """The key id of a plan key (spec §5.2) or of an audience key (spec §5.3).

    ``everyone``: ``hex(HKDF(K, utf8(plan_id), "alongside/v1/key-id" || 0x00 || u32(epoch), 8))``; any other
    audience: ``hex(HKDF(K, utf8(plan_id), "alongside/v2/audience-key-id" || 0x00 || utf8(audience) || 0x00 ||
    u32(epoch), 8))``.
    """
    check_plan_id(plan_id)
    check_epoch(epoch)
    check_bytes(secret, KEY_BYTES, "plan key")
    check_audience(audience)
    if audience == EVERYONE:
        info = b"alongside/v1/key-id\x00" + epoch.to_bytes(4, "big")
    else:
        info = b"alongside/v2/audience-key-id\x00" + audience.encode("ascii") + b"\x00" + epoch.to_bytes(4, "big")
    return hkdf_sha256(secret, plan_id.encode("ascii"), info, 8).hex()


def check_epoch(epoch: object) -> int:
    """Return ``epoch`` if it is an integer in 1 ... 2**32 - 1."""
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= MAX_EPOCH:
        raise FormatError("epoch must be an integer from 1 to 2**32 - 1")
    return epoch


@dataclass(frozen=True, slots=True)
class PlanKey:
    """One epoch's key of one audience's key line (spec §5.2, §5.3). ``kid`` and the item key are derived."""

    plan_id: str
    epoch: int
    secret: bytes = field(repr=False)
    audience: str = EVERYONE
    kid: str = field(init=False)
    _aead: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kid", derive_key_id(self.plan_id, self.epoch, self.secret, self.audience))
        item_key = hkdf_sha256(self.secret, self.plan_id.encode("ascii"), b"alongside/v1/item-key", KEY_BYTES)
        object.__setattr__(self, "_aead", AESGCM(item_key))

    @property
    def aead(self) -> AESGCM:
        """The AES-256-GCM object for item envelopes under this key."""
        return self._aead


def new_plan_key(plan_id: str, epoch: int = 1, random: Random = os.urandom, audience: str = EVERYONE) -> PlanKey:
    """A fresh key for ``epoch`` of ``audience``'s key line (default: the plan key): draws 32 bytes."""
    check_plan_id(plan_id)
    check_epoch(epoch)
    check_audience(audience)
    return PlanKey(plan_id, epoch, draw(random, KEY_BYTES), audience)


class Keyring(Mapping[str, PlanKey]):
    """The plan keys one device holds for one plan, by key id. Immutable; :meth:`with_key` returns a new one."""

    __slots__ = ("_keys", "_plan_id")

    def __init__(self, plan_id: str, keys: Iterable[PlanKey] = ()) -> None:
        self._plan_id = check_plan_id(plan_id)
        self._keys: dict[str, PlanKey] = {}
        for key in keys:
            if not isinstance(key, PlanKey) or key.plan_id != plan_id:
                raise FormatError("keyring keys must belong to the keyring's plan")
            self._keys[key.kid] = key

    @property
    def plan_id(self) -> str:
        """The plan these keys belong to."""
        return self._plan_id

    def __getitem__(self, kid: str) -> PlanKey:
        return self._keys[kid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def with_key(self, key: PlanKey) -> Keyring:
        """A keyring with ``key`` added."""
        return Keyring(self._plan_id, [*self._keys.values(), key])

    @property
    def current(self) -> PlanKey:
        """The current plan key (audience ``everyone``): highest epoch, then highest kid (spec §5.2)."""
        return self.current_of(EVERYONE)

    def current_of(self, audience: str) -> PlanKey:
        """The current key of ``audience``'s key line: highest epoch, then highest kid (spec §5.2, §5.3)."""
        line = [key for key in self._keys.values() if key.audience == check_audience(audience)]
        if not line:
            raise FormatError(f"the keyring holds no {audience} key")
        return max(line, key=lambda key: (key.epoch, key.kid))

    @property
    def audiences(self) -> tuple[str, ...]:
        """The audiences this keyring holds keys of, in the order of :data:`AUDIENCES`."""
        held = {key.audience for key in self._keys.values()}
        return tuple(audience for audience in AUDIENCES if audience in held)

    def is_retired(self, kid: str) -> bool:
        """True when ``kid`` is in this keyring but is not the current key of its audience's line."""
        key = self._keys.get(kid)
        return key is not None and kid != self.current_of(key.audience).kid
