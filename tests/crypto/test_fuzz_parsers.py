"""Fuzzing every parser: any input either parses or raises this package's own error, never anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alongside.crypto import (
    DecryptionError,
    DevicePublicKeys,
    FormatError,
    InviteExpiredError,
    Keyring,
    Leaf,
    SignatureError,
    VersionMemory,
    WireFormatError,
    b64u_decode,
    base32_decode,
    canonical_json,
    check_wire_document,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    judge_versions,
    lock_secret,
    new_document_id,
    new_plan_id,
    new_plan_key,
    open_grant,
    open_invite,
    open_item,
    parse_canonical_json,
    parse_invite,
    parse_item_envelope,
    parse_keyring_document,
    parse_pinlock,
    seal_item,
    sign_field,
    sign_item,
    unpad,
    verify_field,
    version_hash,
)
from alongside.crypto.provenance import SignedItem

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PLAN = new_plan_id()
ALICE, BOB = generate_device_keys(), generate_device_keys()
KEY = new_plan_key(PLAN)
KEYRING = Keyring(PLAN, [KEY])
DEVICES = {ALICE.device_id: ALICE.public, BOB.device_id: BOB.public}
ITEM_ID = new_document_id()
ITEM_SIGNED = sign_item({"text": "hello", "n": [1, 2]}, plan_id=PLAN, doc_id=ITEM_ID, author=ALICE)
VH = version_hash(ITEM_SIGNED, plan_id=PLAN, doc_id=ITEM_ID, deleted=False)
ITEM = seal_item({"text": "hello", "n": [1, 2]}, plan_id=PLAN, doc_id=ITEM_ID, key=KEY, author=ALICE, n=2, prev=[VH])
GRANT = grant_plan_key(KEY, recipient=BOB.public, granter=ALICE)
INVITE = create_invite(KEY, inviter=ALICE, now=1_000_000)
INVITE_BYTES = INVITE.to_bytes()
PINLOCK = lock_secret(b"secret", "1234")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)
field_names = st.sampled_from(
    [
        "_id",
        "_rev",
        "_deleted",
        "_revisions",
        "v",
        "kind",
        "kid",
        "nonce",
        "ct",
        "epk",
        "to",
        "x",
        "h",
        "at",
        "dev",
        "sig",
    ]
)


def near_miss(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid document with fields replaced, removed or added, or a string field edited."""

    def replace(doc: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
        return {**doc, name: value}

    def remove(doc: dict[str, Any], name: str) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k != name}

    def edit(doc: dict[str, Any], name: str, index: int, text: str) -> dict[str, Any]:
        value = doc.get(name)
        if not isinstance(value, str):
            return doc
        index %= len(value) + 1
        return {**doc, name: value[:index] + text + value[index + 1 :]}

    return st.one_of(
        st.builds(replace, st.just(base), field_names, json_values),
        st.builds(remove, st.just(base), field_names),
        st.builds(edit, st.just(base), field_names, st.integers(0, 2000), st.text(max_size=3)),
    )


def only(errors: tuple[type[Exception], ...], call: Callable[[], object]) -> None:
    """Run ``call``; it may return or raise one of ``errors``; anything else fails the test."""
    try:
        call()
    except errors:
        pass


@FUZZ
@given(st.one_of(json_values, near_miss(ITEM), near_miss(GRANT), st.dictionaries(st.text(max_size=5), json_values)))
def test_wire_shape_check_accepts_or_raises_wire_format_error(doc: Any) -> None:
    only((WireFormatError,), lambda: check_wire_document(doc))


@FUZZ
@given(st.one_of(json_values, near_miss(ITEM)))
def test_item_envelope_parser_accepts_or_raises_format_error(doc: Any) -> None:
    only((FormatError,), lambda: parse_item_envelope(doc))


@FUZZ
@given(st.one_of(near_miss(ITEM), json_values))
def test_opening_a_damaged_item_raises_decryption_or_signature_error(doc: Any) -> None:
    only((DecryptionError, SignatureError), lambda: open_item(doc, plan_id=PLAN, keyring=KEYRING, devices=DEVICES))


@FUZZ
@given(st.one_of(near_miss(GRANT), json_values))
def test_keyring_parser_and_opener_raise_only_their_own_errors(doc: Any) -> None:
    only((FormatError,), lambda: parse_keyring_document(doc))
    only((DecryptionError, SignatureError), lambda: open_grant(doc, plan_id=PLAN, device=BOB, trusted=DEVICES))


def _mutated_invite(data: st.DataObject) -> bytes:
    raw = bytearray(INVITE_BYTES)
    for _ in range(data.draw(st.integers(1, 3))):
        choice = data.draw(st.integers(0, 2))
        if choice == 0 and raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        elif choice == 1 and raw:
            del raw[data.draw(st.integers(0, len(raw) - 1)) :]
        else:
            raw += data.draw(st.binary(max_size=4))
    return bytes(raw)


