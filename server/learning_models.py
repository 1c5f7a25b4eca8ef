"""The ``/api/v1/learning`` contract (pydantic 2): the learning key document an admin's device publishes, a sealed
fact set as a device sends it, and the answers. Each field says what it must be, as in :mod:`api_models`; what a
schema cannot say (the signature, that ``kid`` is the id of ``pub``, a ciphertext of a padded length) is checked by
:mod:`alongside.crypto.learning`, the same code the tests check against the known-answer vectors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from alongside.crypto.learning import MAX_LEARNING_GRANTS, MAX_SEALED_CT_CHARS

from .api_models import BASE64URL_32, Base64Url32, HexId, Model

LearningKid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{32}$"),
    Field(description="a learning key id (32 lower-case hex characters, docs/crypto.md §24)"),
]
Nonce = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16}$"), Field(description="12 bytes in base64url (16 characters)")
]
Signature = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{85}[AQgw]$"),
    Field(description="an Ed25519 signature: 64 bytes in base64url (86 characters)"),
]
WrappedKey = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]{64}$"),
    Field(description="the wrapped learning key: 48 bytes in base64url (64 characters)"),
]
Ciphertext = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_SEALED_CT_CHARS, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(description="the sealed facts in base64url: a padded size (256 to 16,384 bytes) plus 16"),
]
Proof = Annotated[
    str,
    StringConstraints(pattern=f"^{BASE64URL_32}$"),
    Field(description="the fact set's proof: 32 bytes in base64url (43 characters)"),
]


class Exact(Model):
    """A model that refuses members it does not declare (nothing else may travel with learning facts)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class LearningGrant(Exact):
    """The learning private key wrapped for one admin device (docs/crypto.md §24.2)."""

    to: HexId = Field(description="the admin device's id (32 lower-case hex characters)")
    epk: Base64Url32 = Field(description="the ephemeral X25519 public key: 32 bytes in base64url (43 characters)")
    nonce: Nonce
    ct: WrappedKey


class LearningKeyDocument(Exact):
    """An organisation's learning key, as an admin's device publishes it."""

    v: Literal[1] = Field(description="1")
    org: HexId = Field(description="the organisation's id (32 lower-case hex characters)")
    kid: LearningKid
    pub: Base64Url32 = Field(description="the learning public key (X25519): 32 bytes in base64url (43 characters)")
    by: HexId = Field(description="the id of the admin device that signed (32 lower-case hex characters)")
    sig: Signature
    grants: list[LearningGrant] = Field(
        max_length=MAX_LEARNING_GRANTS, description=f"a list of at most {MAX_LEARNING_GRANTS} grants"
    )


class LearningAdmin(Model):
    """An admin device of the organisation, with the public keys a device needs for its grant and to check ``sig``."""

    device: HexId
    enc_pub: Base64Url32
    sig_pub: Base64Url32


class LearningKeyAnswer(LearningKeyDocument):
    """The key document, with the admin devices a caller may need."""

    admins: list[LearningAdmin] = Field(
        description="for an admin's device every admin device of the organisation (to add grants); for any "
        "other device the device `by` (to check `sig`), if it is still an admin device"
    )


class SealedFacts(Exact):
    """A fact set sealed to the organisation's learning key; the server cannot open it."""

    v: Literal[1] = Field(description="1")
    kid: LearningKid
    epk: Base64Url32 = Field(description="the ephemeral X25519 public key: 32 bytes in base64url (43 characters)")
    nonce: Nonce
    ct: Ciphertext


class FactsRequest(Exact):
    """A sealed fact set and its proof (sent with no device token and no cookie)."""

    sealed: SealedFacts
    proof: Proof


class WithdrawRequest(Exact):
    """The proof of the fact set to delete."""

    proof: Proof


class FactsDone(Model):
    ok: Literal[True] = Field(description="true")


class LearningSets(Model):
    """Every fact set sealed to the organisation's learning key, sorted by `kid` then `ct`."""

    sets: list[SealedFacts]
