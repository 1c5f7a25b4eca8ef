"""Taking the plan anywhere, from the read-back screen of the real app: a readable copy (one HTML file,
every section in plain words, people's words marked dir="auto", no scripts) that opens in a browser on
its own; and a FHIR R4 bundle (plan.fhir.json) for health and care services, which validates against
the official FHIR R4 JSON schema (tests/pwa/fhir_schema.mjs, ajv in Node) and carries the plan, while
the same file broken on purpose does not."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import (
    GOAL,
    PERSON,
    SCREENSHOTS,
    STEP,
    STRENGTH,
    TRIGGER,
    WORKING,
    add_strength,
    new_device,
    open_plan_file,
    open_section,
    save_plan_file,
    start_plan,
    write_whole_plan,
)

TESTS = Path(__file__).resolve().parents[1]
VALIDATOR = TESTS / "pwa" / "fhir_schema.mjs"
ARABIC = "أعرف كل خطوط الحافلات"


def whole_plan_with_arabic(browser: Browser, server: AlongsideServer) -> tuple[Page, str]:
    """A worker's tablet with every section of a plan written (see `write_whole_plan`), plus words in Arabic."""
    tablet = worker_device(browser, server)
    plan_id = start_plan(tablet, "Sam", "Getting out more")
    write_whole_plan(tablet, plan_id)
    open_section(tablet, plan_id, "strengths")
    add_strength(tablet, ARABIC)
    return tablet, plan_id


