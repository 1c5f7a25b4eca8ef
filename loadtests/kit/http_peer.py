"""The server end of a simulated device's replication: a ``SyncPeer`` over locust's own HTTP client.

Every request goes through the user's ``FastHttpSession`` and so is timed and counted by locust,
under a name without ids (``GET /sync/[plan]/_changes``). The peer speaks to an Alongside plan
(``/sync/{plan}/`` with the device's bearer token) or to a bare CouchDB database (``/{db}/``, no auth)
for comparison runs.

Failures: a request that fails is reported to locust as a failure and raised as the matching
``SyncError``. With ``retry_seconds`` (the fault scenario) an unreachable server or a 5xx is retried
with backoff for that long first; retried attempts are not failures but are counted, and shown as
``RETRY`` entries in locust's table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import gevent
from locust.contrib.fasthttp import FastHttpSession

from alongside.sync.errors import RETRY_STATUSES as SERVER_RETRY_STATUSES
from alongside.sync.errors import Conflict, SyncError, Unavailable, error_for_status
from alongside.sync.revtree import path_from_revisions
from alongside.sync.store import Json, Seq

RETRY_STATUSES = SERVER_RETRY_STATUSES | {0}  # 0: no answer at all
METRIC = "metric"
RETRY = "RETRY"
LONGPOLL_GRACE = 10.0


@dataclass
class Counters:
    """Documents moved and retries; ``measuring`` once every device has started (steady state), until the
    run stops (the final convergence sync is not measured)."""

    docs_up: int = 0
    docs_down: int = 0
    retries: int = 0
    measuring: bool = False
    # Everyday sync cycles by what moved ("idle": nothing, "receiving": pulled only, "writing": pushed), and the
    # HTTP requests (retries included) they sent: requests per cycle, to hold against what PouchDB sends.
    cycles: dict[str, int] = field(default_factory=dict)
    cycle_requests: dict[str, int] = field(default_factory=dict)

    def count_cycle(self, kind: str, requests: int) -> None:
        if self.measuring:
            self.cycles[kind] = self.cycles.get(kind, 0) + 1
            self.cycle_requests[kind] = self.cycle_requests.get(kind, 0) + requests


COUNTERS = Counters()


def fire_metric(client: FastHttpSession, name: str, milliseconds: float, length: int = 0) -> None:
    """Report a measured duration (a sync cycle, a change delivery) as a custom locust entry of type ``metric``.

    Only in steady state: while devices are still being started (enrolling, joining) nothing is recorded.
    """
    if not COUNTERS.measuring:
        return
    client.request_event.fire(
        request_type=METRIC,
        name=name,
        response_time=milliseconds,
        response_length=length,
        exception=None,
        context={},
    )


class LocustPeer:
    """One plan (database) on the server, as seen by one device."""

    def __init__(
        self,
        client: FastHttpSession,
        path: str,
        *,
        label: str,
        token: str | None = None,
        retry_seconds: float = 0.0,
        on_push: Callable[[list[Json], float], None] | None = None,
    ) -> None:
        self.client = client
        self.path = path if path.endswith("/") else path + "/"
        self.label = label
        self.identity = f"{client.base_url}{self.path}"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.retry_seconds = retry_seconds
        self.on_push = on_push
        self.phase = ""  # "final " while the convergence check syncs: kept apart in locust's table
        self.longpoll: float | None = None  # when set, the next changes() waits up to this long for a change
        self.acknowledged: list[tuple[str, str]] = []  # (id, rev) the server accepted: it must never lose them
        self.requests = 0  # HTTP requests sent (each retry is one more)
        self.verified: Json | None = None  # the database's information, from the first sync's "verify peers"

    # -- transport --------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        rel: str,
        name: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        absent_ok: bool = False,
        expected: frozenset[int] = frozenset(),
        wait: float | None = None,
    ) -> Any:
        url = self.path + rel + ("?" + urlencode(query) if query else "")
        label = f"{self.phase}{self.label}/{name}"
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.2
        while True:
            timer = gevent.Timeout(wait + LONGPOLL_GRACE) if wait is not None else None
            if timer is not None:
                timer.start()
            self.requests += 1
            try:
                response = self.client.request(
                    method, url, name=label, json=body, headers=self.headers, catch_response=True
                )
            finally:
                if timer is not None:
                    timer.close()
            status = response.status_code or 0
            if wait is not None and status == 0 and getattr(response, "error", None) is timer:
                # A longpoll the server did not end (pouchdb-server ignores its timeout when nothing changes).
                with response:
                    response.success()  # type: ignore[no-untyped-call]
                return None
            if status in RETRY_STATUSES and time.monotonic() + delay < deadline:
                COUNTERS.retries += 1
                self.client.request_event.fire(
                    request_type=RETRY,
                    name=label,
                    response_time=0,
                    response_length=0,
                    exception=None,
                    context={},
                )
                gevent.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            with response:
                if status in expected:
                    # An answer the caller handles (a checkpoint written meanwhile): not a failure.
                    response.success()  # type: ignore[no-untyped-call]
                    raise _error(status, f"{method} {self.label}/{name}: {status}")
                answer = json.loads(response.content) if 200 <= status < 300 and response.content else None
                if isinstance(answer, dict) and "error" in answer:
                    status = 500  # an error reported in the body of a streamed answer (a longpoll)
                elif 200 <= status < 300 or (absent_ok and status == 404):
                    response.success()  # type: ignore[no-untyped-call]
                    return answer
                detail = (
                    getattr(response, "error", "")
                    if status == 0
                    else (response.content or b"")[:300].decode(errors="replace")
                )
                response.failure(f"{status} {detail}")  # type: ignore[no-untyped-call]
            raise _error(status, f"{method} {self.label}/{name}: {status} {detail}")

    # -- SyncPeer ---------------------------------------------------------------------------------

    def info(self) -> Json:
        """The database's information, asked once: as PouchDB's HTTP adapter sets a remote database up once
        and does not ask again at each replication, a device verifies its plan on its first sync only (every
        later request still proves its access)."""
        if self.verified is None:
            self.verified = self._call("GET", "", "")
        return self.verified

    def changes(self, since: Seq, limit: int) -> Json:
        query = {"since": str(since), "limit": str(limit), "style": "all_docs"}
        wait, self.longpoll = self.longpoll, None
        if wait is None:
            body: Json = self._call("GET", "_changes", "_changes", query=query)
            return body
        query.update({"feed": "longpoll", "timeout": str(int(wait * 1000))})
        found: Json | None = self._call("GET", "_changes", "_changes longpoll", query=query, wait=wait)
        return found if found is not None else {"results": [], "last_seq": since}

    def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        body: dict[str, Json] = self._call("POST", "_revs_diff", "_revs_diff", body=revs)
        return body

    def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        payload = {"docs": [{"id": doc_id, "rev": rev} for doc_id, rev in wanted]}
        body = self._call("POST", "_bulk_get", "_bulk_get", body=payload, query={"revs": "true"})
        docs = [entry["ok"] for result in body["results"] for entry in result["docs"] if "ok" in entry]
        if COUNTERS.measuring and not self.phase:
            COUNTERS.docs_down += len(docs)
        return docs

    def write_replicated(self, docs: list[Json]) -> list[Json]:
        if self.on_push is not None:
            self.on_push(docs, time.monotonic())
        body = self._call("POST", "_bulk_docs", "_bulk_docs", body={"docs": docs, "new_edits": False})
        errors = [entry for entry in body if "error" in entry]
        refused = {entry.get("id") for entry in errors}
        self.acknowledged.extend((doc["_id"], doc["_rev"]) for doc in docs if doc.get("_id") not in refused)
        if COUNTERS.measuring and not self.phase:
            COUNTERS.docs_up += len(docs)
        return errors

    def get_local(self, doc_id: str) -> Json | None:
        found: Json | None = self._call("GET", "_local/" + quote(doc_id, safe=""), "_local", absent_ok=True)
        return found

    def put_local(self, doc_id: str, body: Json) -> None:
        """Read the checkpoint's revision, then overwrite it. A conflict means it changed meanwhile (a write
        retried after a restart may already have landed): read again and retry, a few times."""
        for attempt in range(3):
            current = self.get_local(doc_id)
            payload = {**body, "_rev": current["_rev"]} if current else dict(body)
            try:
                self._call(
                    "PUT",
                    "_local/" + quote(doc_id, safe=""),
                    "_local",
                    body=payload,
                    expected=frozenset({409}) if attempt < 2 else frozenset(),
                )
                return
            except Conflict:
                continue

    # -- reads for the convergence check ----------------------------------------------------------

    def leaves(self) -> dict[str, tuple[bool, list[str]]]:
        """Every document: whether its winner is deleted, and all its leaves (``_changes?style=all_docs``)."""
        out: dict[str, tuple[bool, list[str]]] = {}
        since: Seq = 0
        while True:
            page = self.changes(since, 1000)
            for row in page["results"]:
                out[row["id"]] = (bool(row.get("deleted")), [change["rev"] for change in row["changes"]])
            if not page["results"]:
                return out
            since = page["last_seq"]

    def winners(self, doc_ids: list[str]) -> dict[str, tuple[str, list[str]]]:
        """Each document's winning revision and conflicts (``_all_docs`` by keys, with conflicts)."""
        out: dict[str, tuple[str, list[str]]] = {}
        for start in range(0, len(doc_ids), 200):
            keys = doc_ids[start : start + 200]
            body = self._call(
                "POST",
                "_all_docs",
                "_all_docs",
                body={"keys": keys},
                query={"include_docs": "true", "conflicts": "true"},
            )
            for row in body["rows"]:
                if "value" in row:
                    doc = row.get("doc") or {}
                    out[row["id"]] = (row["value"]["rev"], list(doc.get("_conflicts", [])))
        return out

    def known_revisions(self) -> dict[str, set[str]]:
        """Every revision in the server's trees: each leaf's whole history (``_bulk_get`` with ``revs``).

        Not ``_revs_diff``: pouchdb-server reports an ancestor whose body is gone as missing, CouchDB
        does not; the histories of the leaves mean the same on both. Pass to ``compare.unknown``.
        """
        wanted = [(doc_id, rev) for doc_id, (_, revs) in self.leaves().items() for rev in revs]
        known: dict[str, set[str]] = {}
        for start in range(0, len(wanted), 200):
            for doc in self.bulk_get(wanted[start : start + 200]):
                path = path_from_revisions(doc["_revisions"], doc["_rev"])
                known.setdefault(doc["_id"], set()).update(path)
        return known


def _error(status: int, reason: str) -> SyncError:
    """The shared map (:func:`alongside.sync.errors.error_for_status`); no answer at all (0) is ``Unavailable``."""
    return Unavailable(reason) if status == 0 else error_for_status(status, reason)
