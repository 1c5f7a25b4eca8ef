"""A loopback HTTP proxy in front of a real Alongside server that can play a hostile server.

Devices (the Python plan client, PouchDB, the app in Chromium) talk to :attr:`HostileProxy.url` as if it
were the server. Everything is forwarded unchanged (``/api``, ``/sync``, the app's pages and assets,
streamed), except that, for a document a test names, the proxy presents a **fabricated revision** on top
of the server's real winner: an older envelope of that item (:meth:`HostileProxy.serve_older_version`) or
a bare tombstone (:meth:`HostileProxy.serve_bare_tombstone`). That is what a hostile server (or one
restored from an old backup) can do; docs/crypto.md §8.3 says what a device must make of it.

How the fabricated revision is presented, consistently across the replication protocol:

- ``_changes`` (``normal`` and ``longpoll`` feeds, ``style=all_docs`` or not, ``include_docs``,
  ``doc_ids`` filters, ``seq_interval``) announces it. Sequences are remapped so that a fabricated
  change can sit between the server's own: the server's sequence ``s`` is the proxy's ``1000 s``, and the
  ``j``-th fabricated change anchored while the server was at ``s`` is the proxy's ``1000 s + j``. So a
  device that had caught up sees it as new, and a device that has seen it is not shown it again.
- ``_revs_diff`` answers for the fabricated revision as if the server had it; ``_bulk_get`` (``revs``,
  ``latest``) and a single ``GET`` (``rev``, ``revs``, ``open_revs``, ``latest``) serve it, with a
  ``_revisions`` history that extends the real winner's; ``_all_docs`` lists it.
- The revision is anchored on the server's winner the first time a device asks about the plan after the
  rewrite was installed; once the server's winner is something else (a device wrote on top of the
  fabricated revision, which the proxy forwards as it is, or anyone wrote a newer revision), the proxy
  stops presenting it and passes the document through again.

Limits: the server's sequences must be integers (the SQLite store; the CouchDB store's opaque strings are
not remapped). The proxy is built from Starlette and httpx, already dependencies of the server, under
uvicorn in a thread of the test process, so a test can change the rewrites between two requests without
any inter-process plumbing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from alongside.sync.revtree import parse_rev, rev_sort_key

from .app_in_thread import AppInThread
from .processes import free_port

Json = dict[str, Any]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"}
)
SEQ_SCALE = 1000  # the proxy's sequence for the server's ``s`` is ``SEQ_SCALE * s``
LONGPOLL_SLICE = 1.0  # seconds: how often a proxied longpoll looks again (at upstream and at new rewrites)


@dataclass
class Rewrite:
    """One fabricated revision: ``body`` (envelope members, or ``None`` for a bare tombstone) on top of the
    server's winner of document ``doc_id``, once anchored."""

    plan_id: str
    doc_id: str
    body: Json | None
    anchor: str | None = None  # the server's winner the fabricated revision descends from
    anchor_ids: list[str] = field(default_factory=list)  # the anchor's ``_revisions.ids``
    event: int | None = None  # the proxy's sequence of the fabricated change
    served: int = 0  # how many times a device was handed the fabricated revision's body

    @property
    def deleted(self) -> bool:
        return self.body is None

    @property
    def rev(self) -> str:
        """The fabricated revision id (only once anchored)."""
        assert self.anchor is not None
        generation = parse_rev(self.anchor)[0] + 1
        material = json.dumps([self.anchor, self.body], sort_keys=True, separators=(",", ":"))
        return f"{generation}-{hashlib.md5(material.encode(), usedforsecurity=False).hexdigest()}"

    def document(self, *, history: bool) -> Json:
        """The fabricated revision as a server would return it."""
        doc: Json = {"_id": self.doc_id, "_rev": self.rev}
        if self.body is None:
            doc["_deleted"] = True
        else:
            doc.update({k: v for k, v in self.body.items() if not k.startswith("_")})
        if history:
            generation, digest = parse_rev(self.rev)
            doc["_revisions"] = {"start": generation, "ids": [digest, *self.anchor_ids]}
        return doc


@dataclass
class _Leaves:
    """What the proxy presents as one document's leaves: ``rev -> deleted``, winner first."""

    leaves: dict[str, bool]

    @property
    def ordered(self) -> list[str]:
        return sorted(self.leaves, key=lambda rev: (not self.leaves[rev], *rev_sort_key(rev)), reverse=True)

    @property
    def winner(self) -> str:
        return self.ordered[0]


