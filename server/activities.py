"""The community activities directory: what an organisation knows is on around the people it supports.

An *activity* (a walking group, a food bank, a choir, a drop-in) is not personal data: the server keeps and reads
it. Each organisation's activities are documents of the ``activities`` database of the document store (so the
SQLite and CouchDB backends hold them alike), ``activity:<org>:<id>``, with one ``catalogue:<org>`` document that
counts the catalogue's versions and one ``signing-key:<org>`` document holding the organisation's catalogue key,
the Ed25519 seed the catalogue a device downloads is signed with (docs/crypto.md §22).

:func:`activity_record` turns what an admin gave (a JSON object, or one row of a CSV file as strings) into the one
stored form, or says in a plain sentence what is wrong; every field is always present, so the same activity is
always the same record, and importing a file again changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alongside.crypto.catalogue import CATALOGUE_VERSION, catalogue_public_key, sign_catalogue
from alongside.crypto.encoding import b64u_decode, b64u_encode
from alongside.sync.errors import Conflict, NotFound, PreconditionFailed
from alongside.sync.store import AllDocsRequest, DocumentRequest, DocumentStore, Json

from .directory_ids import RANGE_END

ACTIVITIES_DB = "activities"
ACTIVITY_ID = r"[a-z0-9][a-z0-9-]{0,63}"
ACTIVITY_ID_PATTERN = re.compile(ACTIVITY_ID)
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
TEXT_LIMITS = {
    "name": 120,
    "description": 2000,
    "when": 300,
    "where": 300,
    "postcode": 12,
    "cost": 200,
    "accessibility": 1000,
    "phone": 40,
    "email": 254,
    "url": 500,
}
FIELDS = (
    "id",
    "name",
    "description",
    "when",
    "days",
    "where",
    "postcode",
    "lat",
    "lon",
    "cost",
    "free",
    "accessibility",
    "phone",
    "email",
    "url",
    "languages",
    "tags",
    "last_checked",
)
MAX_LIST = 20
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
TAG = re.compile(r"[^\x00-\x1f\x7f-\x9f,;]{1,40}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
URL = re.compile(r"https?://[^\s]+")
PHONE = re.compile(r"[0-9+() .-]{3,40}")
DECIMAL = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,7})?")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WEEKDAYS = {
    **{code: code for code in DAYS},
    **dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), DAYS, strict=True)),
    **dict(zip(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), DAYS, strict=True)),
}


class ActivityError(ValueError):
    """What is wrong with an activity, in one plain sentence an admin can act on."""


def _text(raw: Mapping[str, object], name: str, *, lines: bool = False) -> str:
    value = raw.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ActivityError(f"'{name}' must be text.")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()  # line ends as a Windows editor writes them
    if len(value) > TEXT_LIMITS[name]:
        raise ActivityError(f"'{name}' is longer than {TEXT_LIMITS[name]} characters.")
    if CONTROL.search(value) or (not lines and ("\n" in value or "\r" in value or "\t" in value)):
        raise ActivityError(f"'{name}' has characters that cannot be shown (control characters or line breaks).")
    return value


def _list(raw: Mapping[str, object], name: str) -> list[str]:
    value = raw.get(name, [])
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[;,]", value)
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise ActivityError(f"'{name}' must be a list of words (or text separated by ; or ,).")
    parts = [part.strip() for part in value if part.strip()]
    if len(parts) > MAX_LIST:
        raise ActivityError(f"'{name}' has more than {MAX_LIST} entries.")
    return parts


def _days(raw: Mapping[str, object]) -> list[str]:
    days = set()
    for part in _list(raw, "days"):
        code = _WEEKDAYS.get(part.lower())
        if code is None:
            raise ActivityError(f"'{part}' in 'days' is not a day of the week (use mo, tu, we, th, fr, sa, su).")
        days.add(code)
    return [code for code in DAYS if code in days]


def _free(raw: Mapping[str, object]) -> bool:
    value = raw.get("free", False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("", "no", "false", "0", "n"):
        return False
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "1", "y"):
        return True
    raise ActivityError("'free' must be yes or no.")


def _coordinate(raw: Mapping[str, object], name: str, limit: int) -> str:
    value = raw.get(name, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:.7f}".rstrip("0").rstrip(".")
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not DECIMAL.fullmatch(value.strip()):
        raise ActivityError(f"'{name}' must be a decimal number of degrees, such as 51.4816.")
    number = float(value)
    if not -limit <= number <= limit:
        raise ActivityError(f"'{name}' must be between -{limit} and {limit}.")
    return value.strip()


def _last_checked(raw: Mapping[str, object]) -> str:
    value = raw.get("last_checked", "")
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise ActivityError("'last_checked' must be a date written as YYYY-MM-DD.")
    try:
        return datetime.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise ActivityError("'last_checked' must be a date written as YYYY-MM-DD.") from None


def derived_activity_id(name: str, where: str) -> str:
    """The id of an activity given without one: from its name and place, so that importing it again finds it."""
    key = f"{name.casefold()}\n{where.casefold()}".encode()
    return "a-" + hashlib.sha256(key).hexdigest()[:24]


def activity_record(raw: Mapping[str, object], *, activity_id: str | None = None) -> dict[str, Any]:
    """The stored form of one activity (every field present, in one normal form); ``ActivityError`` if any field is
    wrong. ``activity_id`` (from an API path) wins over an ``id`` in ``raw``."""
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ActivityError(f"'{unknown[0]}' is not a field of an activity.")
    name = _text(raw, "name")
    if not name:
        raise ActivityError("'name' is missing: every activity needs a name.")
    where = _text(raw, "where")
    given = activity_id if activity_id is not None else raw.get("id") or ""
    if not isinstance(given, str):
        raise ActivityError("'id' must be text.")
    given = given.strip().lower()
    if given and not ACTIVITY_ID_PATTERN.fullmatch(given):
        raise ActivityError("'id' must be 1 to 64 lower-case letters, digits or dashes.")
    record: dict[str, Any] = {
        "id": given or derived_activity_id(name, where),
        "name": name,
        "description": _text(raw, "description", lines=True),
        "when": _text(raw, "when"),
        "days": _days(raw),
        "where": where,
        "postcode": _text(raw, "postcode").upper(),
        "lat": _coordinate(raw, "lat", 90),
        "lon": _coordinate(raw, "lon", 180),
        "cost": _text(raw, "cost"),
        "free": _free(raw),
        "accessibility": _text(raw, "accessibility", lines=True),
        "phone": _text(raw, "phone"),
        "email": _text(raw, "email"),
        "url": _text(raw, "url"),
        "languages": sorted({part.lower() for part in _list(raw, "languages")}),
        "tags": sorted({part.lower() for part in _list(raw, "tags")}),
        "last_checked": _last_checked(raw),
    }
    if bool(record["lat"]) != bool(record["lon"]):
        raise ActivityError("'lat' and 'lon' go together: give both or neither.")
    if record["phone"] and not PHONE.fullmatch(record["phone"]):
        raise ActivityError("'phone' must be a phone number (digits, spaces, + and brackets).")
    if record["email"] and not EMAIL.fullmatch(record["email"]):
        raise ActivityError("'email' must be an email address, such as hello@example.org.")
    if record["url"] and not URL.fullmatch(record["url"]):
        raise ActivityError("'url' must be a web address starting with https:// or http://.")
    for language in record["languages"]:
        if not LANGUAGE.fullmatch(language):
            raise ActivityError(f"'{language}' in 'languages' is not a language code (such as en, cy or ar).")
    for tag in record["tags"]:
        if not TAG.fullmatch(tag):
            raise ActivityError(f"'{tag}' in 'tags' is not a tag of 1 to 40 characters.")
    return record


@dataclass
class ImportReport:
    """What an import did: how many activities were added, changed and already as given, and each bad row."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    version: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "version": self.version,
        }


