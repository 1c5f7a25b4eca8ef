"""The vectors follow docs/crypto.md when rebuilt step by step with raw primitives, not through the package.

A version-2 envelope and its version hash, a field statement, a plan id and a roster id, a keyring
document, and an invite with its bind key and an admission bind.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from vector_support import load


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def canonical(value: object) -> bytes:
    # Enough for ASCII keys: sorted keys, no whitespace, UTF-8.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_version_two_envelope_decrypts_with_hkdf_aes_gcm_and_the_documented_associated_data() -> None:
    case = next(g for g in load("envelope.json")["generate"] if g["type"] == "seal" and g["n"] == 2)
    secret, plan = unb64(case["key"]["secret"]), case["plan_id"]
    kid = hkdf(secret, plan.encode(), b"alongside/v1/key-id\x00" + case["key"]["epoch"].to_bytes(4, "big"), 8).hex()
    assert kid == case["document"]["kid"] and case["document"]["v"] == 2
    item_key = hkdf(secret, plan.encode(), b"alongside/v1/item-key", 32)
    ad = canonical({"ctx": "alongside/v2/item", "del": False, "id": case["doc_id"], "kid": kid, "plan": plan, "v": 2})
    padded = AESGCM(item_key).decrypt(unb64(case["document"]["nonce"]), unb64(case["document"]["ct"]), ad)
    assert len(padded) == 512
    plaintext = padded.rstrip(b"\x00")
    assert plaintext.endswith(b"\x80")
    signed = json.loads(plaintext[:-1])
    assert sorted(signed) == ["body", "by", "n", "prev", "sig"]
    assert (signed["body"], signed["n"], signed["prev"]) == (case["body"], 2, case["prev"])
    author = Ed25519PrivateKey.from_private_bytes(unb64(case["author"]["sig_private"]))
    enc_pub = X25519PrivateKey.from_private_bytes(unb64(case["author"]["enc_private"])).public_key().public_bytes_raw()
    sig_pub = author.public_key().public_bytes_raw()
    assert signed["by"] == hashlib.sha256(b"alongside/v1/device-id\x00" + enc_pub + sig_pub).digest()[:16].hex()
    message = canonical(
        {
            "body": case["body"],
            "by": signed["by"],
            "ctx": "alongside/v2/item",
            "del": False,
            "id": case["doc_id"],
            "n": signed["n"],
            "plan": plan,
            "prev": signed["prev"],
        }
    )
    author.public_key().verify(unb64(signed["sig"]), message)
    # The version hash is the SHA-256 of the signed message (§8.2), and the next version lists it in prev.
    assert b64(hashlib.sha256(message).digest()) == case["vh"]
    first = next(g for g in load("envelope.json")["generate"] if g["type"] == "seal" and g["doc_id"] == case["doc_id"])
    assert signed["prev"] == [first["vh"]]


def test_a_field_statement_is_an_ed25519_signature_over_its_canonical_fields() -> None:
    case = next(g for g in load("statements.json")["generate"] if g["type"] == "field")
    author = Ed25519PrivateKey.from_private_bytes(unb64(case["author"]["sig_private"]))
    fields = {
        "at": case["at"],
        "ctx": "alongside/v2/field",
        "dev": case["field"]["dev"],
        "h": case["h"],
        "id": case["doc_id"],
        "name": case["field_name"],
        "plan": case["plan_id"],
        "v": case["value"],
    }
    message = canonical(fields)
    assert message == case["message"].encode()
    author.public_key().verify(unb64(case["field"]["sig"]), message)
    assert b64(author.sign(message)) == case["field"]["sig"]


def test_a_plan_id_names_its_creator_and_a_roster_id_its_device() -> None:
    keys = load("keys.json")["generate"]
    started = next(g for g in keys if g["type"] == "plan_id")
    digest = hashlib.sha256(b"alongside/v2/plan-id\x00" + unb64(started["salt"]) + unb64(started["creator"]["sig"]))
    assert digest.digest()[:16].hex() == started["plan_id"]
    roster = next(g for g in keys if g["type"] == "roster_id")
    data = roster["plan_id"].encode() + b"\x00" + roster["device_id"].encode()
    assert hashlib.sha256(b"alongside/v2/roster-id\x00" + data).digest()[:16].hex() == roster["roster_id"]


def test_a_keyring_document_unwraps_with_x25519_hkdf_and_aes_gcm() -> None:
    case = load("keywrap.json")["verify"][0]
    doc = case["document"]
    recipient = X25519PrivateKey.from_private_bytes(unb64(case["device"]["enc_private"]))
    epk = unb64(doc["epk"])
    shared = recipient.exchange(X25519PublicKey.from_public_bytes(epk))
    wrap = hkdf(shared, epk + recipient.public_key().public_bytes_raw(), b"alongside/v1/keyring-wrap", 32)
    ad = canonical(
        {
            "ctx": "alongside/v1/keyring",
            "epk": doc["epk"],
            "id": doc["_id"],
            "kid": doc["kid"],
            "plan": case["plan_id"],
            "to": doc["to"],
            "v": 1,
        }
    )
    grant = json.loads(AESGCM(wrap).decrypt(unb64(doc["nonce"]), unb64(doc["ct"]), ad))
    assert grant["key"] == case["expected"]["secret"]
    assert grant["epoch"] == case["expected"]["epoch"]


def test_an_invite_payload_has_the_documented_layout() -> None:
    case = load("invite.json")["generate"][0]
    raw = unb64(case["expected"]["bytes"])
    n = raw[1]
    assert raw[0] == 2 and raw[2 : 2 + n].decode() == case["plan_id"] and len(raw) == 231 + n
    invite_id, secret = raw[2 + n : 18 + n], raw[18 + n : 34 + n]
    assert invite_id.hex() == case["expected"]["invite_id"]
    assert int.from_bytes(raw[34 + n : 38 + n], "big") == case["now"] + case["lifetime"]
    assert (case["role"], case["access"]) == ("owner", "write") and raw[38 + n] == 0x01
    signing_public = raw[71 + n : 103 + n]
    key = hkdf(secret, invite_id, b"alongside/v1/invite-key", 32)
    plaintext = AESGCM(key).decrypt(raw[167 + n : 179 + n], raw[179 + n :], b"alongside/v1/invite\x00" + raw[: 167 + n])
    assert int.from_bytes(plaintext[:4], "big") == case["key"]["epoch"]
    assert base64.urlsafe_b64encode(plaintext[4:]).rstrip(b"=").decode() == case["key"]["secret"]
    token = hkdf(secret, invite_id, b"alongside/v1/invite-auth", 32)
    assert base64.urlsafe_b64encode(token).rstrip(b"=").decode() == case["expected"]["auth_token"]
    verifier = base64.urlsafe_b64encode(hashlib.sha256(token).digest()).rstrip(b"=").decode()
    fields = {"access": "write", "ctx": "alongside/v1/invite-registration", "plan_id": case["plan_id"]}
    fields |= {"expires_at": case["now"] + case["lifetime"], "invite_id": invite_id.hex(), "role": "owner"}
    message = canonical({**fields, "verifier": verifier})
    Ed25519PublicKey.from_public_bytes(signing_public).verify(raw[103 + n : 167 + n], message)
    assert case["expected"]["text"] == "AS1:" + base64.b32encode(raw).rstrip(b"=").decode()
    bind_key = hkdf(secret, invite_id, b"alongside/v2/invite-bind", 32)
    assert b64(bind_key) == case["expected"]["bind_key"]
    bind = next(g for g in load("invite.json")["generate"] if g.get("bind_key") == b64(bind_key))
    info = b"alongside/v2/admission-bind\x00" + bind["plan_id"].encode() + b"\x00" + bind["device_id"].encode()
    assert b64(hkdf(bind_key, b"", info, 32)) == bind["bind"]
