"""What a device reads out of a plan besides items: roles (docs/crypto.md §19), who may delete what, whose
agreement a record is, and whether words are still as they were said (docs/app.md "Who may do what",
"Agreements", "Items and provenance").

These are the reader's rules, applied by the Python plan client to versions it has opened and verified;
nothing here trusts the server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from alongside.crypto import DevicePublicKeys, b64u_decode, plan_id_for
from alongside.crypto.errors import CryptoError

from .plan_bodies import WORDS, content_hash, origin, values

STEWARD_ROLES = frozenset({"owner", "worker"})
OWN_RECORD_TYPES = frozenset({"device", "admission", "agreement"})


@dataclass(frozen=True)
class Role:
    """A device's role and access, and whether the plan itself proves it (docs/crypto.md §19.3)."""

    role: str
    access: str
    proven: bool = True

    @property
    def steward(self) -> bool:
        return self.role in STEWARD_ROLES


@dataclass(frozen=True)
class RosterEntry:
    """A counting roster entry (§19.1): at the device's roster id, signed by it, keys matching its id."""

    device_id: str
    keys: DevicePublicKeys
    name: str
    label: str
    plan_salt: str | None
    invite: Mapping[str, Any] | None


@dataclass(frozen=True)
class Admission:
    """An admission (§19.2) as written, before anyone decides whether its author could admit."""

    author: str
    device_id: str
    keys: DevicePublicKeys
    role: str
    access: str
    invite_id: str
    at: int


def roster_entry(author: str, body: Mapping[str, Any]) -> RosterEntry | None:
    """The roster entry a verified ``device`` body makes, if it describes its own author."""
    fields = values(body)
    try:
        keys = DevicePublicKeys.from_json(fields.get("keys"))
    except CryptoError:
        return None
    if body.get("type") != "device" or fields.get("device_id") != author or keys.device_id != author:
        return None
    salt = fields.get("plan_salt")
    invite = fields.get("invite")
    return RosterEntry(
        author,
        keys,
        str(fields.get("name", "")),
        str(fields.get("label", "")),
        salt if isinstance(salt, str) else None,
        invite if isinstance(invite, dict) else None,
    )


def admission(author: str, body: Mapping[str, Any]) -> Admission | None:
    """The admission a verified ``admission`` body records, if it is well formed."""
    fields = values(body)
    try:
        keys = DevicePublicKeys.from_json(fields.get("keys"))
    except CryptoError:
        return None
    if body.get("type") != "admission" or keys.device_id != fields.get("device_id"):
        return None
    at = body["f"]["role"]["at"] if "role" in body.get("f", {}) else 0
    return Admission(
        author,
        keys.device_id,
        keys,
        str(fields.get("role")),
        str(fields.get("access")),
        str(fields.get("invite_id")),
        at,
    )


def creator(plan_id: str, entries: Iterable[RosterEntry]) -> str | None:
    """The device whose roster entry's ``plan_salt`` yields the plan id (§4.1), if any."""
    for entry in entries:
        if entry.plan_salt is None:
            continue
        try:
            if plan_id_for(entry.keys.signing, b64u_decode(entry.plan_salt, 16, "plan salt")) == plan_id:
                return entry.device_id
        except CryptoError:
            continue
    return None


def plan_roles(
    plan_id: str, entries: Mapping[str, RosterEntry], admissions: Iterable[Admission], me: str, my_role: Role
) -> dict[str, Role]:
    """Roles as the smallest set closed under the creator, admissions by stewards and the device itself (§19.3)."""
    roles: dict[str, Role] = {me: my_role}
    started_by = creator(plan_id, entries.values())
    if started_by is not None:
        roles[started_by] = Role("worker", "write")
    pending = list(admissions)
    changed = True
    while changed:
        changed = False
        stewards = {device for device, role in roles.items() if role.steward}
        latest: dict[str, Admission] = {}
        for record in pending:
            if record.author in stewards and (
                record.device_id not in latest or record.at > latest[record.device_id].at
            ):
                latest[record.device_id] = record
        for device, record in latest.items():
            if device in (me, started_by):
                continue
            role = Role(record.role, record.access)
            if roles.get(device) != role:
                roles[device] = role
                changed = True
    return roles


