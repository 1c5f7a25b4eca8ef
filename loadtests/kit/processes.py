"""Start and stop the real components a run needs: the Alongside server and pouchdb-server.

The load tests start their target with these, and the tests (``tests/support/processes.py``) use the same
launchers: tests may depend on ``loadtests``, never the reverse. pouchdb-server is started behind
:mod:`loadtests.kit.pouchdb_adapter`, which makes it answer as Apache CouchDB does, unless a run asks
for pouchdb-server as it is (``adapted=False``: the comparison row of the load tests).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "tests" / "node_modules"
ALONGSIDE = [sys.executable, "-m", "alongside.server.cli"]
ADAPTER = [sys.executable, "-m", "loadtests.kit.pouchdb_adapter"]


def stop_process(pid: int, timeout: float = 30.0) -> None:
    """SIGSTOP ``pid`` and return once every one of its threads is stopped.

    ``kill`` returns as soon as the signal is queued; the group stop begins only when one of the process's
    threads is next scheduled, and on a loaded machine its other threads can go on answering requests for
    a while meanwhile. A test that pauses a server must not race that: this waits (bounded) for each
    thread's state in ``/proc`` to read stopped.
    """
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while not _all_threads_stopped(pid):
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {pid} was sent SIGSTOP but had not stopped after {timeout} s")
        time.sleep(0.005)


def _all_threads_stopped(pid: int) -> bool:
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir():  # not Linux, or gone: nothing to wait for
        return True
    for task in tasks.iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        if stat.rsplit(")", 1)[1].split()[0] not in ("T", "t", "Z", "X"):
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state, ppid, pgrp, ...; see proc(5)), or
    ``None`` when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def running_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the worker processes of ``alongside serve --workers N``)."""
    children: dict[int, list[int]] = {}
    for other in running_pids():
        fields = proc_stat(other)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(other)
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def wait_until_group_dead(group: int, timeout: float = 10.0) -> None:
    """Wait until no process of ``group`` is running (gone, or a zombie waiting to be reaped): its
    listening socket is closed then."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [
            pid
            for pid in running_pids()
            if (fields := proc_stat(pid)) is not None and int(fields[2]) == group and fields[0] != "Z"
        ]
        if not alive:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes {alive} of group {group} still running after SIGKILL")
        time.sleep(0.02)


@dataclass
class AlongsideServer:
    """``alongside serve`` in a subprocess, on a free loopback port, over a data directory."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    storage_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    couchdb: CouchDBPeer | None = None
    workers: int = 1  # > 1: uvicorn's worker processes, in a process group of their own (killed together)
    log_level: str = "warning"  # `alongside serve --log-level`; the log is at log_path (logs())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def backend(self) -> str:
        return "couchdb" if self.couchdb is not None else "sqlite"

    @property
    def couchdb_prefix(self) -> str:
        return self.env.get("ALONGSIDE_COUCHDB_PREFIX", "alongside-")

    def _storage(self) -> list[str]:
        return self.storage_args or ["--data", str(self.data_dir)]

    def start(self) -> AlongsideServer:
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        log = self.log_path.open("ab")
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen(
            [
                *ALONGSIDE,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                self.log_level,
                *self._storage(),
                *(["--workers", str(self.workers)] if self.workers > 1 else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=self.workers > 1,
        )
        wait_for_http(f"{self.url}/healthz", process=self.process)
        return self

    def kill(self) -> None:
        """SIGKILL (to every worker process too): no shutdown handlers run."""
        if self.process is not None and self.process.poll() is None:
            if self.workers > 1:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            if self.workers > 1:
                wait_until_group_dead(self.process.pid)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self, *args: str) -> Any:
        """``alongside admin ARGS`` on this server's storage; the JSON it prints."""
        out = subprocess.run(
            [*ALONGSIDE, "admin", *args, *self._storage()],
            check=True,
            capture_output=True,
            env={**os.environ, **self.env},
        )
        return json.loads(out.stdout)

    def create_plan(self) -> tuple[str, str]:
        """``alongside admin create-plan``: ``(plan_id, device_token)``."""
        created = self.admin("create-plan")
        return created["plan"], created["token"]

    def plan_url(self, plan_id: str) -> str:
        return f"{self.url}/sync/{plan_id}/"

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


class CouchDBPeer(Protocol):
    """A CouchDB server a run talks to: :class:`PouchDBServer`, the server at ``COUCHDB_URL``, or an Apache
    CouchDB node the tests start (``tests/support/couchdb_release.py``)."""

    directory: Path
    port: int
    external_url: str | None

    @property
    def url(self) -> str: ...
    @property
    def bare_url(self) -> str: ...
    @property
    def pouchdb_url(self) -> str: ...
    def describe(self) -> str: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def restarted(self) -> CouchDBPeer: ...
    def with_admin(self, user: str, password: str) -> str: ...


@dataclass
class PouchDBServer:
    """``pouchdb-server`` from npm as a stand-in for Apache CouchDB, or the server named by ``COUCHDB_URL``.

    With ``adapted`` (the default) clients reach it through :mod:`loadtests.kit.pouchdb_adapter` on
    :attr:`port`, so it answers as CouchDB does; pouchdb-server itself listens on :attr:`pouchdb_port`.
    A new ``PouchDBServer`` on the same directory and ``port`` is the same server restarted.
    """

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None  # pouchdb-server (what pause() stops)
    external_url: str | None = None
    adapted: bool = True
    pouchdb_port: int = field(default_factory=free_port)
    adapter: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where a CouchDB client connects."""
        return self.external_url or f"http://127.0.0.1:{self.port}"

    @property
    def pouchdb_url(self) -> str:
        """The server itself, with no adapter in front (``COUCHDB_URL``'s server when it names one)."""
        return self.external_url or f"http://127.0.0.1:{self.pouchdb_port if self.adapted else self.port}"

    @property
    def bare_url(self) -> str:
        """:attr:`url` without credentials."""
        scheme, rest = self.url.split("://", 1)
        return f"{scheme}://{rest.rsplit('@', 1)[-1]}"

    def describe(self) -> str:
        """Which server this is, for the test report's header."""
        if self.external_url:
            version = httpx.get(self.external_url + "/", timeout=10.0).json().get("version", "?")
            return f"CouchDB {version} from COUCHDB_URL ({self.bare_url})"
        return "pouchdb-server (npm) behind the CouchDB adapter" if self.adapted else "pouchdb-server (npm)"

    def restarted(self) -> PouchDBServer:
        """The same server started again on the same folder and port (after :meth:`stop`)."""
        return PouchDBServer(self.directory, port=self.port, adapted=self.adapted).start()

    def with_admin(self, user: str, password: str) -> str:
        """:attr:`url` as server admin `user`, made one now (``COUCHDB_URL``: its own URL, unchanged)."""
        if self.external_url:
            return self.external_url
        answer = httpx.put(f"{self.url}/_config/admins/{user}", json=password, timeout=10)
        assert answer.status_code == 200, answer.text
        scheme, rest = self.url.split("://", 1)
        return f"{scheme}://{user}:{password}@{rest}"

    def start(self) -> PouchDBServer:
        if self.external_url:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "pouchdb-server.log").open("ab")
        self.process = subprocess.Popen(
            [
                "node",
                str(NODE_MODULES / "pouchdb-server" / "bin" / "pouchdb-server"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.pouchdb_port if self.adapted else self.port),
                "--dir",
                str(self.directory),
                "--no-stdout-logs",
            ],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_http(self.pouchdb_url + "/", process=self.process)
        if self.adapted:
            adapter = [
                sys.executable,
                "-m",
                "loadtests.kit.pouchdb_adapter",
                self.pouchdb_url,
                "--port",
                str(self.port),
            ]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
            self.adapter = subprocess.Popen(adapter, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            wait_for_http(self.url + "/", process=self.adapter)
        return self

    def stop(self) -> None:
        for process in (self.adapter, self.process):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def pause(self) -> None:
        assert self.process is not None
        stop_process(self.process.pid)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
