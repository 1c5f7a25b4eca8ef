"""Learning facts (docs/crypto.md §24) against tests/vectors/learning.json, which the Node and Chromium tests
(tests/pwa/learning_vectors.mjs, through tests/pwa/vector_checks.mjs) check the JavaScript side against too; and
the crypto-level checks that only the learning key opens a set and that a canary fact never shows in a sealed one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vector_support import ERRORS, ScriptedRandom, cases, device_from

from alongside.crypto import DecryptionError, FormatError, SignatureError, generate_device_keys
from alongside.crypto.encoding import b64u_decode, b64u_encode
from alongside.crypto.learning import (
    check_facts,
    check_learning_key,
    check_sealed_facts,
    learning_key_message,
    new_learning_key,
    open_facts,
    open_learning_grant,
    seal_facts,
    sign_learning_key,
    verify_learning_key,
    wrap_learning_key_for,
)


def _key(value: dict[str, str]) -> dict[str, Any]:
    return {"priv": b64u_decode(value["priv"]), "kid": value["kid"]}


def _run(case: dict[str, Any]) -> Any:
    kind = case["type"]
    if kind == "key_document":
        return verify_learning_key(case["doc"], case["sig_pub"])
    if kind == "grant":
        return open_learning_grant(case["doc"], case["grant"], device_from(case["device"]))
    if kind == "open":
        return open_facts(case["sealed"], **_key(case["key"]))
    assert kind == "facts"
    return check_facts(case["facts"])


@pytest.mark.parametrize("case", cases("learning.json", "generate"))
def test_keys_documents_grants_and_sealed_sets_are_made_byte_for_byte(case: dict[str, Any]) -> None:
    kind = case["type"]
    if kind == "key":
        random = ScriptedRandom(case["random"])
        key = new_learning_key(random)
        assert {"priv": b64u_encode(key.priv), "pub": b64u_encode(key.pub), "kid": key.kid} == case["expected"]
    elif kind == "key_document":
        pub, kid = b64u_decode(case["key"]["pub"]), case["key"]["kid"]
        assert learning_key_message(org=case["org"], kid=kid, pub=pub).decode() == case["message"]
        signer = device_from(case["device"])
        assert signer.device_id == case["device_id"]
        assert sign_learning_key(org=case["org"], pub=pub, kid=kid, device_keys=signer) == case["expected"]
        return
    elif kind == "grant":
        random = ScriptedRandom(case["random"])
        key = case["key"]
        grant = wrap_learning_key_for(
            priv=b64u_decode(key["priv"]), kid=key["kid"], to=case["to"], enc_pub=case["enc_pub"], random=random
        )
        assert grant == case["expected"]
    else:
        random = ScriptedRandom(case["random"])
        assert seal_facts(case["facts"], pub=case["pub"], kid=case["kid"], random=random) == case["expected"]
    random.assert_used_up()


@pytest.mark.parametrize("case", cases("learning.json", "verify"))
def test_admin_devices_check_the_key_open_their_grants_and_the_sets(case: dict[str, Any]) -> None:
    result = _run(case)
    if case["type"] == "key_document":
        assert {"org": result.org, "kid": result.kid, "pub": b64u_encode(result.pub), "by": result.by} == case[
            "expected"
        ]
    elif case["type"] == "grant":
        assert b64u_encode(result) == case["expected"]
    elif case["type"] == "open":
        assert result == case["expected"]
    else:
        assert result == case["facts"]


@pytest.mark.parametrize("case", cases("learning.json", "invalid"))
def test_what_is_not_a_learning_key_grant_set_or_facts_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ERRORS[case["error"]]) as raised:
        _run(case)
    assert type(raised.value) is ERRORS[case["error"]]


def test_only_the_learning_key_opens_a_set_and_no_fact_shows_in_it() -> None:
    admin, second_admin, worker = generate_device_keys(), generate_device_keys(), generate_device_keys()
    key, other = new_learning_key(), new_learning_key()
    doc = sign_learning_key(org="ab" * 16, pub=key.pub, kid=key.kid, device_keys=admin)
    doc["grants"] = [
        wrap_learning_key_for(priv=key.priv, kid=key.kid, to=d.device_id, enc_pub=d.public.encryption)
        for d in (admin, second_admin)
    ]
    canary = "canary-tag-5c1e"
    facts = {"v": 1, "activities": [{"tag": canary, "went": "yes", "again": "yes"}], "scales": ["up"]}
    sealed = seal_facts(facts, pub=key.pub, kid=key.kid)
    assert canary not in json.dumps(sealed) and "yes" not in json.dumps(sealed)
    for device in (admin, second_admin):
        assert open_facts(sealed, priv=open_learning_grant(doc, None, device), kid=key.kid) == facts
    with pytest.raises(DecryptionError):
        open_learning_grant(doc, None, worker)
    with pytest.raises(DecryptionError):
        open_facts(sealed, priv=other.priv, kid=other.kid)
    # Two sets of the same facts share nothing: the server cannot tell that they say the same.
    again = seal_facts(facts, pub=key.pub, kid=key.kid)
    assert {again["epk"], again["nonce"], again["ct"]}.isdisjoint({sealed["epk"], sealed["nonce"], sealed["ct"]})
    assert len(again["ct"]) == len(sealed["ct"])


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=70),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
_KEY = new_learning_key()
_ADMIN = generate_device_keys()
_DOC = {
    **sign_learning_key(org="ab" * 16, pub=_KEY.pub, kid=_KEY.kid, device_keys=_ADMIN),
    "grants": [
        wrap_learning_key_for(priv=_KEY.priv, kid=_KEY.kid, to=_ADMIN.device_id, enc_pub=_ADMIN.public.encryption)
    ],
}
_FACTS = {"v": 1, "activities": [{"tag": "choir", "went": "yes", "again": "no"}], "scales": ["same", "up"]}
_SEALED = seal_facts(_FACTS, pub=_KEY.pub, kid=_KEY.kid)


def _near(base: dict[str, Any]) -> st.SearchStrategy[Any]:
    """``base`` with one member replaced by any JSON value, or removed, or one more member."""
    names = st.sampled_from([*base, "activities", "tag", "extra"])
    replaced = st.builds(lambda name, value: {**base, name: value}, names, _json)
    removed = st.builds(lambda name: {k: v for k, v in base.items() if k != name}, names)
    return replaced | removed | _json


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near(_SEALED), _near(_FACTS), _near({**_FACTS, "activities": [{"tag": "a", "went": "no", "again": "no"}]}))
def test_what_the_server_and_devices_check_raises_only_their_own_errors(sealed: Any, facts: Any, more: Any) -> None:
    """The shape checks the server runs on what anyone sends, and the opening an admin's device runs, never fail
    with anything but FormatError or DecryptionError (a 400 on the server, never a 500)."""
    for check in (check_sealed_facts, check_facts, check_learning_key):
        for value in (sealed, facts, more):
            try:
                check(value)
            except FormatError:
                pass
    try:
        open_facts(sealed, priv=_KEY.priv, kid=_KEY.kid)
    except (FormatError, DecryptionError):
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near(_DOC), _near(_DOC["grants"][0]))
def test_key_documents_and_grants_raise_only_their_own_errors(doc: Any, grant: Any) -> None:
    for call in (
        lambda: verify_learning_key(doc, _ADMIN.public.signing),
        lambda: open_learning_grant(doc, None, _ADMIN),
        lambda: open_learning_grant(_DOC, grant, _ADMIN),
    ):
        try:
            call()
        except (FormatError, DecryptionError, SignatureError):
            pass