def may_delete(
    author: str, item_type: str | None, remembered: Mapping[str, Any] | None, roles: Mapping[str, Role]
) -> bool:
    """Whether ``author`` may delete an item (docs/app.md "Who may do what"), judged on the version remembered."""
    if item_type == "version":
        return False
    typed_by = origin(remembered) if remembered is not None else None
    if item_type in OWN_RECORD_TYPES:
        return typed_by is not None and author == typed_by
    role = roles.get(author)
    return (role is not None and role.steward) or (typed_by is not None and author == typed_by)


@dataclass(frozen=True)
class AgreementRecord:
    """One agreement record as a reader sees it."""

    doc_id: str
    recorded_by: str  # the device whose field statement set ``value``
    party: str  # "self" or "person"
    value: str
    note: str
    at: int
    content: str
    current: bool  # it names the item's current words


@dataclass(frozen=True)
class Agreements:
    """Agreements with one item: the person's (or ``None``), others' own, and records refused as the person's."""

    person: AgreementRecord | None
    others: tuple[AgreementRecord, ...]
    refused: tuple[AgreementRecord, ...]


def agreement_record(doc_id: str, body: Mapping[str, Any], item_body: Mapping[str, Any]) -> AgreementRecord | None:
    """The record an ``agreement`` body makes about ``item_body`` (whose field statements were verified)."""
    fields = body.get("f", {})
    if body.get("type") != "agreement" or "value" not in fields or "item" not in fields:
        return None
    recorder = fields["value"]["dev"]
    if any(name not in fields or fields[name]["dev"] != recorder for name in ("item", "content", "for")):
        return None  # a record is one device's: every field that makes it set by the device that set the value
    plain = values(body)
    return AgreementRecord(
        doc_id,
        str(fields["value"]["dev"]),
        str(plain.get("for", "self")),
        str(plain["value"]),
        str(plain.get("note", "")),
        int(fields["value"]["at"]),
        str(plain.get("content", "")),
        plain.get("content") == content_hash(item_body),
    )


def read_agreements(records: Iterable[AgreementRecord], roles: Mapping[str, Role]) -> Agreements:
    """Whose agreement each record is (docs/app.md "Agreements"): per party, the latest by its ``value``'s time."""
    person: AgreementRecord | None = None
    own: dict[str, AgreementRecord] = {}
    refused: list[AgreementRecord] = []
    for record in records:
        role = roles.get(record.recorded_by)
        by_person = record.party == "self" and role is not None and role.role == "owner"
        for_person = record.party == "person" and role is not None and role.role == "worker"
        if by_person or for_person:
            if person is None or record.at > person.at:
                person = record
        elif record.party == "person":
            refused.append(record)
        elif record.recorded_by not in own or record.at > own[record.recorded_by].at:
            own[record.recorded_by] = record
    return Agreements(person, tuple(own.values()), tuple(refused))


@dataclass(frozen=True)
class Provenance:
    """What a card says about who said the words (docs/app.md "Items and provenance")."""

    said_by: str | None
    voice: str | None  # None once dropped
    typed_by: str | None
    changed_by: str | None
    changed_at: int | None
    confirmed: bool


def provenance(
    body: Mapping[str, Any], roles: Mapping[str, Role], person_agreement: AgreementRecord | None
) -> Provenance:
    """Said by, in whose words, and whether someone other than the person changed the words since."""
    fields = body.get("f", {})
    said = fields.get("said_by")
    said_at = said["at"] if said else 0
    changes = [
        fields[name]
        for name in WORDS.get(str(body.get("type")), ())
        if name in fields
        and fields[name]["at"] > said_at
        and not (roles.get(fields[name]["dev"]) and roles[fields[name]["dev"]].role == "owner")
    ]
    latest = max(changes, key=lambda field: field["at"]) if changes else None
    confirmed = latest is not None and person_agreement is not None and person_agreement.current
    voice = fields["voice"]["v"] if "voice" in fields else None
    return Provenance(
        said["v"] if said else None,
        voice if latest is None or confirmed else None,
        origin(body),
        latest["dev"] if latest else None,
        latest["at"] if latest else None,
        confirmed,
    )
