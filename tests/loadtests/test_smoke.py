"""The load tests' smoke run inside ``make test``: locust headless against a real server, gate on.

Each test runs ``loadtests/run.py`` as ``make loadtest`` does (a server of its own, enrolment codes
from ``alongside admin``, the scenarios, the final convergence check), only shorter, and asserts that
it exits 0 and printed its summary. The p95 limits in the smoke profile are sanity bounds (seconds)
that catch a broken path, not performance figures: those come from ``make loadtest``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "loadtests" / "run.py"

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def run(*args: str, tmp_path: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN), "--reports", str(tmp_path / "reports"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def summary_lines(output: str) -> dict[str, str]:
    assert "== Alongside load test summary" in output, output[-3000:]
    table = output.split("== Alongside load test summary", 1)[1].splitlines()[1:]
    rows = {}
    for line in table:
        label, _, value = line.partition("  ")
        if label and not line.startswith(" "):
            rows[label.strip()] = value.strip()
    return rows


def test_the_smoke_profile_passes_its_gate(tmp_path: Path) -> None:
    result = run("--profile", "smoke", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = summary_lines(result.stdout)
    assert rows["gate"] == "PASS"
    assert rows["convergence"].startswith("OK")
    assert rows["nothing lost"].startswith("OK")
    for metric in ("sync cycle (ms)", "change delivery (ms)", "offline burst sync (ms)", "first download (ms)"):
        assert metric in rows, rows
    assert (tmp_path / "reports" / "locust.html").exists()
    assert (tmp_path / "reports" / "locust_stats.csv").exists()


def test_two_server_processes_over_one_sqlite_file_pass_the_smoke_gate(tmp_path: Path) -> None:
    """``--workers 2``: devices land on either process; the live listeners' longpolls must be woken by writes
    taken by the other process (else change delivery waits out the 25 s longpoll, above the smoke's 10 s)."""
    result = run("--profile", "smoke", "--workers", "2", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = summary_lines(result.stdout)
    assert "2 server processes" in result.stdout
    assert rows["gate"] == "PASS"
    assert rows["convergence"].startswith("OK")
    assert rows["nothing lost"].startswith("OK")
    assert "change delivery (ms)" in rows, rows


def test_a_server_killed_mid_run_loses_nothing(tmp_path: Path) -> None:
    result = run("--profile", "fault-smoke", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = summary_lines(result.stdout)
    assert "killed with SIGKILL" in rows["fault"]
    assert rows["nothing lost"].startswith("OK")
    assert rows["convergence"].startswith("OK")
    assert rows["gate"] == "PASS"


def test_a_server_killed_and_its_couchdb_paused_mid_run_lose_nothing(tmp_path: Path) -> None:
    """The CouchDB backend's fault: Alongside SIGKILLed and restarted, then its own pouchdb-server paused
    (SIGSTOP) past Alongside's CouchDB deadline, so it answers 503, and resumed; devices retry."""
    result = run("--profile", "fault-smoke", "--couchdb", "local", "--time", "30", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = summary_lines(result.stdout)
    assert "killed with SIGKILL" in rows["fault"], rows["fault"]
    assert "paused with SIGSTOP" in rows["fault"] and "/healthz meanwhile: HTTP 503" in rows["fault"], rows["fault"]
    assert int(rows["retries"].split()[0]) > 0, rows
    assert rows["nothing lost"].startswith("OK")
    assert rows["convergence"].startswith("OK")
    assert rows["gate"] == "PASS"


def test_the_gate_fails_a_run_whose_p95_is_above_its_limit(tmp_path: Path) -> None:
    result = run(
        "--profile",
        "smoke",
        "--time",
        "8",
        "--users",
        "WorkerDevice=1,PersonDevice=1",
        "--sync-interval",
        "2",
        "--max-p95",
        "sync cycle=0.01",
        tmp_path=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-4000:]
    rows = summary_lines(result.stdout)
    assert rows["convergence"].startswith("OK")
    assert rows["gate"].startswith("FAIL") and "'sync cycle' p95" in rows["gate"], rows["gate"]