@FUZZ
@given(st.data())
def test_invite_parser_and_opener_raise_only_their_own_errors(data: st.DataObject) -> None:
    raw = _mutated_invite(data) if data.draw(st.booleans()) else data.draw(st.binary(max_size=300))
    only((FormatError,), lambda: parse_invite(raw))
    only((FormatError, DecryptionError, InviteExpiredError, SignatureError), lambda: open_invite(raw, now=1_000_001))


@FUZZ
@given(st.one_of(st.text(max_size=400), st.text(alphabet="AS1:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 -", max_size=400)))
def test_invite_text_parser_raises_only_format_error(text: str) -> None:
    only((FormatError,), lambda: parse_invite(text))
    only((FormatError, DecryptionError, InviteExpiredError), lambda: open_invite(text, now=1_000_001))


@FUZZ
@given(st.one_of(json_values, near_miss(PINLOCK)))
def test_pinlock_parser_accepts_or_raises_format_error(blob: Any) -> None:
    only((FormatError,), lambda: parse_pinlock(blob))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_canonical_json_parser_accepts_or_raises_format_error(data: bytes) -> None:
    only((FormatError,), lambda: parse_canonical_json(data))


@FUZZ
@given(json_values)
def test_canonical_json_of_any_value_either_round_trips_or_raises_format_error(value: Any) -> None:
    try:
        encoded = canonical_json(value)
    except FormatError:
        return
    assert parse_canonical_json(encoded) == value
    assert canonical_json(parse_canonical_json(encoded)) == encoded


@FUZZ
@given(st.one_of(st.text(max_size=60), json_values))
def test_base64url_and_base32_decoders_raise_only_format_error(text: Any) -> None:
    only((FormatError,), lambda: b64u_decode(text))
    only((FormatError,), lambda: base32_decode(text))


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.integers(0, 3).map(lambda n: b"x" * 255 + b"\x80" + bytes(n))))
def test_unpad_accepts_or_raises_format_error(data: bytes) -> None:
    only((FormatError,), lambda: unpad(data))


SIGNED = ITEM_SIGNED.to_json()
signed_near_miss = st.one_of(
    st.builds(
        lambda name, value: {**SIGNED, name: value},
        st.sampled_from(["body", "by", "n", "prev", "sig", "x"]),
        json_values,
    ),
    st.builds(lambda name: {k: v for k, v in SIGNED.items() if k != name}, st.sampled_from(sorted(SIGNED))),
    st.builds(
        lambda prev: {**SIGNED, "prev": prev},
        st.lists(st.sampled_from([VH, VH[:-1] + "A", "x" * 43, VH.upper()]), max_size=18),
    ),
)


@FUZZ
@given(st.one_of(json_values, signed_near_miss), st.sampled_from([1, 2]))
def test_signed_item_and_public_key_parsers_raise_only_format_error(value: Any, version: int) -> None:
    only((FormatError,), lambda: SignedItem.from_json(value, version))
    only((FormatError,), lambda: DevicePublicKeys.from_json(value))


memory_like = st.fixed_dictionaries(
    {"n": json_values, "vh": st.sampled_from([VH, "", "x" * 43]), "deleted": json_values, "rev": json_values},
    optional={"old": st.lists(st.sampled_from([VH, 1, "y"]), max_size=66)},
)
leaf_like = st.fixed_dictionaries(
    {
        "rev": st.sampled_from(["1-a", "2-b", "", 3]),
        "state": st.sampled_from(["valid", "unchecked", "unsigned-removal", "x"]),
    },
    optional={"n": json_values, "vh": st.sampled_from([VH, None, "z"]), "deleted": json_values},
)


@FUZZ
@given(st.one_of(json_values, memory_like), leaf_like, st.lists(leaf_like, max_size=4))
def test_version_memory_and_leaf_parsers_and_the_judge_raise_only_format_error(
    memory: Any, winner: Any, leaves: list[Any]
) -> None:
    def judge() -> None:
        parsed = [Leaf.from_json(leaf) for leaf in leaves]
        judge_versions(VersionMemory.from_json(memory), Leaf.from_json(winner), [*parsed, Leaf.from_json(winner)])

    only((FormatError,), judge)


FIELD = {"v": "hello", "h": ["a1"], "at": 5, "dev": ALICE.device_id}
FIELD["sig"] = sign_field(plan_id=PLAN, doc_id=ITEM_ID, name="text", value="hello", h=["a1"], at=5, author=ALICE)


@FUZZ
@given(st.one_of(near_miss(FIELD), json_values), st.one_of(st.just("text"), st.text(max_size=5)))
def test_field_statement_checks_raise_only_format_or_signature_error(field: Any, name: str) -> None:
    only(
        (FormatError, SignatureError),
        lambda: verify_field(plan_id=PLAN, doc_id=ITEM_ID, name=name, field=field, devices=DEVICES),
    )