def activity_doc_id(org: str, activity_id: str) -> str:
    return f"activity:{org}:{activity_id}"


class Activities:
    """The activities of every organisation on top of any :class:`DocumentStore`."""

    def __init__(
        self,
        store: DocumentStore,
        *,
        clock: Callable[[], float] = time.time,
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.store = store
        self._clock = clock
        self._random = random

    async def ensure(self) -> None:
        """Create the ``activities`` database if it does not exist yet."""
        if not await self.store.database_exists(ACTIVITIES_DB):
            try:
                await self.store.create_database(ACTIVITIES_DB)
            except PreconditionFailed:
                pass

    async def _get(self, doc_id: str) -> Json | None:
        try:
            return await self.store.get_document(ACTIVITIES_DB, doc_id, DocumentRequest())
        except NotFound:
            return None

    async def _documents(self, org: str) -> dict[str, Json]:
        """The stored activity documents of ``org`` by activity id."""
        prefix = activity_doc_id(org, "")
        page = await self.store.all_docs(
            ACTIVITIES_DB, AllDocsRequest(start_key=prefix, end_key=prefix + RANGE_END, include_docs=True)
        )
        return {row["doc"]["record"]["id"]: row["doc"] for row in page["rows"] if row.get("doc")}

    async def list(self, org: str) -> list[dict[str, Any]]:
        """``org``'s activities, ordered by id."""
        return [doc["record"] for _, doc in sorted((await self._documents(org)).items())]

    async def version(self, org: str) -> int:
        doc = await self._get(f"catalogue:{org}")
        return int(doc["version"]) if doc else 0

    async def _next_version(self, org: str) -> int:
        """Count one more change of ``org``'s catalogue; the new version."""
        for _ in range(10):
            current = await self._get(f"catalogue:{org}") or {"_id": f"catalogue:{org}", "version": 0}
            updated = {**current, "version": int(current["version"]) + 1, "changed_at": int(self._clock())}
            [result] = await self.store.bulk_docs(ACTIVITIES_DB, [updated])
            if "error" not in result:
                return int(updated["version"])
        raise Conflict("The activities are being changed by someone else; try again.")

    async def write(self, org: str, records: Iterable[dict[str, Any]]) -> ImportReport:
        """Store ``records`` (each from :func:`activity_record`): new ones added, changed ones replaced, the same
        ones left alone; the catalogue's version goes up once if anything changed."""
        report = ImportReport()
        stored = await self._documents(org)
        docs: list[Json] = []
        for record in records:
            existing = stored.get(record["id"])
            if existing is not None and existing["record"] == record:
                report.unchanged += 1
                continue
            doc: Json = {"_id": activity_doc_id(org, record["id"]), "type": "activity", "org": org, "record": record}
            if existing is not None:
                doc["_rev"] = existing["_rev"]
                report.updated += 1
            else:
                report.added += 1
            docs.append(doc)
        failed = False
        for start in range(0, len(docs), 200):
            results = await self.store.bulk_docs(ACTIVITIES_DB, docs[start : start + 200])
            failed |= any("error" in result for result in results)
        # A new version even when some writes failed: devices fetch again what did change.
        report.version = await self._next_version(org) if docs else await self.version(org)
        if failed:
            raise Conflict("Some activities were changed by someone else meanwhile; run the import again.")
        return report

    async def put(self, org: str, record: dict[str, Any]) -> tuple[bool, int]:
        """Add or replace one activity; ``(created, version)``."""
        report = await self.write(org, [record])
        return report.added == 1, report.version

    async def delete(self, org: str, activity_id: str) -> int:
        """Remove one activity (``NotFound`` if there is none); the new version."""
        doc = await self._get(activity_doc_id(org, activity_id))
        if doc is None:
            raise NotFound("No such activity.")
        [result] = await self.store.bulk_docs(
            ACTIVITIES_DB, [{"_id": doc["_id"], "_rev": doc["_rev"], "_deleted": True}]
        )
        if "error" in result:
            raise Conflict("This activity was changed by someone else meanwhile; try again.")
        return await self._next_version(org)

    async def signing_key(self, org: str) -> bytes:
        """The organisation's catalogue key (an Ed25519 seed), made the first time it is needed."""
        doc_id = f"signing-key:{org}"
        for _ in range(3):
            doc = await self._get(doc_id)
            if doc is not None:
                return b64u_decode(doc["seed"], 32, "catalogue key")
            seed = self._random(32)
            [result] = await self.store.bulk_docs(
                ACTIVITIES_DB, [{"_id": doc_id, "type": "signing-key", "seed": b64u_encode(seed)}]
            )
            if "error" not in result:
                return seed
        raise Conflict("The catalogue key could not be read; try again.")

    async def public_key(self, org: str) -> str:
        return catalogue_public_key(await self.signing_key(org))

    async def signed_catalogue(self, org: str) -> dict[str, Any]:
        """``org``'s catalogue as devices download it: ``{"catalogue", "key", "sig"}`` (docs/crypto.md §22)."""
        catalogue = {
            "v": CATALOGUE_VERSION,
            "org": org,
            "version": await self.version(org),
            "issued_at": int(self._clock()),
            "activities": await self.list(org),
        }
        return sign_catalogue(catalogue, await self.signing_key(org))
