"""The ids of the directory's documents: every ``account:…``, ``device:…``, ``membership:…`` is built here.

Each kind of document has one id function, and each listing one key range (``…_prefix``): an id's parts are
what its listings need, so a listing is a key-range read of the ``_all_docs`` index that every store keeps.

- ``plan:<plan>``, ``account:<account>``, ``device:<device>``, ``org:<org>``, ``keys:<plan>``,
  ``invite:<invite>``, ``enrolment:<sha-256 of the code>``, ``audit:<time>:<random>``: one document each.
- ``membership:<plan>:<account>``: an account's membership of a plan (the plan's members are one range).
- ``excluded:<plan>:<device>``: a device no longer served one plan.
- ``join-code:<lookup>``: a join code's box (docs/crypto.md §21), and ``join-code-of:<invite>:<lookup>``, so that
  the boxes of an invite are one range (they are deleted when it is redeemed).
- ``plan-of:<account>:<plan>`` and ``device-of:<account>:<device>``: index entries, so that an account's plans
  and an account's devices are each one range too. An entry only points at the document it names, which stays
  the source of truth (see :mod:`alongside.server.directory_indexes`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

# Every id the directory draws (plans, accounts, devices, invites): matched with ``fullmatch``.
ID_PATTERN = re.compile(r"[0-9a-f]{32}")
# The last id of a key range: after every id that starts with the range's prefix.
RANGE_END = "\ufff0"
ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 12

PLAN_PREFIX = "plan:"
DEVICE_PREFIX = "device:"
MEMBERSHIP_PREFIX = "membership:"
ORG_PREFIX = "org:"
PLAN_OF_PREFIX = "plan-of:"
DEVICE_OF_PREFIX = "device-of:"


@dataclass(frozen=True, slots=True)
class SingleIds:
    """Ids ``<kind>:<key>``: one document per key."""

    kind: str

    def doc_id(self, key: str) -> str:
        return self.kind + key


plan_doc_id = SingleIds(PLAN_PREFIX).doc_id
account_doc_id = SingleIds("account:").doc_id
device_doc_id = SingleIds(DEVICE_PREFIX).doc_id
org_doc_id = SingleIds(ORG_PREFIX).doc_id
keys_doc_id = SingleIds("keys:").doc_id  # the plan's current and retired key ids
invite_doc_id = SingleIds("invite:").doc_id
JOIN_CODE_PREFIX = "join-code:"
join_code_doc_id = SingleIds(JOIN_CODE_PREFIX).doc_id


def audit_doc_id(stamp: int, random_part: str) -> str:
    return f"audit:{stamp:012d}:{random_part}"


def draw_enrolment_code(random: Callable[[int], bytes]) -> str:
    """A one-time enrolment code: ``ENROLMENT_CODE_LENGTH`` characters drawn uniformly from
    ``ENROLMENT_ALPHABET``, in groups of four (``ABCD-EFGH-JKMN``).

    A random byte is used only below the largest multiple of the alphabet's size (rejection sampling), so
    no character is likelier than another (``byte % 31`` alone would favour the first ones).
    """
    size = len(ENROLMENT_ALPHABET)
    usable = 256 - 256 % size
    chosen: list[str] = []
    while len(chosen) < ENROLMENT_CODE_LENGTH:
        chosen += [ENROLMENT_ALPHABET[b % size] for b in random(ENROLMENT_CODE_LENGTH) if b < usable]
    code = "".join(chosen[:ENROLMENT_CODE_LENGTH])
    return "-".join(code[i : i + 4] for i in range(0, ENROLMENT_CODE_LENGTH, 4))


def normalise_enrolment_code(code: str) -> str:
    """An enrolment code as it is hashed: upper case, letters and digits only (dashes and spaces dropped)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def enrolment_doc_id(code: str) -> str:
    """The id of an enrolment code's document: the SHA-256 of the normalised code (the code is never kept)."""
    return "enrolment:" + hashlib.sha256(normalise_enrolment_code(code).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyedIds:
    """Ids ``<kind>:<owner>:<part>``: each owner's documents of this kind are one key range."""

    kind: str

    def prefix(self, owner: str) -> str:
        """The key range of ``owner``'s documents of this kind."""
        return f"{self.kind}{owner}:"

    def doc_id(self, owner: str, part: str) -> str:
        return self.prefix(owner) + part


MEMBERSHIPS = KeyedIds(MEMBERSHIP_PREFIX)  # owner: the plan; part: the account
EXCLUSIONS = KeyedIds("excluded:")  # owner: the plan; part: the device no longer served it
PLANS_OF = KeyedIds(PLAN_OF_PREFIX)  # owner: the account; part: a plan it is (or was) a member of
DEVICES_OF = KeyedIds(DEVICE_OF_PREFIX)  # owner: the account; part: a device of it (or being enrolled as one)
JOIN_CODES_OF = KeyedIds("join-code-of:")  # owner: the invite; part: the lookup id of a box that opens it
HANDOVERS = KeyedIds("handover:")  # owner: the plan; part: the pending worker invite the handover goes through

membership_doc_id, membership_prefix = MEMBERSHIPS.doc_id, MEMBERSHIPS.prefix
excluded_doc_id, excluded_prefix = EXCLUSIONS.doc_id, EXCLUSIONS.prefix
plan_of_doc_id, plans_of_prefix = PLANS_OF.doc_id, PLANS_OF.prefix
device_of_doc_id, devices_of_prefix = DEVICES_OF.doc_id, DEVICES_OF.prefix
join_code_of_doc_id, join_codes_of_prefix = JOIN_CODES_OF.doc_id, JOIN_CODES_OF.prefix
handover_doc_id, handovers_prefix = HANDOVERS.doc_id, HANDOVERS.prefix


def last_part(doc_id: str) -> str:
    """The last ``:``-separated part of an id: the device of ``device:…``, the plan of ``plan-of:…``."""
    return doc_id.rsplit(":", 1)[1]


def membership_parts(doc_id: str) -> tuple[str, str] | None:
    """``(plan, account)`` of a ``membership:<plan>:<account>`` id; ``None`` for any other id."""
    parts = doc_id.split(":")
    if len(parts) != 3 or parts[0] + ":" != MEMBERSHIP_PREFIX:
        return None
    return parts[1], parts[2]
