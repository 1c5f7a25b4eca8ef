"""The end of every run: sync every device one last time, check convergence, apply the gate.

Imported by every scenario file, it adds locust command-line options:

- ``--scenario-config PATH``: the run's settings (``loadtests/run.py`` writes them);
- ``--max-p95 "sync cycle=300,change delivery=1500"``: p95 limits in milliseconds for named entries;
- ``--summary-json PATH``: where to write the run's figures (the runner prints them as a table).

When the run stops, every device pushes what it has, then every device pulls, then each device's
replica is compared with the server: the same documents, and for each the same winning revision,
conflicts and leaves. Every revision any device wrote during the run must be known to the server
(``_revs_diff``): nothing lost. The process exits non-zero when a request failed, a device raised, a
device could not join, convergence failed, something was lost, or a p95 is above its limit.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import gevent
import gevent.pool
from locust import events
from locust.env import Environment
from locust.stats import StatsEntry

from .compare import differences, server_state, unknown
from .http_peer import COUNTERS, METRIC, RETRY
from .runtime import CONFIG_ENV, HUB, Device
from .summary import format_table

log = logging.getLogger("alongside.loadtest")
EXAMPLES = 5
FINAL_SYNC_CONCURRENCY = 16
SETTLE_SECONDS = 3.0


@dataclass
class Convergence:
    devices: int = 0
    plans: int = 0
    documents: int = 0
    acknowledged_checked: int = 0
    acknowledged_lost: int = 0
    edits_checked: int = 0
    lost: int = 0
    outstanding_conflicts: int = 0
    mismatches: list[str] = field(default_factory=list)
    sync_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.sync_errors and self.lost == 0 and self.acknowledged_lost == 0


@dataclass
class RunState:
    started: float | None = None
    stopped: float | None = None
    http_requests: int = 0
    http_at_start: int = 0
    environment: Environment | None = None
    docs_up: int = 0
    docs_down: int = 0


STATE = RunState()


def _options(parser: argparse.ArgumentParser, **_: Any) -> None:
    parser.add_argument("--scenario-config", default=None, help=f"the run's settings as JSON (or ${CONFIG_ENV})")
    parser.add_argument(
        "--max-p95",
        default="",
        help='p95 limits in ms for named entries, e.g. "sync cycle=300,change delivery=1500"; above one, the run fails',
    )
    parser.add_argument("--summary-json", default="", help="write the run's figures to this file as JSON")


def _init(environment: Environment, **_: Any) -> None:
    STATE.environment = environment
    HUB.configure(environment)
    for user_class in environment.user_classes:
        if user_class.__name__ in HUB.config.users:
            user_class.fixed_count = HUB.config.users[user_class.__name__]


def _started(**_: Any) -> None:
    STATE.started = time.monotonic()


def _steady(**_: Any) -> None:
    """Every device has been spawned; once none is still joining and every everyday device has done its
    first cycle (which notes the device as seen: a directory write that happens once an hour in real
    life but, in a one-minute run, all at the start), and at least a few seconds later, figures are
    recorded: steady state. The wait is bounded by two sync intervals."""

    environment = STATE.environment
    assert environment is not None

    def settled() -> bool:
        everyday = [d for d in HUB.devices if d.kind in ("worker", "person")]
        return HUB.waiting == 0 and all(d.cycles > 0 for d in everyday)

    def measure() -> None:
        deadline = time.monotonic() + 2 * HUB.config.sync_interval
        while not settled() and time.monotonic() < deadline:
            gevent.sleep(0.25)
        STATE.started = time.monotonic()
        STATE.http_at_start = sum(e.num_requests for e in _http_entries(environment))
        COUNTERS.measuring = True

    gevent.spawn_later(SETTLE_SECONDS, measure)


def _http_entries(environment: Environment) -> list[StatsEntry]:
    return [e for e in environment.stats.entries.values() if e.method not in (METRIC, RETRY)]


def _stopping(environment: Environment, **_: Any) -> None:
    STATE.stopped = time.monotonic()
    STATE.http_requests = sum(e.num_requests for e in _http_entries(environment)) - STATE.http_at_start
    STATE.docs_up, STATE.docs_down = COUNTERS.docs_up, COUNTERS.docs_down
    COUNTERS.measuring = False


def _guarded(errors: list[str], action: Callable[[Device], object]) -> Callable[[Device], None]:
    def run(device: Device) -> None:
        try:
            action(device)
        except Exception as exc:
            errors.append(f"{device.kind} {device.keys.device_id[:8]}: {type(exc).__name__}: {exc}")

    return run


def _check_acknowledged(report: Convergence, plan_id: str, members: list[Device]) -> None:
    acknowledged = sorted({pair for device in members for pair in device.remote.acknowledged})
    if not acknowledged:
        return
    try:
        gone = unknown(acknowledged, members[0].remote.known_revisions())
    except Exception as exc:
        report.sync_errors.append(f"plan {plan_id[:8]}: checking acknowledged writes failed: {exc}")
        return
    report.acknowledged_checked += len(acknowledged)
    report.acknowledged_lost += len(gone)
    if gone:
        report.mismatches.append(f"plan {plan_id[:8]}: {len(gone)} writes the server acknowledged are gone")


def _check_plan(report: Convergence, plan_id: str, members: list[Device]) -> None:
    remote = members[0].remote
    try:
        leaves = remote.leaves()
        server = server_state(leaves, remote.winners(list(leaves)))
        edits = sorted({pair for device in members for pair in device.edits})
        missing = unknown(edits, remote.known_revisions()) if edits else []
    except Exception as exc:
        report.sync_errors.append(f"plan {plan_id[:8]}: reading the server's copy failed: {exc}")
        return
    report.documents += len(server)
    report.outstanding_conflicts += sum(1 for _, conflicts, _ in server.values() if conflicts)
    report.edits_checked += len(edits)
    report.lost += len(missing)
    if missing:
        report.mismatches.append(f"plan {plan_id[:8]}: {len(missing)} revisions devices wrote are not on the server")
    for device in members:
        count, examples = differences(device.replica.snapshot(), server)
        if count:
            who = f"{device.kind} {device.keys.device_id[:8]}"
            report.mismatches.append(f"plan {plan_id[:8]} {who}: {count} documents differ ({examples})")


def check_convergence() -> Convergence:
    """Acknowledged writes still there; then a final push from every device, a final pull to every
    device, and each replica compared with the server."""
    if HUB.waiting:
        HUB.setup_failures.append(f"{HUB.waiting} devices were still waiting for an invite when the run ended")
    devices = list(HUB.devices)
    report = Convergence(devices=len(devices))
    by_plan: dict[str, list[Device]] = defaultdict(list)
    for device in devices:
        device.remote.phase = "final "
        device.remote.longpoll = None
        device.remote.on_push = None
        by_plan[device.plan_id].append(device)
    report.plans = len(by_plan)
    pool = gevent.pool.Pool(FINAL_SYNC_CONCURRENCY)
    # Before any device pushes again: every write the server acknowledged during the run is still there
    # (a server that lost them would otherwise be rescued, silently, by the devices' final push).
    pool.map(lambda plan: _check_acknowledged(report, plan, by_plan[plan]), list(by_plan))
    pool.map(_guarded(report.sync_errors, lambda d: d.push()), [d for d in devices if d.can_write])
    pool.map(_guarded(report.sync_errors, lambda d: d.pull()), devices)
    pool.map(lambda plan: _check_plan(report, plan, by_plan[plan]), list(by_plan))
    return report


def _percentiles(entry: StatsEntry) -> dict[str, float]:
    return {
        "count": entry.num_requests,
        "p50": entry.get_response_time_percentile(0.5),
        "p95": entry.get_response_time_percentile(0.95),
        "p99": entry.get_response_time_percentile(0.99),
        "max": entry.max_response_time,
    }


def parse_limits(text: str) -> dict[str, float]:
    limits: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.rpartition("=")
        if not name:
            raise ValueError(f"--max-p95 wants NAME=MILLISECONDS, got {part!r}")
        limits[name.strip()] = float(value)
    return limits


def summarise(environment: Environment, convergence: Convergence) -> dict[str, Any]:
    started = STATE.started or time.monotonic()
    seconds = max((STATE.stopped or time.monotonic()) - started, 1e-9)
    metrics = {e.name: _percentiles(e) for e in environment.stats.entries.values() if e.method == METRIC}
    http = _http_entries(environment)
    failures = sum(e.num_failures for e in http)
    runner = environment.runner
    exceptions = sum(int(row["count"]) for row in runner.exceptions.values()) if runner else 0
    options = environment.parsed_options
    limits = parse_limits(getattr(options, "max_p95", "") or "")
    reasons: list[str] = []
    if failures:
        reasons.append(f"{failures} failed requests")
    if exceptions:
        reasons.append(f"{exceptions} exceptions in simulated devices")
    if HUB.setup_failures:
        reasons.append(f"{len(HUB.setup_failures)} devices could not enrol or join a plan")
    if not convergence.ok:
        reasons.append("convergence failed" if convergence.mismatches or convergence.sync_errors else "edits lost")
    for name, limit in limits.items():
        found = metrics.get(name)
        if found is None or not found["count"]:
            reasons.append(f"no '{name}' samples to hold to its p95 limit")
        elif found["p95"] > limit:
            reasons.append(f"'{name}' p95 {found['p95']:.0f} ms > {limit:.0f} ms")
    downloads = HUB.first_downloads
    bursts = HUB.offline_bursts
    return {
        "target": HUB.config.target,
        "seconds": round(seconds, 1),
        "devices": dict(Counter(d.kind for d in HUB.devices)),
        "devices_total": len(HUB.devices),
        "http_requests": STATE.http_requests,
        "requests_per_s": STATE.http_requests / seconds,
        "docs_up": STATE.docs_up,
        "docs_down": STATE.docs_down,
        "docs_per_s": (STATE.docs_up + STATE.docs_down) / seconds,
        "metrics": metrics,
        "first_download_docs_per_s": sorted(docs / secs for docs, secs in downloads if secs > 0),
        "offline_burst_docs_per_s": sorted(docs / secs for docs, secs in bursts if secs > 0),
        "failures": failures,
        "failure_examples": [
            f"{e.method} {e.name}: {e.error}" for e in list(environment.stats.errors.values())[:EXAMPLES]
        ],
        "exceptions": exceptions,
        "exception_examples": [row["msg"] for row in list(runner.exceptions.values())[:EXAMPLES]] if runner else [],
        "setup_failures": len(HUB.setup_failures),
        "setup_examples": HUB.setup_failures[:EXAMPLES],
        "retries": COUNTERS.retries,
        "cycles": dict(COUNTERS.cycles),
        "requests_per_cycle": {
            kind: COUNTERS.cycle_requests[kind] / count for kind, count in sorted(COUNTERS.cycles.items()) if count
        },
        "conflicts_resolved": HUB.conflicts_resolved,
        "convergence": {**asdict(convergence), "ok": convergence.ok},
        "limits": limits,
        "gate": "fail" if reasons else "pass",
        "gate_reasons": reasons,
    }


def _finish(environment: Environment, **_: Any) -> None:
    log.info("Run stopped: final sync of %d devices and convergence check", len(HUB.devices))
    convergence = check_convergence()
    summary = summarise(environment, convergence)
    options = environment.parsed_options
    path = getattr(options, "summary_json", "") if options else ""
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    print(format_table(summary), flush=True)
    if summary["gate"] == "fail":
        environment.process_exit_code = 1


for _hook, _listener in (
    (events.init_command_line_parser, _options),
    (events.init, _init),
    (events.test_start, _started),
    (events.spawning_complete, _steady),
    (events.test_stopping, _stopping),
    (events.test_stop, _finish),
):
    _hook.add_listener(_listener)  # type: ignore[no-untyped-call]
