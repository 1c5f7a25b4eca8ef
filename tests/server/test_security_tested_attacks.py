"""docs/security.md's tables of attacks (sections 9 and 10) name tests that exist.

Each "proven by" cell names test files and tests: ``tests/…/file::test_name``, ``…::test_name`` for the file
named last in the same cell, and bare file names (the file of that name named earlier in the table, else
the only file of that name under ``tests/``). A test renamed or removed without the table following fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECURITY = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
REFERENCE = re.compile(r"`((?:tests/[\w/]+/)?\w+\.(?:py|mjs)|…)(?:::(\w+))?")


def section(number: int) -> str:
    start = SECURITY.index(f"\n## {number}. ")
    end = SECURITY.find("\n## ", start + 1)
    return SECURITY[start : end if end != -1 else len(SECURITY)]


def rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| attack")]


def resolve(name: str, known: dict[str, Path]) -> Path:
    if name.startswith("tests/"):
        path = ROOT / name
        known[path.name] = path
        return path
    if name in known:
        return known[name]
    found = sorted((ROOT / "tests").rglob(name))
    assert len(found) == 1, f"{name} is ambiguous or missing: {found}"
    known[name] = found[0]
    return found[0]


def references(number: int) -> list[tuple[Path, str | None]]:
    known: dict[str, Path] = {}
    found: list[tuple[Path, str | None]] = []
    for row in rows(section(number)):
        proven_by = row.rstrip(" |").rsplit(" | ", 1)[1]
        last: Path | None = None
        for file_name, test in REFERENCE.findall(proven_by):
            if file_name == "…":
                assert last is not None, f"'…' with no file before it in: {proven_by}"
                path = last
            else:
                path = last = resolve(file_name, known)
            found.append((path, test or None))
    return found


@pytest.mark.parametrize("number", [9, 10])
def test_every_test_the_table_names_exists(number: int) -> None:
    named = references(number)
    assert len(named) >= 15
    for path, test in named:
        assert path.exists(), f"docs/security.md section {number} names {path}, which does not exist"
        if test is not None:
            source = path.read_text(encoding="utf-8")
            assert re.search(rf"^(?:async )?def {test}\(", source, re.MULTILINE), f"{path.name} has no {test}"


def test_section_10_covers_every_limit_of_issue_14() -> None:
    text = section(10)
    for limit in (
        "ALONGSIDE_MAX_REVS_PER_ID",
        "ALONGSIDE_MAX_REVS_PER_REQUEST",
        "ALONGSIDE_MAX_LONGPOLLS_PER_DEVICE",
        "ALONGSIDE_MIN_HEARTBEAT_MS",
        "ALONGSIDE_MAX_JSON_DEPTH",
        "ALONGSIDE_HEADER_TIMEOUT_SECONDS",
        "ALONGSIDE_BODY_TIMEOUT_SECONDS",
        "ALONGSIDE_MAX_LOCAL_DOCUMENTS",
        "ALONGSIDE_MAX_LOCAL_DOCUMENT_BYTES",
        "ALONGSIDE_RATE_LIMIT_MAX_ADDRESSES",
        "Cache-Control: no-store",
    ):
        assert limit in text, limit
