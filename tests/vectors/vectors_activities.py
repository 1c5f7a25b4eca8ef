"""Vectors for the signed activities catalogue (spec §22): the statement a catalogue key signs, the signature, and
signed catalogues a device must refuse (one entry altered, another key, no signature, malformed)."""

from __future__ import annotations

import copy
from typing import Any

from alongside.crypto.catalogue import catalogue_message, catalogue_public_key, sign_catalogue
from alongside.crypto.encoding import b64u_encode

Json = dict[str, Any]
SEED = bytes(range(32))
OTHER_SEED = bytes(range(32, 64))

ACTIVITY = {
    "id": "walk-riverside",
    "name": "Riverside walking group",
    "description": "A gentle walk along the river, about an hour, then tea.",
    "when": "Thursdays 10:00, all year",
    "days": ["th"],
    "where": "Meet at the library steps",
    "postcode": "CF10 1AA",
    "lat": "51.4816",
    "lon": "-3.1791",
    "cost": "Free",
    "free": True,
    "accessibility": "Flat paths; benches every 400 m.",
    "phone": "029 2000 0000",
    "email": "walks@example.org",
    "url": "https://example.org/walks",
    "languages": ["cy", "en"],
    "tags": ["outdoors", "walking"],
    "last_checked": "2026-11-02",
}
CHOIR = {
    **{name: "" for name in ACTIVITY},
    "id": "cor-cymunedol",
    "name": "Côr Cymunedol — صوت",
    "days": [],
    "free": False,
    "languages": ["ar", "cy"],
    "tags": [],
}
CATALOGUE = {
    "v": 1,
    "org": "5f0b1d2c3e4a59687786a5b4c3d2e1f0",
    "version": 7,
    "issued_at": 1796000000,
    "activities": [CHOIR, ACTIVITY],
}


def activities_vectors() -> Json:
    signed = sign_catalogue(CATALOGUE, SEED)
    key = catalogue_public_key(SEED)
    altered = copy.deepcopy(signed)
    altered["catalogue"]["activities"][1]["where"] = "Meet at the old quarry"
    other = sign_catalogue(CATALOGUE, OTHER_SEED)
    unsigned = {"catalogue": signed["catalogue"], "key": key}
    extra = copy.deepcopy(signed)
    extra["catalogue"]["note"] = "x"
    return {
        "spec": "docs/crypto.md section 22",
        "generate": [
            {
                "name": "a catalogue of two activities",
                "private": b64u_encode(SEED),
                "catalogue": CATALOGUE,
                "message": catalogue_message(CATALOGUE).decode("utf-8"),
                "key": key,
                "sig": signed["sig"],
            }
        ],
        "verify": [{"name": "the signed catalogue", "signed": signed, "pinned": key, "catalogue": CATALOGUE}],
        "invalid": [
            {"name": "one entry altered on the way", "signed": altered, "pinned": key, "error": "SignatureError"},
            {"name": "signed by another key", "signed": other, "pinned": key, "error": "SignatureError"},
            {"name": "no signature", "signed": unsigned, "pinned": key, "error": "SignatureError"},
            {"name": "a member a catalogue does not have", "signed": extra, "pinned": key, "error": "FormatError"},
        ],
    }
