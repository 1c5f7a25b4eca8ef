"""Run a Node script that reports as it goes: a JSON request on its stdin, one JSON line per event on its stdout
(handed to the test as each arrives, so that the test can act meanwhile), the last line its facts."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .processes import TESTS


def stream_node(
    script: Path, request: dict[str, Any], on_line: Callable[[dict[str, Any]], None], log: Path, bound: float
) -> dict[str, Any]:
    """Run `script` from ``tests/`` with `request` on stdin, hand every JSON line it prints to `on_line`, and
    return the last one. Its stderr goes to `log`; it is killed if it has not finished within `bound` seconds
    ("finished at all", never a performance claim), and it must exit with 0."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            ["node", str(script)], cwd=TESTS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
    watchdog = threading.Timer(bound, process.kill)
    watchdog.start()
    lines: list[dict[str, Any]] = []
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
        for raw in process.stdout:
            line = json.loads(raw)
            lines.append(line)
            on_line(line)
        returncode = process.wait(timeout=bound)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert returncode == 0, f"exit {returncode}; last lines {lines[-3:]}; stderr: {log.read_text()}"
    return lines[-1]
