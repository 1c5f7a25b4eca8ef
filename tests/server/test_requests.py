"""``parse_json`` parses with orjson first and falls back to the standard library's strict parser: whatever the
bytes, it answers exactly as the strict parser alone would (the same value, or the same refusal in the same
words), so the faster parser changes nothing a client can see."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.server.requests import MAX_JSON_INTEGER, JsonLimits, _parse_json_strictly, parse_json
from alongside.sync.errors import SyncError

LIMITS = JsonLimits(max_depth=6, max_values=500)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([MAX_JSON_INTEGER, MAX_JSON_INTEGER + 1, -MAX_JSON_INTEGER, -MAX_JSON_INTEGER - 1, 2**64]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=30,
)
# Texts a hostile or broken client might send: JSON with numbers or strings rewritten, and raw fragments.
fragments = st.sampled_from(
    [
        "NaN",
        "-Infinity",
        "1e400",
        "-1e400",
        "1E2",
        "-0",
        "0.0",
        "01",
        '"\\ud800"',
        '"\\udc00x"',
        '"\\ud83d\\ude00"',
        '"\\u0000"',
        '"\x01"',
        '"\t"',
        "123456789012345678901234567890",
        "[" * 8 + "]" * 8,
        '{"a":1,"a":2}',
        "\ufeff{}",
        "\x0c[]",
        " [] ",
        "[1,]",
        "",
    ]
)


def _outcome(parse: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(raw, LIMITS)
    except SyncError as exc:
        return exc.error, exc.reason


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    # Compare values through their JSON text so that 1 and 1.0 or True and 1 are told apart.
    if a[0] == b[0] == "value":
        return json.dumps(a[1], sort_keys=True) == json.dumps(b[1], sort_keys=True)
    return a == b


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        values.map(lambda v: json.dumps(v).encode()),
        values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        st.tuples(values, fragments).map(lambda p: json.dumps([p[0]])[:-1].encode() + b"," + p[1].encode() + b"]"),
        fragments.map(lambda f: f.encode("utf-8", "surrogatepass")),
        st.binary(max_size=30),
    )
)
def test_the_fast_parser_answers_exactly_as_the_strict_parser_alone(raw: bytes) -> None:
    assert _same(_outcome(parse_json, raw), _outcome(_parse_json_strictly, raw))


def test_integers_past_the_javascript_range_and_floats_take_the_strict_path() -> None:
    assert parse_json(b"[9007199254740991]", LIMITS) == [MAX_JSON_INTEGER]
    assert _outcome(parse_json, b"[9007199254740992]")[0] == "bad_request"
    assert _outcome(parse_json, b"[18446744073709551616]")[0] == "bad_request"
    assert parse_json(b"[1.5, 1e300]", LIMITS) == [1.5, 1e300]
    assert _outcome(parse_json, b"[" * 7 + b"]" * 7)[1] == "JSON may be nested at most 6 levels deep"
