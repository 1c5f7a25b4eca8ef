"""The server only ever holds ciphertext: canaries written through the real sync path never reach it,
and ordinary JSON documents are refused one by one while envelopes go through."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
from support.documents import doc_id, item_doc
from support.processes import TESTS, AlongsideServer, run_node


def _canaries() -> list[str]:
    words = ["I'm proud of my allotment", "أريد أن أرى أطفالي", "Dw i eisiau dysgu Cymraeg", "Walk the dog"]
    return [f"canary-{secrets.token_hex(6)} {word}" for word in words for _ in range(5)]


def _files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _what_storage_holds(server: AlongsideServer) -> dict[str, bytes]:
    """Every byte the backend keeps: the SQLite files, or CouchDB's files and every database it serves."""
    if server.couchdb is None:
        stored = _files_under(server.data_dir)
        assert any(path.name.startswith("alongside.sqlite3") for path in stored)
        return {str(path): path.read_bytes() for path in stored}
    held: dict[str, bytes] = {}
    if server.couchdb.external_url is None:
        held.update({str(path): path.read_bytes() for path in _files_under(server.couchdb.directory)})
    with httpx.Client(base_url=server.couchdb.url, timeout=30) as couch:
        names = [n for n in couch.get("/_all_dbs").json() if n.startswith(server.couchdb_prefix)]
        assert len(names) >= 2, names
        for name in names:
            for path in ("_all_docs?include_docs=true", "_changes?include_docs=true&style=all_docs", "_local_docs"):
                held[f"couchdb {name}/{path}"] = couch.get(f"/{name}/{path}").content
    return held


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
    haystacks = _what_storage_holds(alongside_server)
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
