"""The community activities directory (issue 18): a 500-row CSV import with bad rows (each reported by its line,
the good rows imported once, a second import changing nothing), the HSDS 3.0 export validated against the
official schema files shipped in tests/hsds, who may read and change the directory, and the signed catalogue."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.testclient import TestClient
from support.altering_proxy import AlteringProxy
from support.api import Member, admin_cli, assert_api_error, create_plan, enrol, join, register_invite
from support.processes import TESTS, AlongsideServer, run_node
from support.server_plan import Organisation as RunningOrganisation
from support.server_plan import enrol as server_enrol

from alongside.crypto.catalogue import verify_catalogue
from alongside.server.activities_import import read_csv
from alongside.server.app import create_app
from alongside.server.cli import main as alongside_cli
from alongside.server.settings import Settings

HSDS_SCHEMA = Path(__file__).resolve().parents[1] / "hsds" / "schema"
DEVICE = TESTS / "server" / "js" / "activities_device.mjs"
ROWS = 500
# line (in the file) -> the start of the reason it must be reported with
BAD_ROWS = {
    41: "'name' is missing",
    97: "'xx' in 'days' is not a day of the week",
    150: "'free' must be yes or no",
    203: "'lat' and 'lon' go together",
    260: "'email' must be an email address",
    318: "'last_checked' must be a date",
    377: "'lon' must be between -180 and 180",
    433: "The same activity (id 'act-0007') is already on line 9",
    488: "'url' must be a web address",
}
HEADER = ["id", "name", "description", "when", "days", "where", "postcode", "lat", "lon", "cost", "free", "tags"]
HEADER += ["email", "url", "last_checked"]
# line -> (column, value) that makes the row starting on that line bad
BREAKERS = {
    41: ("name", ""),
    97: ("days", "xx"),
    150: ("free", "sometimes"),
    203: ("lon", ""),
    260: ("email", "not an address"),
    318: ("last_checked", "2026-02-30"),
    377: ("lon", "-203.5"),
    433: ("id", "act-0007"),
    488: ("url", "example.org"),
}


def activities_csv() -> str:
    """500 activities, one with a description over two lines, and the bad rows of :data:`BAD_ROWS`, with the line
    ends a spreadsheet writes (CR LF)."""
    draw = random.Random(18)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    line = 2
    for number in range(ROWS):
        row = {
            "id": f"act-{number:04d}",
            "name": f"Community group {number}",
            "description": "A weekly meet-up.\r\nAll welcome." if number == 10 else f"Group {number}, all welcome.",
            "when": "Weekly, 10:00 to 12:00",
            "days": draw.choice(["mo", "tu", "we", "th; sa", "fr", ""]),
            "where": f"Hall {number % 17}",
            "postcode": "cf10 1aa",
            "lat": f"51.{number:04d}",
            "lon": f"-3.{number:04d}",
            "cost": "Free" if number % 3 else "£2 a session",
            "free": "yes" if number % 3 else "no",
            "tags": draw.choice(["walking; outdoors", "music", "cooking;food", "crafts", ""]),
            "email": "",
            "url": "",
            "last_checked": "2026-10-01",
        }
        if line in BREAKERS:
            column, value = BREAKERS[line]
            row[column] = value
        writer.writerow([row[name] for name in HEADER])
        line += 2 if number == 10 else 1  # row 10's description takes two lines
    assert set(BREAKERS) <= set(range(2, line))
    return out.getvalue()


def run_cli(data: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """``alongside admin activities ARGS --json --data DATA`` in this process: its exit status and its JSON."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out):
        for name in [n for n in os.environ if n.startswith("ALONGSIDE_")]:
            patch.delenv(name)
        status = alongside_cli(["admin", "activities", *args, "--json", "--data", str(data)])
    return status, json.loads(out.getvalue())


@dataclass
class Organisation:
    client: TestClient
    data: Path
    admin: Member
    worker: Member


@pytest.fixture
def riverside(tmp_path: Path) -> Iterator[Organisation]:
    data = tmp_path / "data"
    admin_code = admin_cli(data, "init", "--org", "Riverside", "--name", "Admin")["code"]
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=data))) as client:
        yield Organisation(client, data, enrol(client, admin_code), enrol(client, worker_code))