def validate_fhir(path: Path) -> subprocess.CompletedProcess[str]:
    """Run the FHIR R4 schema check (Node, ajv) on a file."""
    return subprocess.run(["node", str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_readable_copy_and_fhir_bundle_from_the_app(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    tablet, plan_id = whole_plan_with_arabic(chromium, alongside_server)
    open_section(tablet, plan_id, "readback")
    expect(tablet.locator(".item-text", has_text=ARABIC)).to_be_visible()

    # The readable copy: one HTML file, no scripts, every section, people's words marked dir="auto".
    with tablet.expect_download() as copy_info:
        tablet.get_by_role("button", name="Save a copy to read (web page)").click()
    copy = copy_info.value
    assert copy.suggested_filename.endswith(".html") and "Sam" not in copy.suggested_filename
    copy_path = tmp_path / "copy.html"
    copy.save_as(copy_path)
    expect(tablet.get_by_text("The copy is saved in your downloads.")).to_be_visible()
    html = copy_path.read_text()
    assert "<script" not in html.lower() and "src=" not in html and "href=" not in html
    assert "default-src 'none'" in html
    assert f'<p dir="auto" class="text">{ARABIC}</p>' in html
    assert "<title>Plan</title>" in html

    reader = new_device(chromium).new_page()
    reader.goto(copy_path.as_uri())
    expect(reader.get_by_role("heading", level=1)).to_have_text("Sam — Getting out more")
    for heading in ("Strengths", "What matters", "Goals", "My people", "Next steps", "Good news"):
        expect(reader.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    for words in (STRENGTH, WORKING, GOAL, PERSON, STEP, TRIGGER, ARABIC):
        expect(reader.get_by_text(words, exact=True).first).to_be_visible()
    expect(reader.locator("[data-type=goal]")).to_contain_text("4 / 10")
    expect(reader.locator("[data-type=strength]").first).to_contain_text("typed by Ali (work tablet)")
    expect(reader.locator("[data-type=strength]").first).to_contain_text(
        "Sam said they agree, recorded by Ali (work tablet)"
    )
    reader.screenshot(path=str(SCREENSHOTS / "23-readable-copy.png"), full_page=True)
    reader.context.close()

    # The FHIR bundle: plan.fhir.json, valid FHIR R4, with the plan in it.
    with tablet.expect_download() as fhir_info:
        tablet.get_by_role("button", name="For health and care services (FHIR)").click()
    fhir = fhir_info.value
    assert fhir.suggested_filename == "plan.fhir.json"
    fhir_path = tmp_path / "plan.fhir.json"
    fhir.save_as(fhir_path)
    checked = validate_fhir(fhir_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith("valid")

    bundle: dict[str, Any] = json.loads(fhir_path.read_text())
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    assert sorted(by_type) == ["CarePlan", "Goal", "Patient"]
    assert by_type["Patient"][0]["name"] == [{"text": "Sam"}]
    care_plan = by_type["CarePlan"][0]
    assert care_plan["title"] == "Getting out more"
    assert care_plan["status"] == "draft" and care_plan["intent"] == "plan"
    assert [a["detail"]["description"] for a in care_plan["activity"]] == [STEP]
    assert care_plan["activity"][0]["detail"]["scheduledPeriod"] == {"end": "2026-01-15"}
    assert care_plan["activity"][0]["detail"]["performer"] == [{"display": "Sam"}]
    notes = "\n".join(note["text"] for note in care_plan["note"])
    for words in (STRENGTH, WORKING, PERSON, TRIGGER, ARABIC):
        assert words in notes
    (goal,) = by_type["Goal"]
    assert goal["description"] == {"text": GOAL}
    assert goal["target"][0]["dueDate"] == "2026-03-01"
    assert care_plan["goal"] == [{"reference": f"urn:uuid:{goal['id']}"}]
    assert any("4 / 10" in note["text"] for note in goal["note"])

    # The validator really checks: the same file with a step status of ours (not FHIR's) fails.
    care_plan["activity"][0]["detail"]["status"] = "in_progress"
    broken = tmp_path / "broken.fhir.json"
    broken.write_text(json.dumps(bundle))
    refused = validate_fhir(broken)
    assert refused.returncode == 1
    assert "/activity/0/detail/status: must be equal to one of the allowed values" in refused.stdout


def save_copies(page: Page, plan_id: str, folder: Path) -> tuple[str, dict[str, Any]]:
    """The readable copy (less its "saved on" line) and the FHIR bundle (less its timestamp) of a plan, both
    saved into a new `folder`."""
    folder.mkdir()
    open_section(page, plan_id, "readback")
    with page.expect_download() as copy_info:
        page.get_by_role("button", name="Save a copy to read (web page)").click()
    copy_info.value.save_as(folder / "copy.html")
    with page.expect_download() as fhir_info:
        page.get_by_role("button", name="For health and care services (FHIR)").click()
    fhir_info.value.save_as(folder / "plan.fhir.json")
    html = re.sub(r'<p class="made">.*?</p>', "", (folder / "copy.html").read_text())
    bundle: dict[str, Any] = json.loads((folder / "plan.fhir.json").read_text())
    del bundle["timestamp"]
    return html, bundle


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_plan_file_opened_elsewhere_gives_exactly_the_same_plan(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    # Every section filled, agreed and kept as a version, plus Arabic words: saved as a locked file on one
    # device and opened on another, the plan reads the same to the last word, date, provenance and
    # agreement (the readable copy and the FHIR bundle of each, compared whole).
    tablet, plan_id = whole_plan_with_arabic(chromium, alongside_server)
    before = save_copies(tablet, plan_id, tmp_path / "before")

    plan_file = save_plan_file(tablet, "blue kettle on sunday", tmp_path)

    other = worker_device(chromium, alongside_server, name="Bea", label="office laptop")
    open_plan_file(other, plan_file, "blue kettle on sunday")
    expect(other.get_by_role("heading", name="The plan")).to_be_visible(timeout=20_000)
    after = save_copies(other, plan_id, tmp_path / "after")

    assert after[0] == before[0]
    assert after[1] == before[1]
    assert ARABIC in after[0] and "<strong>4</strong> / 10" in after[0]
    open_section(other, plan_id, "versions")
    expect(other.get_by_role("link", name=re.compile("^Version 1"))).to_be_visible()
