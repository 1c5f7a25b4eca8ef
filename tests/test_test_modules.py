"""Tests share their set-up through fixtures (``conftest.py``) and helpers (``tests/support``,
``tests/pwa/support``), never by importing one another: a test module imported elsewhere would run its tests
twice and tie unrelated tests together."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PYTHON_TEST = re.compile(r"^test_.*\.py$")
NODE_TEST = re.compile(r"\.test\.mjs$")
NODE_IMPORT = re.compile(r"""(?:\bfrom\s+|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")


def python_test_modules() -> list[Path]:
    return sorted(path for path in TESTS.rglob("test_*.py") if "node_modules" not in path.parts)


def imported_names(path: Path) -> set[str]:
    """Every module name an ``import`` or ``from … import`` in the file names (each dotted part, too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            names.update(module.split("."))
    return names


def test_no_python_test_module_imports_another() -> None:
    modules = python_test_modules()
    assert len(modules) > 50  # the walk found the test modules
    test_names = {path.stem for path in modules}
    offenders = {
        str(path.relative_to(TESTS)): sorted(name for name in imported_names(path) if name in test_names)
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_node_test_imports_another() -> None:
    modules = sorted(path for path in (TESTS / "pwa").rglob("*.mjs") if NODE_TEST.search(path.name))
    assert len(modules) > 10
    offenders = {
        str(path.relative_to(TESTS)): [
            spec for spec in NODE_IMPORT.findall(path.read_text(encoding="utf-8")) if NODE_TEST.search(spec)
        ]
        for path in modules
    }
    assert {path: specs for path, specs in offenders.items() if specs} == {}


def test_the_import_check_sees_an_import_of_a_test_module(tmp_path: Path) -> None:
    # The check above cannot pass by missing the very imports it looks for.
    sample = tmp_path / "test_sample.py"
    sample.write_text("from test_person_join_by_qr import read\nimport browser.test_app_conflicts\n")
    assert {"test_person_join_by_qr", "test_app_conflicts"} <= imported_names(sample)
    assert NODE_IMPORT.findall("import { a } from './merge_race.test.mjs';") == ["./merge_race.test.mjs"]
