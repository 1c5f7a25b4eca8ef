"""Run a load-test profile end to end: start a server, prepare it, run locust headless, gate, summarise.

What it does, in order:

1. starts the target on a free loopback port: ``alongside serve`` over SQLite in a temporary
   directory (default; ``--workers N``: N server processes), ``alongside serve --couchdb URL``
   (``--couchdb``), or, for a comparison row,
   ``pouchdb-server`` itself with no Alongside and no auth (``--target pouchdb``); ``--couchdb local``
   starts a pouchdb-server of its own (on disk) for Alongside to use;
2. prepares it with the operator's commands: ``alongside admin init`` and one ``admin add-worker``
   enrolment code per device that starts a plan, and, when the profile downloads, a plan of
   ``--items`` sealed items with one invite per downloading device (over ``/api/v1`` and ``/sync``);
3. runs the profile's scenarios (``loadtests/*.py``, one flow per file) with locust, headless, for
   ``--time`` seconds; with ``--fault`` the server is killed with SIGKILL during the run and started
   again on the same port and data, and, on the CouchDB backend when the CouchDB process is known
   (``--couchdb local``, or ``--couchdb-pid``), CouchDB is then paused (SIGSTOP) for
   ``--couchdb-pause`` seconds and resumed (SIGCONT), while Alongside answers 503; devices retry;
4. at the end every device syncs once more and must agree with the server (see ``kit/gate.py``); the
   run fails on any failed request, any convergence difference, any lost edit, or a p95 above
   ``--max-p95``;
5. prints a summary table (with the server's memory and CPU) and keeps locust's CSV and HTML reports,
   the settings and the logs in ``loadtests/reports/<time>-<profile>/``.

Examples::

    .venv/bin/python loadtests/run.py                                # the standard profile, 60 s, SQLite
    .venv/bin/python loadtests/run.py --profile smoke                # ~30 s, what `make test` runs
    .venv/bin/python loadtests/run.py --profile fault                # SIGKILL + restart mid-run
    .venv/bin/python loadtests/run.py --profile capacity --devices 200 --max-p95 "sync cycle=300"
    .venv/bin/python loadtests/run.py --profile capacity --devices 200 --target pouchdb
    .venv/bin/python loadtests/run.py --couchdb http://127.0.0.1:5984   # Alongside over CouchDB
    .venv/bin/python loadtests/run.py --profile fault --couchdb local   # + a pouchdb-server, paused mid-run

Exit status: 0 when the gate passed, 1 when it failed, 2 for a problem before the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from alongside.crypto import (  # noqa: E402
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_auth_token,
    invite_verifier,
    new_document_id,
    new_plan_key,
    seal_item,
)
from alongside.server import api_client as api  # noqa: E402
from alongside.server.api_client import ApiClient  # noqa: E402
from loadtests.kit.summary import format_table  # noqa: E402
from loadtests.kit.target import Monitor, Target  # noqa: E402

REPORTS = REPO / "loadtests" / "reports"

CLASS_FILES = {
    "WorkerDevice": "device_life.py",
    "PersonDevice": "device_life.py",
    "LiveWriter": "live_listeners.py",
    "LiveListener": "live_listeners.py",
    "OfflineDevice": "offline_burst.py",
    "SharedWorker": "shared_plan.py",
    "SharedPerson": "shared_plan.py",
    "FirstDownloadDevice": "first_download.py",
}
PLAN_STARTERS = ("WorkerDevice", "LiveWriter", "OfflineDevice", "SharedWorker")


@dataclass
class Profile:
    seconds: int
    users: dict[str, int]
    summary: str
    sync_interval: float = 10.0
    max_p95: str = ""
    fault: bool = False
    live: dict[str, Any] = field(default_factory=lambda: {"listeners_per_plan": 4, "write_interval": 3.0})
    offline: dict[str, Any] = field(default_factory=lambda: {"edits": [50, 500], "pause": 20.0})
    shared: dict[str, Any] = field(default_factory=lambda: {"items": 6, "interval": 5.0, "resolve_probability": 0.3})
    first_download: dict[str, Any] = field(default_factory=lambda: {"items": 2000, "pause": 15.0})


def _pairs(worker: str, person: str, count: int) -> dict[str, int]:
    return {worker: count, person: count}


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        seconds=22,
        summary="every scenario, a few devices each, 22 s (make test)",
        sync_interval=5.0,
        users={
            **_pairs("WorkerDevice", "PersonDevice", 3),
            "LiveWriter": 1,
            "LiveListener": 3,
            "OfflineDevice": 1,
            **_pairs("SharedWorker", "SharedPerson", 2),
            "FirstDownloadDevice": 1,
        },
        # Sanity bounds that catch a broken path (a longpoll that never wakes), not performance figures.
        max_p95="sync cycle=5000,change delivery=10000",
        live={"listeners_per_plan": 3, "write_interval": 2.0},
        offline={"edits": [50, 200], "pause": 10.0},
        shared={"items": 6, "interval": 3.0, "resolve_probability": 0.3},
        first_download={"items": 2000, "pause": 10.0},
    ),
    "standard": Profile(
        seconds=60,
        summary="every scenario at a realistic mix: 80 everyday devices syncing every 10 s, 60 s",
        users={
            **_pairs("WorkerDevice", "PersonDevice", 40),
            "LiveWriter": 4,
            "LiveListener": 16,
            "OfflineDevice": 4,
            **_pairs("SharedWorker", "SharedPerson", 4),
            "FirstDownloadDevice": 2,
        },
    ),
    "capacity": Profile(
        seconds=60,
        summary="--devices everyday devices syncing every 10 s, plus one watched plan with 4 listeners",
        users={**_pairs("WorkerDevice", "PersonDevice", 50), "LiveWriter": 1, "LiveListener": 4},
    ),
    "live": Profile(
        seconds=60,
        summary="4 watched plans, 5 listeners each",
        users={"LiveWriter": 4, "LiveListener": 20},
        live={"listeners_per_plan": 5, "write_interval": 3.0},
    ),
    "offline": Profile(seconds=60, summary="5 devices syncing bursts of 50-500 edits", users={"OfflineDevice": 5}),
    "shared": Profile(
        seconds=60, summary="5 plans edited on two devices at once", users=_pairs("SharedWorker", "SharedPerson", 5)
    ),
    "download": Profile(
        seconds=30,
        summary="one device downloading a 2,000-item plan, again and again",
        users={"FirstDownloadDevice": 1},
        first_download={"items": 2000, "pause": 2.0},
    ),
    "fault": Profile(
        seconds=60,
        fault=True,
        summary="SIGKILL and restart of the server mid-run; devices retry; nothing may be lost",
        users={
            **_pairs("WorkerDevice", "PersonDevice", 10),
            "LiveWriter": 2,
            "LiveListener": 6,
            "OfflineDevice": 2,
            **_pairs("SharedWorker", "SharedPerson", 2),
        },
        sync_interval=5.0,
        live={"listeners_per_plan": 3, "write_interval": 2.0},
        offline={"edits": [50, 300], "pause": 8.0},
        shared={"items": 6, "interval": 3.0, "resolve_probability": 0.3},
    ),
    "fault-smoke": Profile(
        seconds=20,
        fault=True,
        summary="the fault profile, short (make test)",
        users={
            **_pairs("WorkerDevice", "PersonDevice", 3),
            "LiveWriter": 1,
            "LiveListener": 2,
            "OfflineDevice": 1,
            **_pairs("SharedWorker", "SharedPerson", 1),
        },
        sync_interval=3.0,
        live={"listeners_per_plan": 2, "write_interval": 1.5},
        offline={"edits": [50, 200], "pause": 5.0},
        shared={"items": 6, "interval": 2.0, "resolve_probability": 0.3},
    ),
}


# -- preparation ---------------------------------------------------------------------------------------


def prepare_codes(target: Target, count: int) -> list[str]:
    if target.kind == "pouchdb" or count == 0:
        return []
    target.admin("init", "--org", "Load test", "--name", "Load test admin")
    return [target.admin("add-worker", "--name", f"Worker {i}")["code"] for i in range(count)]


def prepare_download_plan(target: Target, code: str | None, items: int, devices: int) -> dict[str, Any]:
    """A plan of ``items`` sealed items, and one invite per downloading device."""
    keys = generate_device_keys()
    with httpx.Client(base_url=target.url, timeout=120) as client:
        if target.kind == "pouchdb":
            plan_id = new_document_id()
            client.put(f"/p{plan_id}").raise_for_status()
            path = f"/p{plan_id}/"
        else:
            assert code is not None
            enrolled = ApiClient(client)(api.enrol(code, keys.public.to_json()))
            client.headers["Authorization"] = f"Bearer {enrolled.token}"
            plan_id = ApiClient(client)(api.create_plan()).plan_id
            path = f"/sync/{plan_id}/"
        key = new_plan_key(plan_id)
        docs: list[dict[str, object]] = [grant_plan_key(key, recipient=keys.public, granter=keys)]
        for i in range(items):
            body = {"section": "goals", "text": f"item {i} " + "x" * (20 + (i * 37) % 1600)}
            docs.append(seal_item(body, plan_id=plan_id, doc_id=new_document_id(), key=key, author=keys))
        for start in range(0, len(docs), 500):
            written = client.post(path + "_bulk_docs", json={"docs": docs[start : start + 500]})
            written.raise_for_status()
            if any("error" in row for row in written.json()):
                raise SystemExit(f"preparing the download plan failed: {written.text[:300]}")
        invites: list[str] = []
        for _ in range(devices if target.kind != "pouchdb" else 0):
            invite = create_invite(key, inviter=keys)
            verifier = invite_verifier(invite_auth_token(invite))
            registering = api.register_invite(
                plan_id, invite_id=invite.invite_id_hex, verifier=verifier, expires_at=invite.expires_at
            )
            ApiClient(client)(registering)
            invites.append(invite.to_text())
        if target.kind == "pouchdb":
            invites = [""] * devices
    return {"plan_id": plan_id, "invites": invites}


# -- the run ---------------------------------------------------------------------------------------------


def parse_users(text: str) -> dict[str, int]:
    users: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        if name not in CLASS_FILES:
            raise SystemExit(f"unknown user class {name!r}; known: {', '.join(CLASS_FILES)}")
        users[name] = int(count)
    return users


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loadtests/run.py",
        description="Run an Alongside load-test profile headless, with convergence check and gate.",
        epilog="Profiles: " + "; ".join(f"{name}: {p.summary}" for name, p in PROFILES.items()),
    )
    parser.add_argument("--profile", default="standard", choices=sorted(PROFILES))
    parser.add_argument("--time", type=int, default=None, help="run time in seconds (default: the profile's)")
    parser.add_argument(
        "--devices", type=int, default=None, help="everyday devices (device_life: half workers, half people)"
    )
    parser.add_argument(
        "--users", default="", help="devices instead of the profile's, e.g. 'LiveWriter=2,LiveListener=10'"
    )
    parser.add_argument("--sync-interval", type=float, default=None, help="seconds between an everyday device's syncs")
    parser.add_argument(
        "--writing-share",
        type=float,
        default=1.0,
        help="the share of everyday devices' sync cycles that edit first (1: every cycle; 0.1: one in ten)",
    )
    parser.add_argument("--max-p95", default=None, help='p95 limits in ms, e.g. "sync cycle=300,change delivery=1000"')
    parser.add_argument("--target", default="alongside", choices=["alongside", "pouchdb"])
    parser.add_argument(
        "--couchdb",
        default=os.environ.get("COUCHDB") or None,
        help="run Alongside over this CouchDB URL, or 'local': a pouchdb-server of the run's own, on disk",
    )
    parser.add_argument(
        "--couchdb-pid",
        type=_pids,
        default=(),
        help="the process of the CouchDB at --couchdb URL (measured, paused); a cluster: every node's, comma-separated"
        " (measured together; the first is the one paused)",
    )
    parser.add_argument(
        "--couchdb-pause",
        type=float,
        default=14.0,
        help="with --fault: seconds CouchDB is paused (SIGSTOP) after the restart; above Alongside's 10 s CouchDB"
        " deadline, so it answers 503 meanwhile; 0: no pause (default 14)",
    )
    parser.add_argument("--fault", action="store_true", default=None, help="kill -9 and restart the server mid-run")
    parser.add_argument(
        "--workers", type=int, default=1, help="Alongside server processes (alongside serve --workers N; default 1)"
    )
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="devices started per second")
    parser.add_argument("--items", type=int, default=None, help="items in the first-download plan (default 2000)")
    parser.add_argument("--reports", type=Path, default=None, help="report directory (default loadtests/reports/<run>)")
    return parser


def _pids(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not process ids: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    profile = PROFILES[args.profile]
    users = parse_users(args.users) if args.users else dict(profile.users)
    if args.devices is not None:
        users.update(_pairs("WorkerDevice", "PersonDevice", 0))
        users["WorkerDevice"] = (args.devices + 1) // 2
        users["PersonDevice"] = args.devices // 2
    users = {name: count for name, count in users.items() if count > 0}
    seconds = args.time or profile.seconds
    fault = profile.fault if args.fault is None else args.fault
    max_p95 = profile.max_p95 if args.max_p95 is None else args.max_p95
    first_download = dict(profile.first_download)
    if args.items is not None:
        first_download["items"] = args.items
    run_name = time.strftime("%Y%m%d-%H%M%S") + f"-{args.profile}" + ("-pouchdb" if args.target == "pouchdb" else "")
    reports = args.reports or REPORTS / run_name
    reports.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="alongside-loadtest-"))
    target = Target(
        args.target,
        workdir,
        args.couchdb if args.target == "alongside" else None,
        args.couchdb_pid[0] if args.couchdb_pid else None,
        workers=args.workers,
        other_couchdb_pids=tuple(args.couchdb_pid[1:]),
    )
    pause = args.couchdb_pause if fault and args.target == "alongside" and args.couchdb else 0.0
    locust_process: subprocess.Popen[bytes] | None = None
    try:
        started = time.monotonic()
        target.start_couchdb()
        if pause and target.couchdb_pid is None:
            raise SystemExit("the CouchDB pause needs its process: --couchdb local, or --couchdb-pid PID")
        starters = sum(users.get(name, 0) for name in PLAN_STARTERS)
        downloaders = users.get("FirstDownloadDevice", 0)
        codes = prepare_codes(target, starters + (1 if downloaders else 0))
        target.start()
        download_plan: dict[str, Any] = {}
        if downloaders:
            download_code = codes.pop() if codes else None
            download_plan = prepare_download_plan(target, download_code, int(first_download["items"]), downloaders)
        config = {
            "target": "couchdb" if args.target == "pouchdb" else "alongside",
            "codes": codes,
            "users": users,
            "sync_interval": args.sync_interval or profile.sync_interval,
            "writing_share": args.writing_share,
            "retry_seconds": 90.0 if fault else 0.0,
            "live": profile.live,
            "offline": profile.offline,
            "shared": profile.shared,
            "first_download": {**first_download, **download_plan},
        }
        (reports / "config.json").write_text(json.dumps({**config, "codes": f"{len(codes)} codes"}, indent=2))
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(config))
        prepared = time.monotonic() - started
        files = ",".join(sorted({str(REPO / "loadtests" / CLASS_FILES[name]) for name in users}))
        total = sum(users.values())
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            files,
            "--headless",
            "--only-summary",
            "-u",
            str(total),
            "-r",
            str(args.spawn_rate),
            "-t",
            f"{seconds}s",
            "--host",
            target.url,
            "--csv",
            str(reports / "locust"),
            "--html",
            str(reports / "locust.html"),
            "--scenario-config",
            str(config_path),
            "--summary-json",
            str(reports / "summary.json"),
            "--max-p95",
            max_p95,
        ]
        print(
            f"load test '{args.profile}' against {args.target}"
            f"{' over CouchDB' if args.couchdb and args.target == 'alongside' else ''} at {target.url}"
            f"{f' ({args.workers} server processes)' if args.workers > 1 and args.target == 'alongside' else ''}:"
            f" {total} devices for {seconds} s{' with a server kill' if fault else ''}"
            f"{f' and a {pause:.0f} s CouchDB pause' if pause else ''}"
            f" (prepared in {prepared:.1f} s); reports in {reports}",
            flush=True,
        )
        monitor = Monitor(target)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        with (reports / "locust.log").open("wb") as log:
            locust_process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
            monitor.locust_pid = locust_process.pid
            monitor.start()
            locust_cpu_start = time.monotonic()
            fault_note = ""
            if fault:
                spawn_seconds = total / args.spawn_rate
                kill_at = max(0.4 * seconds, spawn_seconds + 5.0)
                time.sleep(kill_at)
                before = target.pid
                target.kill()
                down = time.monotonic()
                time.sleep(2.0)
                target.start()
                fault_note = (
                    f"server (pid {before}) killed with SIGKILL at {kill_at:.0f} s, "
                    f"back after {time.monotonic() - down:.1f} s (pid {target.pid})"
                )
                print(fault_note, flush=True)
                if pause:
                    time.sleep(3.0)
                    paused_at = time.monotonic() - locust_cpu_start
                    answered = target.pause_couchdb(pause)
                    pause_note = (
                        f"CouchDB (pid {target.couchdb_pid}) paused with SIGSTOP at {paused_at:.0f} s"
                        f" for {pause:.0f} s, then SIGCONT; Alongside's /healthz meanwhile: {answered}"
                    )
                    print(pause_note, flush=True)
                    fault_note += "; " + pause_note
            deadline = seconds + 180 + total * 0.5
            try:
                code = locust_process.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                locust_process.send_signal(signal.SIGTERM)
                code = locust_process.wait(timeout=30)
                print(f"locust did not finish within {deadline:.0f} s and was stopped", flush=True)
                code = code or 1
            locust_seconds = time.monotonic() - locust_cpu_start
        monitor.finish()
        summary_path = reports / "summary.json"
        if not summary_path.exists():
            print((reports / "locust.log").read_text(errors="replace")[-4000:])
            print(f"no summary: locust exited with {code}")
            return 1
        summary = json.loads(summary_path.read_text())
        extra: list[tuple[str, str]] = []
        if monitor.samples:
            peak, end = max(monitor.samples), monitor.samples[-1]
            extra.append(("server RSS", f"peak {peak / 1024:,.0f} MiB, at the end {end / 1024:,.0f} MiB (VmRSS)"))
        if monitor.couchdb_samples:
            peak, end = max(monitor.couchdb_samples), monitor.couchdb_samples[-1]
            extra.append(("CouchDB RSS", f"peak {peak / 1024:,.0f} MiB, at the end {end / 1024:,.0f} MiB (VmRSS)"))
        load = os.getloadavg()[0]
        extra.append(
            (
                "CPU (2 cores shared)",
                f"server {100 * monitor.cpu['server'] / locust_seconds:.0f}% of a core,"
                f" locust {100 * monitor.cpu['locust'] / locust_seconds:.0f}%,"
                + (
                    f" CouchDB {100 * monitor.cpu['couchdb'] / locust_seconds:.0f}%,"
                    if target.couchdb_pid is not None
                    else ""
                )
                + f" machine load average {load:.1f} at the end",
            )
        )
        if fault_note:
            extra.append(("fault", fault_note))
        extra.append(("reports", str(reports)))
        summary["server"] = {
            "rss_peak_kib": max(monitor.samples) if monitor.samples else None,
            "rss_end_kib": monitor.samples[-1] if monitor.samples else None,
            "couchdb_rss_peak_kib": max(monitor.couchdb_samples) if monitor.couchdb_samples else None,
            "workers": args.workers,
            "cpu_seconds": monitor.cpu,
            "wall_seconds": locust_seconds,
            "load_average": os.getloadavg(),
            "fault": fault_note,
        }
        summary_path.write_text(json.dumps(summary, indent=2))
        (reports / "server.log").write_text(target.log())
        print(format_table(summary, extra), flush=True)
        if code != 0 and summary["gate"] == "pass":
            print(f"locust exited with {code}; see {reports / 'locust.log'}")
        return 0 if code == 0 and summary["gate"] == "pass" else 1
    except (OSError, RuntimeError, httpx.HTTPError, TimeoutError) as exc:
        print(f"load test could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        if locust_process is not None and locust_process.poll() is None:
            locust_process.kill()
            locust_process.wait()
        target.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
