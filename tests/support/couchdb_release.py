"""Apache CouchDB from a release, started by the tests on loopback: one node, or a three-node cluster.

``COUCHDB_RELEASE`` names a CouchDB 3 release: an archive (``.tgz``) or an unpacked release folder (the one
holding ``bin/couchdb``). :func:`unpacked_release` unpacks an archive once per test session (each
pytest-xdist worker has its own session; unpacking takes a fraction of a second), and :class:`CouchDBNode`
starts one node from it on free ports with its own admin, Erlang node name, configuration and data under
the node's folder, so parallel workers never clash. :class:`CouchDBCluster` joins three such nodes into one
cluster (``n = 3``, ``q = 2``).

A node answers as the peer of a test the way :class:`~loadtests.kit.processes.PouchDBServer` does
(:class:`~loadtests.kit.processes.CouchDBPeer`): ``stop``/``pause`` (SIGSTOP to the Erlang VM)/``resume``,
and ``restarted()`` for the same node again on the same data and port.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from loadtests.kit.processes import stop_process

from .processes import free_port

RELEASE_ENV = "COUCHDB_RELEASE"

# Whether the CouchDB peer of this run is Apache CouchDB (from COUCHDB_RELEASE or at COUCHDB_URL), not pouchdb-server.
REAL_COUCHDB = bool(os.environ.get(RELEASE_ENV) or os.environ.get("COUCHDB_URL"))
# For tests that stop, pause or reconfigure their own peer: they cannot when the only CouchDB is a shared one.
ONLY_A_SHARED_COUCHDB = bool(os.environ.get("COUCHDB_URL")) and not os.environ.get(RELEASE_ENV)
START_TIMEOUT = 120.0  # seconds; a loaded two-core machine starts a node in a few


def unpacked_release(release: Path, into: Path) -> Path:
    """The release folder (the one holding ``bin/couchdb``) of `release`: the folder itself, or the archive
    unpacked under `into` (once: a second call finds it there)."""
    if release.is_dir():
        return _release_root(release)
    marker = into / ".unpacked"
    if not marker.exists():
        into.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-xzf", str(release), "-C", str(into)], check=True)  # 5x Python's tarfile
        marker.touch()
    return _release_root(into)


def release_version(release: Path) -> str:
    """The CouchDB version a release (archive or folder) holds: that of its ``lib/couch-VERSION``."""
    if release.is_dir():
        names = [p.name for p in (_release_root(release) / "lib").iterdir()]
    else:
        names = subprocess.run(["tar", "-tzf", str(release)], capture_output=True, check=True).stdout.decode().split()
    for name in names:
        found = re.search(r"(?:^|/)lib/couch-(\d[^/]*)/?$", name) or re.fullmatch(r"couch-(\d[^/]*)", name)
        if found:
            return found.group(1)
    return "3"


def _release_root(folder: Path) -> Path:
    for candidate in (folder, *sorted(folder.iterdir())):
        if (candidate / "bin" / "couchdb").is_file():
            return candidate
    raise FileNotFoundError(f"no bin/couchdb in {folder}: not an Apache CouchDB release")


@dataclass
class CouchDBNode:
    """One Apache CouchDB node of our own under `directory` (configuration, data, log), HTTP on `port`.

    A new ``CouchDBNode`` on the same `directory` keeps the name, admin and data it was first given, so
    ``restarted()`` is the same node again. `cluster` is set on the nodes of a :class:`CouchDBCluster`.
    """

    release: Path
    directory: Path
    port: int = field(default_factory=free_port)
    user: str = "harness"  # not "admin": tests make an "admin" of their own (with_admin)
    password: str = field(default_factory=lambda: f"pw-{secrets.token_hex(8)}")
    cookie: str = field(default_factory=lambda: secrets.token_hex(12))
    cluster: bool = False
    process: subprocess.Popen[bytes] | None = None
    external_url: str | None = None  # never set: the node is ours (kept for the peer interface)

    @property
    def bare_url(self) -> str:
        """The node's address without credentials."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Where a CouchDB client connects, as the node's admin (credentials in the URL)."""
        return f"http://{self.user}:{self.password}@127.0.0.1:{self.port}"

    @property
    def pouchdb_url(self) -> str:
        """The same as :attr:`url`: nothing stands in front of a real CouchDB."""
        return self.url

    @property
    def name(self) -> str:
        """The node's Erlang name (``alongside-…@127.0.0.1``), as a cluster's shard map names it."""
        return (self.directory / "node.txt").read_text().split()[0]

    @property
    def pid(self) -> int:
        """The Erlang VM's process id (``bin/couchdb`` execs it)."""
        assert self.process is not None
        return self.process.pid

    def describe(self) -> str:
        """What the node says it is, e.g. ``"Apache CouchDB 3.4.3"``."""
        version = httpx.get(self.url + "/", timeout=10.0).json().get("version", "?")
        return f"Apache CouchDB {version}"

    def _configure(self) -> None:
        settings = self.directory / "node.txt"
        if settings.exists():  # a restart: the node keeps its name, port, admin and cookie
            name, port, user, password, cookie = settings.read_text().split()
            self.port, self.user, self.password, self.cookie = int(port), user, password, cookie
            return
        name = f"alongside-{secrets.token_hex(6)}@127.0.0.1"
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        settings.write_text(f"{name} {self.port} {self.user} {self.password} {self.cookie}\n")
        (self.directory / "vm.args").write_text(
            f"-name {name}\n-setcookie {self.cookie}\n"
            "-kernel inet_dist_use_interface {127,0,0,1}\n"
            "-kernel error_logger silent\n-sasl sasl_error_logger false\n"
            "-kernel prevent_overlapping_partitions false\n"
            "+Bd -noinput\n-os_mon start_cpu_sup false\n-os_mon start_memsup false\n"
            # No busy-waiting by idle schedulers: the tests' nodes share two cores with browsers and servers
            # (measured: about a quarter less CPU for the same requests).
            "+sbwt none\n+sbwtdcpu none\n+sbwtdio none\n"
        )
        data = self.directory / "data"
        single = "" if self.cluster else "single_node = true\n"
        # A test node: cheap password hashing (the default 600,000 PBKDF2 rounds cost each new connection
        # a CPU-second on this machine), everything else as CouchDB ships it.
        (self.directory / "local.ini").write_text(
            f"[couchdb]\nuuid = {secrets.token_hex(16)}\ndatabase_dir = {data}\nview_index_dir = {data}\n{single}"
            f"[cluster]\nn = {3 if self.cluster else 1}\nq = 2\n"
            f"[chttpd]\nport = {self.port}\nbind_address = 127.0.0.1\n"
            f"[chttpd_auth]\nsecret = {secrets.token_hex(16)}\niterations = 10\n"
            f"[log]\nlevel = warning\nfile = {self.directory / 'couchdb.log'}\nwriter = file\n"
            f"[admins]\n{self.user} = {self.password}\n"
        )

    def launch(self) -> None:
        """Start the Erlang VM without waiting for it (a cluster starts its nodes side by side)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._configure()
        env = {
            **os.environ,
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "COUCHDB_ARGS_FILE": str(self.directory / "vm.args"),
            "COUCHDB_INI_FILES": f"{self.release / 'etc' / 'default.ini'} {self.directory / 'local.ini'}",
        }
        log = (self.directory / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.release / "bin" / "couchdb")],
            cwd=self.release,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_until_up(self) -> None:
        """Wait until the node answers ``/_up`` as its admin (the VM exiting first is an error)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (self.directory / "stdout.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"CouchDB exited with {self.process.returncode} before answering:\n{log}")
            try:
                status = httpx.get(self.url + "/_up", timeout=2.0).status_code
            except httpx.HTTPError:
                status = 0
            if status == 200:
                return
            if status in (401, 403):
                raise RuntimeError(f"CouchDB on {self.bare_url} refused the harness's admin ({status})")
            time.sleep(0.1)
        raise TimeoutError(f"CouchDB on {self.bare_url} did not answer within {START_TIMEOUT}s")

    def create_system_databases(self) -> None:
        """``_users`` and ``_replicator``; a single node may be creating them itself at the same time."""
        deadline = time.monotonic() + START_TIMEOUT
        for name in ("_users", "_replicator"):
            while httpx.get(f"{self.url}/{name}", timeout=30.0).status_code != 200:
                answer = httpx.put(f"{self.url}/{name}", timeout=30.0)
                if answer.status_code in (201, 202, 412):
                    break
                assert time.monotonic() < deadline, answer.text  # e.g. 500 "conflict": created meanwhile
                time.sleep(0.1)

    def start(self) -> CouchDBNode:
        self.launch()
        try:
            self.wait_until_up()
            if not self.cluster:
                self.create_system_databases()
        except BaseException:
            self.kill()  # never leave a node running that no one will stop
            raise
        return self

    def stop(self) -> None:
        """Stop the VM (SIGTERM, then SIGKILL after 20 s), a paused one too."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """SIGKILL: the node crashes."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self) -> None:
        """SIGSTOP the VM; returns once all its threads are stopped (see ``stop_process``)."""
        assert self.process is not None
        stop_process(self.process.pid)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restarted(self) -> CouchDBNode:
        """The same node started again: same folder, data, name, port and admin."""
        return CouchDBNode(self.release, self.directory, cluster=self.cluster).start()

    def with_admin(self, user: str, password: str) -> str:
        """The node's URL as a new server admin `user` with `password` (created now)."""
        answer = httpx.put(f"{self.url}/_node/_local/_config/admins/{user}", json=password, timeout=30.0)
        assert answer.status_code == 200, answer.text
        return f"http://{user}:{password}@127.0.0.1:{self.port}"


@dataclass
class CouchDBCluster:
    """Three :class:`CouchDBNode` joined into one cluster (``n = 3``, ``q = 2``); any node serves it all."""

    release: Path
    directory: Path
    nodes: list[CouchDBNode] = field(default_factory=list)

    def start(self, count: int = 3) -> CouchDBCluster:
        password, cookie = f"pw-{secrets.token_hex(8)}", secrets.token_hex(12)
        self.nodes = [
            CouchDBNode(self.release, self.directory / f"node{i}", password=password, cookie=cookie, cluster=True)
            for i in range(1, count + 1)
        ]
        for node in self.nodes:
            node.launch()
        try:
            self._join(count)
        except BaseException:
            for node in self.nodes:
                node.kill()
            raise
        return self

    def _join(self, count: int) -> None:
        for node in self.nodes:
            node.wait_until_up()
        first = self.nodes[0]
        for node in self.nodes[1:]:
            answer = httpx.put(f"{first.url}/_node/_local/_nodes/{node.name}", json={}, timeout=30.0)
            assert answer.status_code in (201, 202, 409), answer.text
        deadline = time.monotonic() + START_TIMEOUT
        while len(httpx.get(f"{first.url}/_membership", timeout=10.0).json()["cluster_nodes"]) < count:
            if time.monotonic() > deadline:
                raise TimeoutError("the CouchDB nodes did not join into one cluster")
            time.sleep(0.2)
        first.create_system_databases()

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def main(argv: list[str] | None = None) -> int:
    """Start a node (or ``--cluster``: three) from a release and keep it up until interrupted, printing its
    URL and the Erlang VMs' process ids: for load-test runs over a real CouchDB (docs/performance.md)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("release", type=Path, help="an Apache CouchDB 3 release: archive (.tgz) or folder")
    parser.add_argument("--cluster", action="store_true", help="three nodes, n = 3, q = 2")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="alongside-couchdb-"))
    release = unpacked_release(args.release, folder / "release")
    peer: CouchDBNode | CouchDBCluster
    if args.cluster:
        peer = CouchDBCluster(release, folder).start()
        pids = [node.pid for node in peer.nodes]
    else:
        node = CouchDBNode(release, folder / "node").start()
        peer, pids = node, [node.pid]
    print(f"url {peer.url}\npids {','.join(map(str, pids))}\nfolder {folder}", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped either way, the nodes go with it
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        peer.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
