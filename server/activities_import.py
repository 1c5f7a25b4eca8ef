"""Activities files: reading a CSV, JSON or HSDS file into activities (each bad row reported by its line, with a
plain reason), and writing the catalogue back out as CSV.

A row is taken whole or not at all: a row with any wrong field is reported and left out, the good rows are
imported (:meth:`activities.Activities.write`), and importing the same file again changes nothing.

- **CSV**: a header row naming some of :data:`activities.FIELDS` (``name`` is required), then one activity per
  row. Lists (``days``, ``languages``, ``tags``) are separated by ``;`` (or ``,``); ``free`` is yes or no. Lines
  are counted as a text editor counts them (the header is line 1; a quoted cell may span lines).
- **JSON**: ``{"activities": [...]}`` or a list of activity objects (what ``export --format json`` writes);
  each bad one is reported by its entry number (1 for the first).
- **HSDS**: HSDS 3.0 services (:mod:`hsds`), reported by entry number.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from .activities import FIELDS, ActivityError, activity_record
from .hsds import activity_from_hsds, services_of

FORMATS = ("csv", "json", "hsds")
Problem = dict[str, Any]


def format_of(path: str, given: str | None) -> str:
    """The format named, or the one the file name says (``.csv``; an HSDS file needs ``--format hsds``)."""
    if given:
        return given
    return "csv" if path.lower().endswith(".csv") else "json"


def _checked(
    place: Problem, raw: Mapping[str, object], seen: dict[str, Problem], records: list[dict[str, Any]]
) -> Problem | None:
    """``raw`` as a record appended to ``records``, or the problem with it."""
    try:
        record = activity_record(raw)
    except ActivityError as exc:
        return {**place, "reason": str(exc)}
    earlier = seen.get(record["id"])
    if earlier is not None:
        where = f"line {earlier['line']}" if "line" in earlier else f"entry {earlier['entry']}"
        return {**place, "reason": f"The same activity (id '{record['id']}') is already on {where}."}
    seen[record["id"]] = place
    records.append(record)
    return None


def read_csv(text: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The activities of a CSV file and the problems of its bad rows (``{"line", "reason"}``)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [{"line": 1, "reason": "The file is empty: the first line names the columns."}]
    except csv.Error as exc:
        return [], [{"line": 1, "reason": f"The header could not be read as CSV ({exc})."}]
    unknown = [name for name in header if name not in FIELDS]
    if unknown or "name" not in header or len(set(header)) != len(header):
        reason = (
            f"The column '{unknown[0]}' is not a field of an activity (the columns are: {', '.join(FIELDS)})."
            if unknown
            else "A column is named twice."
            if len(set(header)) != len(header)
            else "The first line must name a 'name' column."
        )
        return [], [{"line": 1, "reason": reason + " Nothing was imported."}]
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, Problem] = {}
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append({"line": line, "reason": f"This row could not be read as CSV ({exc})."})
            break
        place: Problem = {"line": line}
        line = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append({**place, "reason": f"This row has {len(row)} cells but the header names {len(header)}."})
            continue
        problem = _checked(place, dict(zip(header, row, strict=False)), seen, records)
        if problem is not None:
            problems.append(problem)
    return records, problems


def _read_entries(entries: list[object], *, hsds: bool) -> tuple[list[dict[str, Any]], list[Problem]]:
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, Problem] = {}
    for number, entry in enumerate(entries, start=1):
        place: Problem = {"entry": number}
        if not isinstance(entry, Mapping):
            problems.append({**place, "reason": "This entry is not an object."})
            continue
        problem = _checked(place, activity_from_hsds(entry) if hsds else entry, seen, records)
        if problem is not None:
            problems.append(problem)
    return records, problems


def read_json(text: str, *, hsds: bool = False) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The activities of a JSON (or HSDS JSON) file and the problems of its bad entries (``{"entry", "reason"}``)."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        return [], [{"line": exc.lineno, "reason": f"The file is not JSON ({exc.msg}). Nothing was imported."}]
    if hsds:
        entries = services_of(data)
        expected = "HSDS services (a page with 'contents', or a list of services)"
    else:
        entries = data.get("activities") if isinstance(data, Mapping) else data
        expected = "a list of activities, or an object with 'activities'"
    if not isinstance(entries, list):
        return [], [{"line": 1, "reason": f"The file does not hold {expected}. Nothing was imported."}]
    return _read_entries(entries, hsds=hsds)


def read_activities(text: str, file_format: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The activities of a file in ``file_format`` (:data:`FORMATS`) and the problems of its bad rows."""
    if file_format == "csv":
        return read_csv(text)
    return read_json(text, hsds=file_format == "hsds")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(part) for part in value)
    return str(value)


def write_csv(records: list[dict[str, Any]]) -> str:
    """The activities as CSV, one row each under a header of every field (what :func:`read_csv` reads back)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_cell(record[name]) for name in FIELDS])
    return out.getvalue()