def test_a_500_row_csv_import_takes_each_good_row_once_reports_each_bad_row_by_line_and_a_reimport_changes_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    admin_cli(data, "init", "--org", "Riverside", "--name", "Admin")
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    file = tmp_path / "activities.csv"
    file.write_text(activities_csv(), encoding="utf-8")
    good = ROWS - len(BAD_ROWS)

    status, first = run_cli(data, "import", str(file))
    assert status == 1  # some rows were bad: said in the exit status, the good ones imported all the same
    assert [problem["line"] for problem in first["errors"]] == sorted(BAD_ROWS)
    for problem in first["errors"]:
        assert problem["reason"].startswith(BAD_ROWS[problem["line"]]), problem
    assert (first["added"], first["updated"], first["unchanged"], first["version"]) == (good, 0, 0, 1)

    status, again = run_cli(data, "import", str(file))
    assert status == 1 and again["errors"] == first["errors"]
    assert (again["added"], again["updated"], again["unchanged"], again["version"]) == (0, 0, good, 1)

    with TestClient(create_app(Settings(data_dir=data))) as client:
        worker = enrol(client, worker_code)
        answer = client.get("/api/v1/activities", headers=worker.auth)
        assert answer.status_code == 200, answer.text
        signed = answer.json()
    catalogue = verify_catalogue(signed, signed["key"])
    assert catalogue["version"] == 1 and len(catalogue["activities"]) == good
    by_id = {activity["id"]: activity for activity in catalogue["activities"]}
    assert len(by_id) == good and "act-0007" in by_id  # the first of the two rows with this id, not half of either
    assert by_id["act-0010"]["description"] == "A weekly meet-up.\nAll welcome."
    assert by_id["act-0003"]["postcode"] == "CF10 1AA" and by_id["act-0003"]["free"] is False


