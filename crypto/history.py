"""Version order (spec §8.3): what a device shows as an item's current version, given what it remembers.

Pure functions, no I/O. The caller opens and verifies every leaf of a document (spec §7.4), classifies
it as a :class:`Leaf`, and calls :func:`judge_versions` with the :class:`VersionMemory` it keeps for
that document (``None`` the first time). It stores the returned memory, shows what ``current`` says,
tells people about ``reports``, and when ``restore`` is true re-seals the remembered version on top of
the winning revision (:func:`alongside.crypto.envelope.reseal_item`) if it has write access.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from .encoding import JSONValue
from .errors import FormatError
from .provenance import check_version_hash, check_version_number

LeafState = Literal["valid", "unsigned-removal", "unchecked"]
Current = Literal["winner", "memory", "none"]
Report = Literal["unchecked", "unsigned-removal", "rollback", "replay"]

LEAF_STATES: tuple[LeafState, ...] = ("valid", "unsigned-removal", "unchecked")
REPORT_ORDER: tuple[Report, ...] = ("unchecked", "unsigned-removal", "rollback", "replay")
MAX_OLD = 64
_MEMORY_MEMBERS = frozenset({"n", "vh", "deleted", "rev", "old"})
_LEAF_MEMBERS = frozenset({"rev", "state", "n", "vh", "deleted"})


def _check_rev(rev: object) -> str:
    if not isinstance(rev, str) or not rev:
        raise FormatError("a revision is a non-empty string")
    return rev


def _check_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise FormatError(f"{what} must be true or false")
    return value


@dataclass(frozen=True, slots=True)
class VersionMemory:
    """The newest version of one document a device has accepted (spec §8.3), kept on the device only.

    ``n`` and ``vh`` are its version number and hash, ``deleted`` whether it is a deletion, ``rev`` the
    revision it was found at, and ``old`` the hashes of the versions accepted before it (at most 64,
    newest first).
    """

    n: int
    vh: str
    deleted: bool
    rev: str
    old: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_version_number(self.n, allow_zero=True)
        check_version_hash(self.vh)
        _check_bool(self.deleted, "deleted")
        _check_rev(self.rev)
        old: object = self.old
        if not isinstance(old, (tuple, list)):
            raise FormatError("old must be a list of version hashes")
        if len(self.old) > MAX_OLD:
            raise FormatError(f"old holds at most {MAX_OLD} version hashes")
        object.__setattr__(self, "old", tuple(check_version_hash(vh, "an old version hash") for vh in self.old))

    def to_json(self) -> dict[str, JSONValue]:
        """``{"n", "vh", "deleted", "rev", "old": [...]}``: the form both implementations and the vectors use."""
        return {"n": self.n, "vh": self.vh, "deleted": self.deleted, "rev": self.rev, "old": list(self.old)}

    @classmethod
    def from_json(cls, value: object) -> VersionMemory:
        """Parse :meth:`to_json`'s form; ``FormatError`` on anything else."""
        if not isinstance(value, Mapping) or set(value) != _MEMORY_MEMBERS:
            raise FormatError("a version memory has exactly n, vh, deleted, rev and old")
        old = value["old"]
        if not isinstance(old, list):
            raise FormatError("old must be a list of version hashes")
        return cls(value["n"], value["vh"], value["deleted"], value["rev"], tuple(old))


@dataclass(frozen=True, slots=True)
class Leaf:
    """One leaf revision of a document, as the device classified it after opening it (spec §8.3).

    ``state`` is ``"valid"`` (opened and verified; a deletion also by a device allowed to delete the
    item), ``"unsigned-removal"`` (a bare tombstone, or a deletion that does not open, does not verify
    or whose author may not delete the item) or ``"unchecked"`` (a live leaf that does not open or
    whose signature does not verify). A valid leaf has its ``n`` and version hash ``vh``; for the other
    states they may be given and count for nothing.
    """

    rev: str
    state: LeafState
    n: int | None = None
    vh: str | None = None
    deleted: bool = False

    def __post_init__(self) -> None:
        _check_rev(self.rev)
        if self.state not in LEAF_STATES:
            raise FormatError("a leaf's state is valid, unsigned-removal or unchecked")
        _check_bool(self.deleted, "deleted")
        if self.state == "valid" and (self.n is None or self.vh is None):
            raise FormatError("a valid leaf has n and vh")
        if self.n is not None:
            check_version_number(self.n, allow_zero=True)
        if self.vh is not None:
            check_version_hash(self.vh)

    def to_json(self) -> dict[str, JSONValue]:
        """``{"rev", "state", "n", "vh", "deleted"}`` (``n`` and ``vh`` may be null), as in the vectors."""
        return {"rev": self.rev, "state": self.state, "n": self.n, "vh": self.vh, "deleted": self.deleted}

    @classmethod
    def from_json(cls, value: object) -> Leaf:
        """Parse :meth:`to_json`'s form (``n``, ``vh`` and ``deleted`` may be left out)."""
        if not isinstance(value, Mapping) or not {"rev", "state"} <= set(value) <= _LEAF_MEMBERS:
            raise FormatError("a leaf has rev and state, and optionally n, vh and deleted")
        state = value["state"]
        if state not in LEAF_STATES:
            raise FormatError("a leaf's state is valid, unsigned-removal or unchecked")
        return cls(value["rev"], state, value.get("n"), value.get("vh"), value.get("deleted", False))


