"""What Alongside sends CouchDB for each request a replicating device sends it (issue 19).

Alongside over CouchDB is as fast as the requests it adds per device request allow. A ``/sync`` request asks
the directory "changed since?" at most once (what makes a removal refuse the device on its very next request,
in every process: docs/security.md), and not at all while a read sent less than ``ALONGSIDE_ACCESS_RECHECK_MS``
ago vouches for it; these tests turn that off (``access_recheck_ms=0``) to count exactly one. Beyond that, a
checkpoint moving on (``PUT _local/…`` naming its ``_rev``) reads the checkpoint's revision and writes it,
without reading the device's index of its local documents; a ``_bulk_get`` with ``latest`` is CouchDB's own
``_bulk_get`` with ``latest``, nothing read before it. Counted at the store's HTTP client, on the run's CouchDB peer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.documents import doc_id, item_doc
from support.processes import CouchDBPeer
from support.store_requests import count_store_requests

from alongside.server.app import create_app
from alongside.server.settings import Settings


class Counted:
    """The CouchDB requests (method and path, without the query) the app's store sends."""

    def __init__(self, app: Any) -> None:
        self.sent = count_store_requests(app)
        self.directory = f"/{app.state.alongside.store.prefix}directory"

    def beside_the_directory(self) -> list[str]:
        """What was sent since the last call, once the one directory read is taken out (asserted there)."""
        sent = list(self.sent)
        self.sent.clear()
        directory = [call for call in sent if call.split(" ", 1)[1].startswith(self.directory)]
        assert directory == [f"GET {self.directory}/_changes"], sent
        # The last part of each path: a device's local document is kept at "{device id}%2F{its name}".
        return [
            call.split(" ", 1)[0] + " " + call.rsplit("/", 1)[1].split("%2F")[-1]
            for call in sent
            if call not in directory
        ]


@pytest.fixture
def device(shared_couchdb: CouchDBPeer, tmp_path: Path) -> Iterator[tuple[TestClient, Counted, str]]:
    """An app over the run's CouchDB (a prefix of its own), a plan with one device, and its sync base URL."""
    prefix = f"a{uuid.uuid4().hex[:12]}-"
    settings = Settings(data_dir=tmp_path, couchdb_url=shared_couchdb.url, couchdb_prefix=prefix, access_recheck_ms=0)
    app = create_app(settings)
    with TestClient(app) as client:
        plan = client.portal.call(app.state.alongside.directory.create_plan_with_device)
        client.headers["Authorization"] = f"Bearer {plan.token}"
        base = f"/sync/{plan.plan_id}/"
        for _ in range(2):  # the first request notes when the device was last seen (a directory write)
            assert client.get(base).status_code == 200
        yield client, Counted(app), base


def test_a_checkpoint_moving_on_costs_a_revision_read_and_a_write_without_the_index(
    device: tuple[TestClient, Counted, str],
) -> None:
    client, counted, base = device
    made = client.put(base + "_local/pull-checkpoint", json={"last_seq": "1", "session_id": "s"})
    assert made.status_code == 201, made.text
    counted.sent.clear()
    rev = made.json()["rev"]
    for seq in range(2, 5):
        moved = client.put(base + "_local/pull-checkpoint", json={"_rev": rev, "last_seq": str(seq), "session_id": "s"})
        assert moved.status_code == 201, moved.text
        rev = moved.json()["rev"]
        # The checkpoint's current revision (CouchDB 3 checks none of a local document), then the write.
        assert counted.beside_the_directory() == ["GET pull-checkpoint", "PUT pull-checkpoint"]
    assert client.get(base + "_local/pull-checkpoint").json()["last_seq"] == "4"


def test_a_bulk_get_with_latest_is_one_couchdb_bulk_get_and_answers_each_revision_with_its_leaves(
    device: tuple[TestClient, Counted, str],
) -> None:
    """A pull's ``_bulk_get?revs=true&latest=true``: an older revision is answered with the leaf that
    descends from it (with its history), a leaf with itself, an unknown revision as missing."""
    client, counted, base = device
    edited, kept = doc_id("edited"), doc_id("kept")
    written = client.post(base + "_bulk_docs", json={"docs": [item_doc(edited), item_doc(kept)]})
    assert written.status_code == 201, written.text
    first, kept_rev = (row["rev"] for row in written.json())
    second = client.post(base + "_bulk_docs", json={"docs": [{**item_doc(edited), "_rev": first}]}).json()[0]["rev"]
    unknown = "1-" + "0" * 32
    counted.sent.clear()
    answer = client.post(
        base + "_bulk_get?revs=true&latest=true",
        json={"docs": [{"id": edited, "rev": first}, {"id": kept, "rev": kept_rev}, {"id": kept, "rev": unknown}]},
    )
    assert answer.status_code == 200, answer.text
    assert counted.beside_the_directory() == ["POST _bulk_get"]
    results = answer.json()["results"]
    assert [[entry["ok"]["_rev"] for entry in result["docs"]] for result in results[:2]] == [[second], [kept_rev]]
    assert results[0]["docs"][0]["ok"]["_revisions"]["ids"] == [second.split("-")[1], first.split("-")[1]]
    assert results[2] == {
        "id": kept,
        "docs": [{"error": {"id": kept, "rev": unknown, "error": "not_found", "reason": "missing"}}],
    }
