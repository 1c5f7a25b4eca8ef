"""The server under load for ``loadtests/run.py``: Alongside (SQLite or CouchDB; ``--couchdb local`` is
pouchdb-server behind :mod:`.pouchdb_adapter`) or a bare pouchdb-server,
its process's memory and CPU, and the faults a run injects (SIGKILL and restart; SIGSTOP of CouchDB)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import httpx

from .processes import AlongsideServer, PouchDBServer, proc_stat, process_tree, stop_process


class Target:
    """The server under load, its process (for memory and CPU), and how to kill and restart it."""

    def __init__(
        self,
        kind: str,
        workdir: Path,
        couchdb: str | None,
        couchdb_pid: int | None = None,
        *,
        workers: int = 1,
        other_couchdb_pids: tuple[int, ...] = (),
    ) -> None:
        self.kind = kind
        self.workdir = workdir
        self.alongside: AlongsideServer | None = None
        self.pouchdb: PouchDBServer | None = None
        self.couchdb: PouchDBServer | None = None  # the CouchDB under Alongside, when this run started it
        self.couchdb_pid = couchdb_pid  # its process, to measure and to pause
        self.other_couchdb_pids = other_couchdb_pids  # a cluster's other nodes: measured too, never paused
        if couchdb == "local" and kind != "pouchdb":
            self.couchdb = PouchDBServer(directory=workdir / "couchdb")
            couchdb = self.couchdb.url
        if kind == "pouchdb":
            self.pouchdb = PouchDBServer(directory=workdir / "pouchdb-server", adapted=False)  # as it is
        elif couchdb:
            prefix = f"lt{uuid.uuid4().hex[:10]}-"
            self.alongside = AlongsideServer(
                data_dir=workdir / "data",
                storage_args=["--couchdb", couchdb],
                env={"ALONGSIDE_COUCHDB_PREFIX": prefix},
                workers=workers,
            )
        else:
            self.alongside = AlongsideServer(data_dir=workdir / "data", workers=workers)

    @property
    def url(self) -> str:
        if self.pouchdb is not None:
            return self.pouchdb.url
        assert self.alongside is not None
        return self.alongside.url

    @property
    def pid(self) -> int | None:
        server = self.pouchdb or self.alongside
        process = server.process if server is not None else None
        return process.pid if process is not None and process.poll() is None else None

    def admin(self, *args: str) -> dict[str, str]:
        """``alongside admin ARGS --json`` on the server's storage (in this process: one store open each time)."""
        from alongside.server.cli import main as alongside_cli

        assert self.alongside is not None
        out = io.StringIO()
        saved = dict(os.environ)
        os.environ.update(self.alongside.env)
        try:
            with contextlib.redirect_stdout(out):
                code = alongside_cli(["admin", *args, "--json", *self.alongside._storage()])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        if code != 0:
            raise SystemExit(f"alongside admin {' '.join(args)} failed")
        result: dict[str, str] = json.loads(out.getvalue().strip().splitlines()[-1])
        return result

    def start_couchdb(self) -> None:
        """Start the run's own pouchdb-server (``--couchdb local``); Alongside's admin commands need it."""
        if self.couchdb is not None:
            self.couchdb.start()
            assert self.couchdb.process is not None
            self.couchdb_pid = self.couchdb.process.pid

    def start(self) -> None:
        if self.pouchdb is not None:
            self.pouchdb.start()
        else:
            assert self.alongside is not None
            self.alongside.data_dir.mkdir(parents=True, exist_ok=True)
            self.alongside.start()

    def kill(self) -> None:
        if self.alongside is not None:
            self.alongside.kill()
        elif self.pouchdb is not None and self.pouchdb.process is not None:
            self.pouchdb.process.send_signal(signal.SIGKILL)
            self.pouchdb.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alongside is not None:
            self.alongside.stop()
        if self.pouchdb is not None:
            self.pouchdb.stop()
        if self.couchdb is not None:
            self.couchdb.stop()

    def pause_couchdb(self, seconds: float) -> str:
        """SIGSTOP the CouchDB process, and SIGCONT it ``seconds`` later (always, even if interrupted);
        meanwhile ask Alongside's ``/healthz``, which reads the directory: it should answer 503 once its
        CouchDB deadline has passed. Returns what it answered, and when."""
        assert self.couchdb_pid is not None
        pid = self.couchdb_pid
        paused_at = time.monotonic()
        stop_process(pid)
        resume = threading.Timer(seconds, os.kill, (pid, signal.SIGCONT))
        resume.start()
        try:
            try:
                probe = httpx.get(self.url + "/healthz", timeout=seconds + 30.0)
                answered = f"HTTP {probe.status_code} after {time.monotonic() - paused_at:.1f} s"
            except httpx.HTTPError as exc:
                answered = f"nothing ({type(exc).__name__})"
            resume.join()
        finally:
            resume.cancel()
            os.kill(pid, signal.SIGCONT)
        return answered

    def log(self) -> str:
        if self.alongside is not None:
            return self.alongside.logs()
        log = self.workdir / "pouchdb-server" / "pouchdb-server.log"
        return log.read_text(errors="replace") if log.exists() else ""


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    fields = proc_stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Monitor(threading.Thread):
    """Samples the server's resident memory every second (all its processes together), and adds up the CPU
    time of the server (every process, across restarts), of the locust process and of CouchDB when its
    processes are known (a cluster's nodes together): all share this machine's cores."""

    def __init__(self, target: Target) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.locust_pid: int | None = None
        self.samples: list[int] = []
        self.couchdb_samples: list[int] = []
        self.cpu = {"server": 0.0, "locust": 0.0, "couchdb": 0.0}
        self._last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()

    def _add_cpu(self, name: str, pids: list[int]) -> None:
        """Add the CPU time each process used since the last sample (a new process counts from its first)."""
        for pid in pids:
            cpu = _cpu_seconds(pid)
            if cpu is None:
                continue
            last = self._last.get((name, pid))
            if last is not None:
                self.cpu[name] += cpu - last
            self._last[(name, pid)] = cpu

    def sample(self) -> None:
        pid = self.target.pid
        server = process_tree(pid) if pid is not None else []
        sizes = [rss for rss in map(_rss_kib, server) if rss is not None]
        if sizes:
            self.samples.append(sum(sizes))
        self._add_cpu("server", server)
        self._add_cpu("locust", [self.locust_pid] if self.locust_pid is not None else [])
        first = self.target.couchdb_pid
        couchdb = [first, *self.target.other_couchdb_pids] if first is not None else []
        couchdb_sizes = [rss for rss in map(_rss_kib, couchdb) if rss is not None]
        if couchdb_sizes:
            self.couchdb_samples.append(sum(couchdb_sizes))  # a cluster's nodes together
        self._add_cpu("couchdb", couchdb)

    def run(self) -> None:
        self.sample()
        while not self._stop.wait(1.0):
            self.sample()

    def finish(self) -> None:
        self.sample()
        self._stop.set()
