"""Start and stop real components: the Alongside server and pouchdb-server (launched by
:mod:`loadtests.kit.processes`, which the load tests share), and Node scripts."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from loadtests.kit.processes import (
    ALONGSIDE,
    NODE_MODULES,
    REPO,
    AlongsideServer,
    CouchDBPeer,
    PouchDBServer,
    free_port,
    proc_stat,
    process_tree,
    running_pids,
    wait_for_http,
    wait_until_group_dead,
)

TESTS = REPO / "tests"

__all__ = [
    "ALONGSIDE",
    "NODE_MODULES",
    "REPO",
    "TESTS",
    "AlongsideServer",
    "CouchDBPeer",
    "PouchDBServer",
    "free_port",
    "proc_stat",
    "process_tree",
    "run_node",
    "running_pids",
    "wait_for_http",
    "wait_until_group_dead",
]


def run_node(script: Path, *, env: dict[str, str] | None = None, input_json: Any = None, timeout: float = 600) -> Any:
    """Run a Node script from ``tests/``, feed it JSON on stdin, return the JSON it prints last."""
    result = subprocess.run(
        ["node", str(script)],
        input=json.dumps(input_json).encode() if input_json is not None else None,
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=TESTS,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"{script.name} failed ({result.returncode}):\n{result.stderr.decode(errors='replace')}")
    lines = [line for line in result.stdout.decode().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None
