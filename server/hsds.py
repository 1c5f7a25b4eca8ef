"""Open Referral HSDS 3.0 (the Human Services Data Specification): the field's open standard for directories of
services, which the activities directory exports and imports where the two fit (docs/api.md §16).

An activity becomes one HSDS ``service`` with its ``organization`` inlined, a ``schedule`` (``when`` as its
description, ``days`` as the iCal ``byday`` of a weekly schedule), a ``service_at_location`` holding a physical
``location`` (``where`` as its name, ``lat``/``lon``, ``accessibility``), ``phones``, ``languages``,
``cost_options`` (an amount of 0 when it is free), ``fees_description`` (``cost``), ``assured_date``
(``last_checked``) and one ``attribute`` per tag (a ``taxonomy_term`` of the ``alongside-tags`` taxonomy). The
export is a page of services as HSDS's API answers ``/services`` (``contents``, ``total_items``…).

Not mapped: ``postcode`` (an HSDS ``address`` needs a street, city, region and country, which the directory does
not keep), HSDS fields the directory has no place for (eligibility, funding, programs, service areas, required
documents, opening hours as times), and schedules other than weekly days.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

NAMESPACE = uuid.UUID("8d7e5b38-0b8c-4a55-9d54-6f3c1f1a7a10")  # Alongside's namespace for HSDS ids
TAG_TAXONOMY = "alongside-tags"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\n".join(parts)))


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def hsds_service(org: str, org_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """One activity as an HSDS 3.0 service."""
    activity = str(record["id"])
    service_id = activity if _is_uuid(activity) else _uuid(org, activity)
    org_id = _uuid(org)
    service: dict[str, Any] = {
        "id": service_id,
        "organization_id": org_id,
        "name": record["name"],
        "description": record["description"],
        "status": "active",
        "organization": {"id": org_id, "name": org_name, "description": org_name},
    }
    if record["url"]:
        service["url"] = record["url"]
    if record["email"]:
        service["email"] = record["email"]
    if record["cost"]:
        service["fees_description"] = record["cost"]
    if record["last_checked"]:
        service["assured_date"] = record["last_checked"]
    if record["phone"]:
        service["phones"] = [{"id": _uuid(service_id, "phone"), "number": record["phone"]}]
    if record["when"] or record["days"]:
        schedule: dict[str, Any] = {"id": _uuid(service_id, "schedule"), "service_id": service_id}
        if record["when"]:
            schedule["description"] = record["when"]
        if record["days"]:
            schedule.update(freq="WEEKLY", byday=",".join(day.upper() for day in record["days"]))
        service["schedules"] = [schedule]
    if record["where"] or record["lat"] or record["accessibility"]:
        location: dict[str, Any] = {"id": _uuid(service_id, "location"), "location_type": "physical"}
        if record["where"]:
            location["name"] = record["where"]
        if record["lat"]:
            location.update(latitude=float(record["lat"]), longitude=float(record["lon"]))
        if record["accessibility"]:
            location["accessibility"] = [
                {"id": _uuid(service_id, "accessibility"), "description": record["accessibility"]}
            ]
        service["service_at_locations"] = [
            {
                "id": _uuid(service_id, "service_at_location"),
                "service_id": service_id,
                "location_id": location["id"],
                "location": location,
            }
        ]
    if record["languages"]:
        service["languages"] = [
            {"id": _uuid(service_id, "language", code), "service_id": service_id, "code": code}
            for code in record["languages"]
        ]
    if record["free"]:
        service["cost_options"] = [{"id": _uuid(service_id, "cost"), "service_id": service_id, "amount": 0}]
    if record["tags"]:
        service["attributes"] = [
            {
                "id": _uuid(service_id, "tag", tag),
                "link_id": service_id,
                "link_type": "service",
                "link_entity": "service",
                "value": tag,
                "taxonomy_term": {
                    "id": _uuid(TAG_TAXONOMY, tag),
                    "name": tag,
                    "description": tag,
                    "taxonomy": TAG_TAXONOMY,
                },
            }
            for tag in record["tags"]
        ]
    return service


def hsds_page(org: str, org_name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Every activity as one page of HSDS services (the shape of HSDS's ``GET /services`` answer)."""
    services = [hsds_service(org, org_name, record) for record in records]
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
    }


def _first(value: object) -> Mapping[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return {}


def activity_from_hsds(service: Mapping[str, Any]) -> dict[str, object]:
    """What an HSDS service says about an activity, as the fields :func:`activities.activity_record` checks."""
    raw: dict[str, object] = {"id": service.get("id"), "name": service.get("name")}
    for hsds_name, name in (("description", "description"), ("url", "url"), ("email", "email")):
        if service.get(hsds_name):
            raw[name] = service[hsds_name]
    if service.get("fees_description"):
        raw["cost"] = service["fees_description"]
    elif service.get("fees"):
        raw["cost"] = service["fees"]
    if service.get("assured_date"):
        raw["last_checked"] = service["assured_date"]
    phone = _first(service.get("phones")).get("number")
    if phone:
        raw["phone"] = phone
    schedule = _first(service.get("schedules"))
    if schedule.get("description"):
        raw["when"] = schedule["description"]
    if schedule.get("byday") and schedule.get("freq", "WEEKLY") == "WEEKLY":
        raw["days"] = str(schedule["byday"])
    location = _first(service.get("service_at_locations")).get("location") or {}
    if isinstance(location, Mapping):
        if location.get("name"):
            raw["where"] = location["name"]
        if location.get("latitude") is not None and location.get("longitude") is not None:
            raw["lat"], raw["lon"] = location["latitude"], location["longitude"]
        access = _first(location.get("accessibility")).get("description")
        if access:
            raw["accessibility"] = access
    languages = service.get("languages")
    if isinstance(languages, list):
        raw["languages"] = [
            str(lang.get("code")) for lang in languages if isinstance(lang, Mapping) and lang.get("code")
        ]
    costs = service.get("cost_options")
    if isinstance(costs, list):
        raw["free"] = any(isinstance(c, Mapping) and c.get("amount") == 0 for c in costs)
    attributes = service.get("attributes")
    if isinstance(attributes, list):
        tags = []
        for attribute in attributes:
            term = attribute.get("taxonomy_term") if isinstance(attribute, Mapping) else None
            if isinstance(term, Mapping) and term.get("name"):
                tags.append(str(term["name"]))
        raw["tags"] = tags
    return raw


def services_of(data: object) -> list[object] | None:
    """The services of an HSDS file: a page (``contents``), a list of services, or one service; ``None`` if the
    file is none of these."""
    if isinstance(data, Mapping) and isinstance(data.get("contents"), list):
        return list(data["contents"])
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping) and "name" in data:
        return [data]
    return None