@dataclass(frozen=True, slots=True)
class Judgement:
    """The outcome of :func:`judge_versions`.

    ``current``: ``"winner"`` (show the winning leaf), ``"memory"`` (keep showing the remembered
    version) or ``"none"`` (the item is gone). ``reports``: what to tell people, a subset of
    ``("unchecked", "unsigned-removal", "rollback", "replay")`` in that order. ``memory``: the memory to
    keep from now on (``None`` while there is none). ``restore``: re-seal the remembered version as a new
    revision on top of the winner (true exactly for a rollback). ``replays``: the revisions of the
    leaves that are replays, in the order given; they are never shown or merged as content.
    """

    current: Current
    reports: tuple[Report, ...]
    memory: VersionMemory | None
    restore: bool
    replays: tuple[str, ...]

    def to_json(self) -> dict[str, JSONValue]:
        """``{"current", "reports", "restore", "replays", "memory"}``, as a vector's ``expect``."""
        return {
            "current": self.current,
            "reports": list(self.reports),
            "restore": self.restore,
            "replays": list(self.replays),
            "memory": None if self.memory is None else self.memory.to_json(),
        }


def _ordered(reports: set[Report]) -> tuple[Report, ...]:
    return tuple(report for report in REPORT_ORDER if report in reports)


def _remember(winner: Leaf, previous: VersionMemory | None) -> VersionMemory:
    assert winner.n is not None and winner.vh is not None
    old: tuple[str, ...] = () if previous is None else ((previous.vh, *previous.old))[:MAX_OLD]
    return VersionMemory(winner.n, winner.vh, winner.deleted, winner.rev, old)


def judge_versions(memory: VersionMemory | None, winner: Leaf, leaves: Sequence[Leaf]) -> Judgement:
    """Decide what a device shows for one document (spec §8.3, steps 0-8).

    ``memory`` is what the device remembers of the document (``None`` if nothing yet), ``winner`` the
    winning leaf (CouchDB's winner) and ``leaves`` every current leaf, the winner included (each
    revision once). Raises ``FormatError`` for arguments of the wrong kind.

    Step 5 (concurrent) is checked before step 6 (newer): while the remembered version is still a valid
    leaf, a non-replayed winner is concurrent even when its ``n`` is higher (someone edited the winning
    leaf of a conflict this device's own edit lost); taking it as newer would push the remembered version
    into ``old``, and this device's own unmerged edit would later count as a replay. Step 7: a valid
    deletion newer than the remembered version beside a live winner is the application's "one device
    removed this, the other changed it" question, not a rollback. A restore (step 8) is the
    application's to write: the remembered version merged with whatever the winner holds that it does
    not, so an edit made on an older branch that wins on revision generation is never overwritten.
    """
    if memory is not None and not isinstance(memory, VersionMemory):
        raise FormatError("memory must be a VersionMemory or None")
    if not isinstance(winner, Leaf) or not isinstance(leaves, Sequence):
        raise FormatError("winner must be a Leaf and leaves a sequence of Leaf")
    revs = [leaf.rev for leaf in leaves if isinstance(leaf, Leaf)]
    if len(revs) != len(leaves) or len(set(revs)) != len(revs):
        raise FormatError("leaves must be Leaf objects with distinct revisions")
    if winner not in leaves:
        raise FormatError("the winner must be one of the leaves")

    # Step 1: a valid leaf whose version hash the memory lists as older is a replay.
    old = set(memory.old) if memory is not None else set()
    replays = tuple(leaf.rev for leaf in leaves if leaf.state == "valid" and leaf.vh in old)
    winner_is_replay = winner.rev in replays
    reports: set[Report] = {"replay"} if replays else set()

    def judged(current: Current, kept: VersionMemory | None, restore: bool = False) -> Judgement:
        return Judgement(current, _ordered(reports), kept, restore, replays)

    # Step 0: an unchecked winner never becomes current over a remembered version, nor the memory.
    if winner.state == "unchecked":
        reports.add("unchecked")
        return judged("memory" if memory is not None else "winner", memory)
    # Step 2: an unsigned removal keeps the remembered version, unless there is none or it is a deletion.
    if winner.state == "unsigned-removal":
        if memory is None or memory.deleted:
            return judged("none", memory)
        reports.add("unsigned-removal")
        return judged("memory", memory)
    # Step 3: nothing remembered yet.
    if memory is None:
        return judged("winner", _remember(winner, None))
    # Step 4: the remembered version itself (perhaps re-sealed: the memory follows it to its revision).
    if winner.vh == memory.vh:
        return judged("winner", replace(memory, rev=winner.rev, deleted=winner.deleted))
    if not winner_is_replay:
        assert winner.n is not None
        # Step 5: concurrent with the remembered version, which is still a leaf.
        if any(leaf.state == "valid" and leaf.vh == memory.vh for leaf in leaves):
            return judged("winner", memory)
        # Step 6: a newer version.
        if winner.n > memory.n:
            return judged("winner", _remember(winner, memory))
        # Step 7: a signed deletion newer than the remembered version beside a live winner (an edit met a
        # deletion; CouchDB lets the live leaf win). Concurrent: the application asks which to keep.
        if any(leaf.state == "valid" and leaf.deleted and (leaf.n or 0) > memory.n for leaf in leaves):
            return judged("winner", memory)
    # Step 8: a rollback.
    reports.discard("replay")
    reports.add("rollback")
    return judged("memory", memory, restore=True)