class HostileProxy:
    """``with HostileProxy(server.url) as proxy:`` devices use ``proxy.url``; tests install rewrites at run time."""

    def __init__(self, upstream: str, *, port: int | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = port or free_port()
        self._rewrites: dict[tuple[str, str], Rewrite] = {}
        self._anchored: dict[tuple[str, int], int] = {}  # (plan, server update_seq) -> rewrites anchored there
        self._lock = threading.Lock()
        self._client: httpx.AsyncClient | None = None
        self._serving: AppInThread | None = None

    # -- what tests call ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan_url(self, plan_id: str) -> str:
        return f"{self.url}/sync/{plan_id}/"

    def serve_older_version(self, plan_id: str, doc_id: str, envelope: Json) -> None:
        """From now on present ``envelope`` (an earlier envelope of the item) as a new winning revision."""
        body = {k: v for k, v in envelope.items() if not k.startswith("_")}
        self._install(Rewrite(plan_id, doc_id, body))

    def serve_bare_tombstone(self, plan_id: str, doc_id: str) -> None:
        """From now on present ``{"_id", "_rev", "_deleted": true}`` as a new winning revision."""
        self._install(Rewrite(plan_id, doc_id, None))

    def stop_rewriting(self) -> None:
        """Forward everything unchanged again (sequences stay remapped, so devices' checkpoints stay valid)."""
        with self._lock:
            self._rewrites.clear()

    def rewrite(self, plan_id: str, doc_id: str) -> Rewrite | None:
        """The rewrite installed for a document (to check that it reached a device), if any."""
        with self._lock:
            return self._rewrites.get((plan_id, doc_id))

    def _install(self, rewrite: Rewrite) -> None:
        with self._lock:
            self._rewrites[(rewrite.plan_id, rewrite.doc_id)] = rewrite

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> HostileProxy:
        self._serving = AppInThread(self._app(), self.port, "hostile proxy")
        self._serving.start()
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()

    def __enter__(self) -> HostileProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _app(self) -> Starlette:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(120.0)) as client:
                self._client = client
                yield

        sync = "/sync/{plan_id}"
        return Starlette(
            routes=[
                Route(sync + "/", self._database_info, methods=["GET", "HEAD"]),
                Route(sync + "/_changes", self._changes, methods=["GET", "POST"]),
                Route(sync + "/_revs_diff", self._revs_diff, methods=["POST"]),
                Route(sync + "/_bulk_get", self._bulk_get, methods=["POST"]),
                Route(sync + "/_all_docs", self._all_docs, methods=["GET", "POST"]),
                Route(sync + "/{doc_id:str}", self._document, methods=["GET", "HEAD"]),
                Route("/{path:path}", self._forward, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
            ],
            lifespan=lifespan,
        )

    # -- forwarding --------------------------------------------------------------------------------

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None
        return self._client

    @staticmethod
    def _request_headers(request: Request) -> dict[str, str]:
        return {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP | {"content-length"}}

    async def _forward(self, request: Request) -> Response:
        """Pass a request through and stream the answer back as it comes (longpolls, assets, everything)."""
        upstream = self.client.build_request(
            request.method,
            request.url.path,
            params=request.url.query,
            headers=self._request_headers(request),
            content=await request.body(),
        )
        answer = await self.client.send(upstream, stream=True)
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | {"content-length"}}
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=headers,
            background=BackgroundTask(answer.aclose),
        )

    async def _upstream_json(
        self, request: Request, method: str, path: str, *, params: Any = None, body: Any = None
    ) -> tuple[int, Any]:
        auth = {"authorization": request.headers["authorization"]} if "authorization" in request.headers else {}
        answer = await self.client.request(method, path, params=params, json=body, headers=auth)
        text = answer.text.strip()
        return answer.status_code, json.loads(text) if text else None

    def _plan_rewrites(self, plan_id: str) -> list[Rewrite]:
        with self._lock:
            return [r for (plan, _), r in self._rewrites.items() if plan == plan_id]

    async def _active(self, request: Request, plan_id: str) -> dict[str, tuple[Rewrite, _Leaves]]:
        """The rewrites of this plan that are in force now, with each document's presented leaves.

        Anchors a rewrite on the server's winner the first time; a rewrite whose anchor is no longer the
        server's winner is not in force (the document passes through).
        """
        active: dict[str, tuple[Rewrite, _Leaves]] = {}
        for rewrite in self._plan_rewrites(plan_id):
            path = f"/sync/{plan_id}/{rewrite.doc_id}"
            status, found = await self._upstream_json(request, "GET", path, params={"open_revs": "all", "revs": "true"})
            if status != 200 or not isinstance(found, list):
                continue
            real = {e["ok"]["_rev"]: e["ok"] for e in found if "ok" in e}
            if not real:
                continue
            leaves = _Leaves({rev: doc.get("_deleted") is True for rev, doc in real.items()})
            if rewrite.anchor is None:
                _, info = await self._upstream_json(request, "GET", f"/sync/{plan_id}/")
                with self._lock:
                    seen_at = int(info["update_seq"])
                    count = self._anchored.get((plan_id, seen_at), 0) + 1
                    self._anchored[(plan_id, seen_at)] = count
                    rewrite.anchor = leaves.winner
                    rewrite.anchor_ids = list(real[leaves.winner]["_revisions"]["ids"])
                    rewrite.event = SEQ_SCALE * seen_at + count
            if leaves.winner != rewrite.anchor:
                continue
            presented = {rev: deleted for rev, deleted in leaves.leaves.items() if rev != rewrite.anchor}
            presented[rewrite.rev] = rewrite.deleted
            active[rewrite.doc_id] = (rewrite, _Leaves(presented))
        return active

    def _served(self, rewrite: Rewrite) -> Json:
        with self._lock:
            rewrite.served += 1
        return rewrite.document(history=True)

    # -- sequences ---------------------------------------------------------------------------------

    def _outgoing_seq(self, plan_id: str, seq: object) -> object:
        """The proxy's sequence for the server's ``seq`` when it is a page's or the database's last one."""
        if not isinstance(seq, int) or isinstance(seq, bool):
            return seq
        with self._lock:
            return SEQ_SCALE * seq + self._anchored.get((plan_id, seq), 0)

    @staticmethod
    def _incoming_since(value: str) -> int | str:
        if value == "now":
            return value
        try:
            return int(json.loads(value)) if value.strip() else 0
        except (ValueError, TypeError):
            return value

    # -- the rewritten routes ----------------------------------------------------------------------

    async def _database_info(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        status, info = await self._upstream_json(request, "GET", f"/sync/{plan_id}/")
        if status == 200 and isinstance(info, dict):
            await self._active(request, plan_id)
            info["update_seq"] = self._outgoing_seq(plan_id, info.get("update_seq"))
        return JSONResponse(info, status_code=status)

    async def _changes(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        body: Json = json.loads(await request.body() or b"{}") if request.method == "POST" else {}
        params = dict(request.query_params)
        feed = params.pop("feed", "normal")
        seq_interval = params.pop("seq_interval", None)
        timeout = int(params.pop("timeout", "60000")) / 1000
        heartbeat_ms = params.pop("heartbeat", None)
        since_raw = params.get("since", "0")
        since = self._incoming_since(since_raw)
        if isinstance(since, str) and since != "now":
            return await self._forward(request)

        async def page() -> tuple[int, Any]:
            upstream = dict(params)
            if isinstance(since, int):
                upstream["since"] = str(since // SEQ_SCALE)
            method = "POST" if request.method == "POST" else "GET"
            status, answer = await self._upstream_json(
                request, method, f"/sync/{plan_id}/_changes", params=upstream, body=body or None
            )
            if status != 200:
                return status, answer
            return status, await self._rewrite_changes(request, plan_id, answer, since, params, body)

        status, answer = await page()
        if status != 200 or feed != "longpoll" or answer["results"]:
            return JSONResponse(self._with_seq_interval(answer, seq_interval), status_code=status)
        heartbeat = int(heartbeat_ms) / 1000 if heartbeat_ms else None

        async def longpoll() -> AsyncIterator[bytes]:
            deadline = time.monotonic() + timeout
            last_beat = time.monotonic()
            result: Any = answer
            while time.monotonic() < deadline:
                await asyncio.sleep(min(LONGPOLL_SLICE, max(0.0, deadline - time.monotonic())))
                _, result = await page()
                if not isinstance(result, dict) or result.get("results"):
                    break
                if heartbeat and time.monotonic() - last_beat >= heartbeat:
                    last_beat = time.monotonic()
                    yield b"\n"
            yield json.dumps(self._with_seq_interval(result, seq_interval)).encode() + b"\n"

        return StreamingResponse(longpoll(), media_type="application/json")

    @staticmethod
    def _with_seq_interval(answer: Any, seq_interval: str | None) -> Any:
        if seq_interval is None or not isinstance(answer, dict):
            return answer
        interval, rows = int(seq_interval), answer["results"]
        for index, row in enumerate(rows):
            if (index + 1) % interval != 0 and index != len(rows) - 1:
                row["seq"] = None
        return answer

    async def _rewrite_changes(
        self, request: Request, plan_id: str, answer: Json, since: int | str, params: dict[str, str], body: Json
    ) -> Json:
        active = await self._active(request, plan_id)
        all_leaves = params.get("style") == "all_docs"
        include_docs = params.get("include_docs") == "true"
        doc_ids = body.get("doc_ids") or (json.loads(params["doc_ids"]) if "doc_ids" in params else None)
        last = answer.get("last_seq")
        rows: list[Json] = []
        for row in answer["results"]:
            row = dict(row)
            if isinstance(row.get("seq"), int):
                row["seq"] = SEQ_SCALE * row["seq"]
            if row["id"] in active:
                rewrite, leaves = active.pop(row["id"])
                row = self._presented_row(row, rewrite, leaves, all_leaves=all_leaves, include_docs=include_docs)
                if isinstance(row["seq"], int) and rewrite.event is not None:
                    row["seq"] = max(row["seq"], rewrite.event)
            rows.append(row)
        for doc_id, (rewrite, leaves) in active.items():
            event = rewrite.event or 0
            wanted = doc_ids is None or doc_id in doc_ids
            newer = isinstance(since, int) and event > since
            covered = isinstance(last, int) and event // SEQ_SCALE <= last
            if wanted and newer and covered and params.get("descending") != "true":
                row = self._presented_row({"seq": event, "id": doc_id}, rewrite, leaves, all_leaves, include_docs)
                rows.append(row)
        rows.sort(key=lambda r: r["seq"] if isinstance(r.get("seq"), int) else 0)
        return {**answer, "results": rows, "last_seq": self._outgoing_seq(plan_id, last)}

    def _presented_row(
        self, row: Json, rewrite: Rewrite, leaves: _Leaves, all_leaves: bool, include_docs: bool
    ) -> Json:
        revs = leaves.ordered if all_leaves else [leaves.winner]
        out: Json = {"seq": row["seq"], "id": row["id"], "changes": [{"rev": rev} for rev in revs]}
        if leaves.leaves[leaves.winner]:
            out["deleted"] = True
        if include_docs:
            out["doc"] = rewrite.document(history=False) if leaves.winner == rewrite.rev else None
        return out

    async def _revs_diff(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        wanted: dict[str, list[str]] = json.loads(await request.body())
        active = await self._active(request, plan_id)
        asked = {
            doc_id: [rev for rev in revs if not (doc_id in active and rev == active[doc_id][0].rev)]
            for doc_id, revs in wanted.items()
        }
        asked = {doc_id: revs for doc_id, revs in asked.items() if revs}
        if not asked:
            return JSONResponse({})
        status, answer = await self._upstream_json(request, "POST", f"/sync/{plan_id}/_revs_diff", body=asked)
        return JSONResponse(answer, status_code=status)

    def _fabricated_for(
        self, active: dict[str, tuple[Rewrite, _Leaves]], doc_id: str, rev: str | None, latest: bool
    ) -> Rewrite | None:
        """The rewrite whose fabricated revision answers a request for ``rev`` of ``doc_id`` (``None``: the winner)."""
        if doc_id not in active:
            return None
        rewrite, leaves = active[doc_id]
        if rev == rewrite.rev or (rev is None and leaves.winner == rewrite.rev) or (latest and rev == rewrite.anchor):
            return rewrite
        return None

    async def _bulk_get(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        body = json.loads(await request.body())
        latest = request.query_params.get("latest") == "true"
        history = request.query_params.get("revs") == "true"
        active = await self._active(request, plan_id)
        if not active:
            status, answer = await self._upstream_json(
                request, "POST", f"/sync/{plan_id}/_bulk_get", params=dict(request.query_params), body=body
            )
            return JSONResponse(answer, status_code=status)
        results: list[Json | None] = []
        forwarded: list[Json] = []
        for entry in body.get("docs", []):
            rewrite = self._fabricated_for(active, entry.get("id"), entry.get("rev"), latest)
            if rewrite is not None:
                doc = self._served(rewrite)
                if not history:
                    doc.pop("_revisions")
                results.append({"id": rewrite.doc_id, "docs": [{"ok": doc}]})
            else:
                results.append(None)
                forwarded.append(entry)
        if forwarded:
            status, answer = await self._upstream_json(
                request,
                "POST",
                f"/sync/{plan_id}/_bulk_get",
                params=dict(request.query_params),
                body={"docs": forwarded},
            )
            if status != 200:
                return JSONResponse(answer, status_code=status)
            upstream = iter(answer["results"])
            results = [entry if entry is not None else next(upstream) for entry in results]
        return JSONResponse({"results": results})

    async def _document(self, request: Request) -> Response:
        plan_id, doc_id = request.path_params["plan_id"], request.path_params["doc_id"]
        active = await self._active(request, plan_id)
        if doc_id not in active:
            return await self._forward(request)
        rewrite, leaves = active[doc_id]
        params = request.query_params
        history = params.get("revs") == "true"
        latest = params.get("latest") == "true"
        open_revs = params.get("open_revs")
        if open_revs is not None:
            wanted = leaves.ordered if open_revs == "all" else list(json.loads(open_revs))
            out: list[Json] = []
            rest = [rev for rev in wanted if self._fabricated_for(active, doc_id, rev, latest) is None]
            upstream_docs: dict[str, Json] = {}
            if rest:
                query = {"open_revs": json.dumps(rest), "revs": params.get("revs", "false")}
                _, found = await self._upstream_json(request, "GET", f"/sync/{plan_id}/{doc_id}", params=query)
                for entry in found or []:
                    key = entry["ok"]["_rev"] if "ok" in entry else entry.get("missing")
                    upstream_docs[key] = entry
            for rev in wanted:
                if self._fabricated_for(active, doc_id, rev, latest) is not None:
                    doc = self._served(rewrite)
                    if not history:
                        doc.pop("_revisions")
                    out.append({"ok": doc})
                elif rev in upstream_docs:
                    out.append(upstream_docs[rev])
            return JSONResponse(out)
        rev = params.get("rev")
        if self._fabricated_for(active, doc_id, rev, latest) is None:
            return await self._forward(request)
        if rewrite.deleted and rev is None:
            return JSONResponse({"error": "not_found", "reason": "deleted"}, status_code=404)
        doc = self._served(rewrite)
        if not history:
            doc.pop("_revisions")
        return JSONResponse(doc)

    async def _all_docs(self, request: Request) -> Response:
        plan_id = request.path_params["plan_id"]
        body = json.loads(await request.body() or b"{}") if request.method == "POST" else None
        status, answer = await self._upstream_json(
            request, request.method, f"/sync/{plan_id}/_all_docs", params=dict(request.query_params), body=body
        )
        active = await self._active(request, plan_id) if status == 200 else {}
        if not active:
            return JSONResponse(answer, status_code=status)
        include_docs = request.query_params.get("include_docs") == "true"
        rows = []
        for row in answer["rows"]:
            if row.get("id") in active:
                rewrite, leaves = active[row["id"]]
                if leaves.winner != rewrite.rev:
                    rows.append(row)
                    continue
                if rewrite.deleted:
                    if "key" in row and request.query_params.get("keys") is None and not (body or {}).get("keys"):
                        continue
                    row = {"id": row["id"], "key": row["key"], "value": {"rev": rewrite.rev, "deleted": True}}
                    if include_docs:
                        row["doc"] = None
                else:
                    row = {**row, "value": {"rev": rewrite.rev}}
                    if include_docs:
                        row["doc"] = rewrite.document(history=False)
            rows.append(row)
        return JSONResponse({**answer, "rows": rows})
