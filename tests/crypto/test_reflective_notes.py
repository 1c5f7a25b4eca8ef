"""A worker's private reflective notes (docs/crypto.md §23) against tests/vectors/reflective_notes.json, which the
Node tests (tests/pwa/vector_checks.mjs) check the JavaScript side against too; and the crypto-level check that
nothing the person's device, another worker's device or the server holds opens a note."""

from __future__ import annotations

from typing import Any

import pytest
from vector_support import ERRORS, cases

from alongside.crypto import DecryptionError, generate_device_keys
from alongside.crypto.encoding import b64u_decode
from alongside.crypto.notes import notes_key, open_note, seal_note


class Replay:
    def __init__(self, draws: list[str]) -> None:
        self.draws = [b64u_decode(d) for d in draws]

    def __call__(self, length: int) -> bytes:
        data = self.draws.pop(0)
        assert len(data) == length
        return data


@pytest.mark.parametrize("case", cases("reflective_notes.json", "generate"))
def test_a_note_is_sealed_under_the_devices_notes_key_byte_for_byte(case: dict[str, Any]) -> None:
    key = notes_key(b64u_decode(case["secret"]))
    assert key == b64u_decode(case["key"])
    random = Replay(case["random"])
    assert seal_note(key, case["id"], b64u_decode(case["plaintext"]), random=random) == case["expected"]
    assert not random.draws


@pytest.mark.parametrize("case", cases("reflective_notes.json", "verify"))
def test_the_writers_device_opens_its_note(case: dict[str, Any]) -> None:
    assert open_note(notes_key(b64u_decode(case["secret"])), case["sealed"]) == b64u_decode(case["plaintext"])


@pytest.mark.parametrize("case", cases("reflective_notes.json", "invalid"))
def test_a_note_does_not_open_for_anyone_else_nor_altered(case: dict[str, Any]) -> None:
    with pytest.raises(ERRORS[case["error"]]) as raised:
        open_note(notes_key(b64u_decode(case["secret"])), case["sealed"])
    assert type(raised.value) is ERRORS[case["error"]]


def test_no_key_of_the_person_another_worker_or_the_server_opens_a_fresh_note() -> None:
    worker, person, colleague = generate_device_keys(), generate_device_keys(), generate_device_keys()
    sealed = seal_note(notes_key(worker.private_bytes()), "ab" * 16, b"canary-reflection-7f3a")
    server_holds = [
        worker.public.encryption + worker.public.signing,
        person.public.encryption + person.public.signing,
        colleague.public.encryption + colleague.public.signing,
    ]
    for material in [person.private_bytes(), colleague.private_bytes(), *server_holds]:
        with pytest.raises(DecryptionError):
            open_note(notes_key(material), sealed)
    assert open_note(notes_key(worker.private_bytes()), sealed) == b"canary-reflection-7f3a"
