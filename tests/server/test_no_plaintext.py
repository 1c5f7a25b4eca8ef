"""The server only ever holds ciphertext: canaries written through the real sync path never reach it,
and ordinary JSON documents are refused one by one while envelopes go through."""

from __future__ import annotations

import secrets
from pathlib import Path

from support.documents import doc_id, item_doc
from support.processes import TESTS, AlongsideServer, run_node


def _canaries() -> list[str]:
    words = ["I'm proud of my allotment", "أريد أن أرى أطفالي", "Dw i eisiau dysgu Cymraeg", "Walk the dog"]
    return [f"canary-{secrets.token_hex(6)} {word}" for word in words for _ in range(5)]


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_canary_strings_written_through_sync_never_reach_the_server(alongside_server: AlongsideServer) -> None:
    plan_id, token = alongside_server.create_plan()
    canaries = _canaries()
    facts = run_node(
        TESTS / "server" / "js" / "canary.mjs",
        input_json={"url": alongside_server.plan_url(plan_id), "token": token, "planId": plan_id, "canaries": canaries},
    )
    assert facts["docs_written"] == len(canaries) + 1
    assert sorted(facts["opened"]) == sorted(canaries), "the other device must read every item"
    assert len(facts["bodies"]) > 5

    alongside_server.stop()
    stored = _files_under(alongside_server.data_dir)
    assert any(path.name.startswith("alongside.sqlite3") for path in stored)
    haystacks = {str(path): path.read_bytes() for path in stored}
    haystacks["server log"] = alongside_server.logs().encode()
    haystacks.update({f"response {i}": body.encode() for i, body in enumerate(facts["bodies"])})
    for canary in canaries:
        needles = {canary.encode("utf-8"), canary.split(" ", 1)[0].encode()}
        for where, data in haystacks.items():
            for needle in needles:
                assert needle not in data, f"{needle!r} found in {where}"


def test_ordinary_json_documents_are_refused_one_by_one_and_envelopes_go_through(
    alongside_server: AlongsideServer,
) -> None:
    plan_id, token = alongside_server.create_plan()
    envelopes = [item_doc(doc_id(f"envelope-{i}"), 300) for i in range(4)]
    facts = run_node(
        TESTS / "server" / "js" / "plaintext_push.mjs",
        input_json={"url": alongside_server.plan_url(plan_id), "token": token, "envelopes": envelopes},
    )
    assert [result["error"] for result in facts["direct"]] == ["forbidden", "forbidden", "forbidden"]
    assert all(result["reason"].startswith("Only encrypted plan documents are accepted") for result in facts["direct"])
    assert facts["doc_write_failures"] == 3
    assert facts["docs_written"] == 4
    assert sorted(facts["held"]) == sorted(doc["_id"] for doc in envelopes)