def _hsds_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for one HSDS 3.0 schema file, its ``$ref``s resolved among the shipped files."""
    resources = [
        (
            path.name,
            Resource.from_contents(json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012),
        )
        for path in HSDS_SCHEMA.glob("*.json")
    ]
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((HSDS_SCHEMA / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


WALK = {
    "name": "Riverside walking group",
    "description": "A gentle walk, then tea.",
    "when": "Thursdays 10:00",
    "days": ["th", "mo"],
    "where": "Library steps",
    "lat": "51.4816",
    "lon": "-3.1791",
    "cost": "Free",
    "free": True,
    "accessibility": "Flat paths, benches.",
    "phone": "029 2000 0000",
    "email": "walks@example.org",
    "url": "https://example.org/walks",
    "languages": ["en", "cy"],
    "tags": ["walking", "outdoors"],
    "last_checked": "2026-11-02",
}


def test_the_hsds_export_validates_against_the_hsds_3_schema_and_imports_back(
    riverside: Organisation, tmp_path: Path
) -> None:
    client, admin = riverside.client, riverside.admin
    choir = {"name": "Côr y Cwm", "days": ["we"], "languages": ["cy"], "tags": ["music"]}
    for activity_id, body in (("walk", WALK), ("choir", choir), ("foodbank", {"name": "Food bank"})):
        saved = client.put(f"/api/v1/activities/{activity_id}", json=body, headers=admin.auth)
        assert saved.status_code == 201, saved.text
    answer = client.get("/api/v1/activities/export", params={"format": "hsds"}, headers=admin.auth)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total_items"] == 3 and len(page["contents"]) == 3
    service_schema = _hsds_validator("service.json")
    for service in page["contents"]:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in service_schema.iter_errors(service)]
        assert errors == [], errors
    walk = next(service for service in page["contents"] if service["name"] == WALK["name"])
    assert walk["schedules"][0]["byday"] == "MO,TH"
    assert walk["service_at_locations"][0]["location"]["latitude"] == 51.4816
    assert walk["cost_options"][0]["amount"] == 0

    # The export imports back (into another organisation's store) as the same activities, under HSDS ids.
    file = tmp_path / "hsds.json"
    file.write_text(answer.text, encoding="utf-8")
    other = tmp_path / "other"
    admin_cli(other, "init", "--org", "Elsewhere", "--name", "Admin")
    status, report = run_cli(other, "import", str(file), "--format", "hsds")
    assert (status, report["added"], report["errors"]) == (0, 3, [])
    status, again = run_cli(other, "import", str(file), "--format", "hsds")
    assert (again["added"], again["unchanged"]) == (0, 3)
    out = io.StringIO()
    with redirect_stdout(out):
        assert alongside_cli(["admin", "activities", "export", "--data", str(other)]) == 0
    imported = {a["name"]: a for a in json.loads(out.getvalue())["activities"]}
    original = {
        a["name"]: a for a in client.get("/api/v1/activities", headers=admin.auth).json()["catalogue"]["activities"]
    }
    for name, activity in original.items():
        # everything but the id, and the postcode (HSDS has no place for a postcode without a street address)
        assert {**imported[name], "id": "", "postcode": ""} == {**activity, "id": "", "postcode": ""}


def test_only_admins_change_or_export_activities_and_only_the_organisations_devices_read_them(
    riverside: Organisation,
) -> None:
    client, admin, worker = riverside.client, riverside.admin, riverside.worker
    saved = client.put("/api/v1/activities/walk", json=WALK, headers=admin.auth)
    assert saved.status_code == 201 and saved.json()["version"] == 1
    same = client.put("/api/v1/activities/walk", json=WALK, headers=admin.auth)
    assert same.status_code == 200 and same.json()["version"] == 1  # nothing changed: no new version
    changed = client.put("/api/v1/activities/walk", json={**WALK, "when": "Fridays"}, headers=admin.auth)
    assert changed.status_code == 200 and changed.json()["version"] == 2

    assert_api_error(client.put("/api/v1/activities/walk", json=WALK, headers=worker.auth), 403, "forbidden")
    assert_api_error(client.delete("/api/v1/activities/walk", headers=worker.auth), 403, "forbidden")
    assert_api_error(client.get("/api/v1/activities/export", headers=worker.auth), 403, "forbidden")
    wrong = client.put("/api/v1/activities/walk", json={**WALK, "lon": ""}, headers=admin.auth)
    assert_api_error(wrong, 400, "bad_request")
    assert wrong.json()["detail"] == "'lat' and 'lon' go together: give both or neither."
    assert_api_error(client.put("/api/v1/activities/Not_An_Id", json=WALK, headers=admin.auth), 404, "not_found")
    assert_api_error(client.delete("/api/v1/activities/nothing-here", headers=admin.auth), 404, "not_found")
    assert_api_error(client.get("/api/v1/activities/export?format=xml", headers=admin.auth), 400, "bad_request")

    # The person's own device (it joined a plan, it is no device of the organisation) does not get the directory.
    _plan, key = create_plan(client, worker)
    person = join(client, register_invite(client, worker, key, role="owner"))
    assert_api_error(client.get("/api/v1/activities", headers=person.auth), 403, "forbidden")
    assert_api_error(client.get("/api/v1/activities"), 401, "unauthorized")

    signed = client.get("/api/v1/activities", headers=worker.auth).json()
    assert verify_catalogue(signed, signed["key"])["activities"][0]["when"] == "Fridays"
    exported = client.get("/api/v1/activities/export", params={"format": "csv"}, headers=admin.auth)
    assert exported.headers["content-type"].startswith("text/csv")
    records, problems = read_csv(exported.text)
    assert problems == [] and records == signed["catalogue"]["activities"]

    removed = client.delete("/api/v1/activities/walk", headers=admin.auth)
    assert removed.status_code == 200 and removed.json() == {"ok": True, "id": "walk", "version": 3}
    after = client.get("/api/v1/activities", headers=worker.auth).json()
    assert after["catalogue"]["activities"] == [] and after["catalogue"]["version"] == 3
    assert after["key"] == signed["key"]  # the organisation keeps one catalogue key


def test_a_catalogue_altered_on_the_way_is_refused_by_the_device_which_keeps_its_last_good_copy(
    server: AlongsideServer, tmp_path: Path
) -> None:
    """Must-show 3 of issue 18: a real server, a proxy that alters one entry, and the app's own device code
    (pwa/src/data/activities.js, in Node) fetching through it."""
    server.admin("init", "--org", "Riverside", "--name", "Admin", "--json")
    admin = server_enrol(server, server.admin("add-worker", "--name", "Bea", "--admin", "--json")["code"])
    worker = server_enrol(server, server.admin("add-worker", "--name", "Ali", "--json")["code"])
    for activity_id, name in (("walk", "Walking group"), ("choir", "Choir")):
        saved = admin.client.put(f"/api/v1/activities/{activity_id}", json={**WALK, "name": name})
        assert saved.status_code == 201, saved.text
    token = worker.client.headers["Authorization"].removeprefix("Bearer ")
    (tmp_path / "device").mkdir()
    with AlteringProxy(server.url) as proxy:
        device = {"url": proxy.url, "token": token, "folder": str(tmp_path / "device")}
        first = run_node(DEVICE, input_json=device)
        assert first == {"result": {"status": "updated"}, "names": ["Choir", "Walking group"]}

        # The admin renames the choir; on the way, the proxy moves the walk somewhere else.
        renamed = admin.client.put("/api/v1/activities/choir", json={**WALK, "name": "Community choir"})
        assert renamed.status_code == 200, renamed.text
        proxy.alter("walk", "where", "The old quarry, after dark")
        refused = run_node(DEVICE, input_json=device)
        assert proxy.altered == 1
        assert refused["result"] == {"status": "refused", "reason": "signature"}
        assert refused["names"] == ["Choir", "Walking group"]  # the last good copy, as it was

        proxy.stop_altering()
        again = run_node(DEVICE, input_json=device)
        assert again == {"result": {"status": "updated"}, "names": ["Community choir", "Walking group"]}
    admin.client.close()
    worker.client.close()


def test_the_directory_is_kept_alike_on_both_storage_backends(
    organisation: RunningOrganisation, tmp_path: Path
) -> None:
    """The import, the signed catalogue and a removal on the embedded store and on CouchDB (the ``organisation``
    fixture of tests/server/conftest.py runs one server per backend)."""
    server = organisation.server
    file = tmp_path / "few.csv"
    file.write_text("id,name,days,tags\nwalk,Walking group,th,walking\nsing,Choir,we,music\n", "utf-8")
    assert server.admin("activities", "import", str(file), "--json")["added"] == 2
    assert server.admin("activities", "import", str(file), "--json")["unchanged"] == 2
    admin = server_enrol(server, server.admin("add-worker", "--name", "Bea", "--admin", "--json")["code"])
    assert admin.client.delete("/api/v1/activities/sing").status_code == 200
    signed = organisation.worker.client.get("/api/v1/activities").json()
    catalogue = verify_catalogue(signed, signed["key"])
    assert [a["name"] for a in catalogue["activities"]] == ["Walking group"] and catalogue["version"] == 2
    admin.client.close()
