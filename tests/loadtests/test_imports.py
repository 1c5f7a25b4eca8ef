"""The load tests stand on their own: every module of ``loadtests/`` imports with only the repository on the
path, and nothing of ``tests/`` is loaded (tests may use ``loadtests``, never the reverse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import loadtests, loadtests.kit
names = ["loadtests." + m.name for m in pkgutil.iter_modules(loadtests.__path__)]
names += ["loadtests.kit." + m.name for m in pkgutil.iter_modules(loadtests.kit.__path__)]
for name in names:
    importlib.import_module(name)
from_tests = [m for m in sys.modules if m.split(".")[0] in ("support", "tests")]
print(json.dumps({"imported": names, "from_tests": from_tests}))
"""


def test_every_load_test_module_imports_without_tests_on_the_path_and_loads_nothing_of_tests(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"loadtests.run", "loadtests.kit.processes", "loadtests.kit.target"} <= set(found["imported"])
    assert found["from_tests"] == []
