"""Vectors for the version order of spec §8.3: scenarios of leaves and what a device shows after each step.

Each step states its intended outcome (current, reports, restore) by hand; the generator checks that
``judge_versions`` agrees before it records the full expectation (with the memory and the replays).
"""

from __future__ import annotations

from typing import Any

from vector_inputs import Json, vhash

from alongside.crypto import FormatError, Judgement, Leaf, VersionMemory, judge_versions


def live(rev: str, label: str, n: int) -> Leaf:
    """A valid live version, hashed from its label."""
    return Leaf(rev, "valid", n, vhash(label))


def deletion(rev: str, label: str, n: int) -> Leaf:
    """A valid signed deletion."""
    return Leaf(rev, "valid", n, vhash(label), True)


def tombstone(rev: str) -> Leaf:
    """A bare tombstone (or any deletion that does not count): an unsigned removal."""
    return Leaf(rev, "unsigned-removal", None, None, True)


def unchecked(rev: str, label: str | None = None, n: int | None = None) -> Leaf:
    """A live leaf that did not open or verify (its n and hash, when known, count for nothing)."""
    return Leaf(rev, "unchecked", n, None if label is None else vhash(label))


Step = tuple[list[Leaf], str, str, tuple[str, ...], bool]


class Scenario:
    """Steps of one document on one device, memory carried from step to step."""

    def __init__(self, name: str, memory: VersionMemory | None = None) -> None:
        self.name = name
        self.start = memory
        self.memory = memory
        self.steps: list[Json] = []

    def step(
        self, leaves: list[Leaf], winner: str, current: str, reports: tuple[str, ...] = (), restore: bool = False
    ) -> Judgement:
        chosen = next(leaf for leaf in leaves if leaf.rev == winner)
        judgement = judge_versions(self.memory, chosen, leaves)
        got = (judgement.current, judgement.reports, judgement.restore)
        assert got == (current, reports, restore), f"{self.name}, step {len(self.steps) + 1}: {got}"
        self.steps.append(
            {"leaves": [leaf.to_json() for leaf in leaves], "winner": winner, "expect": judgement.to_json()}
        )
        self.memory = judgement.memory
        return judgement

    def to_json(self) -> Json:
        return {
            "name": self.name,
            "memory": None if self.start is None else self.start.to_json(),
            "steps": self.steps,
        }


def _honest() -> list[Scenario]:
    edits = Scenario("honest edits: each newer version becomes current and the memory")
    edits.step([live("1-a", "A", 1)], "1-a", "winner")
    edits.step([live("2-b", "B", 2)], "2-b", "winner")
    edits.step([live("3-c", "C", 3)], "3-c", "winner")
    same = Scenario("the remembered version at a new revision (re-sealed): nothing changes")
    same.step([live("1-a", "A", 1)], "1-a", "winner")
    same.step([live("2-a", "A", 1)], "2-a", "winner")
    concurrent = Scenario("concurrent edits, then a merge")
    concurrent.step([live("1-a", "A", 1)], "1-a", "winner")
    concurrent.step([live("2-b", "B", 2)], "2-b", "winner")
    concurrent.step([live("3-b", "B", 2), live("3-c", "C", 2)], "3-c", "winner")
    concurrent.step([live("4-m", "M", 3), deletion("4-s", "superseded C", 3)], "4-m", "winner")
    lower = Scenario("a concurrent version with a lower n while the remembered one is still a leaf")
    lower.step([live("1-a", "A", 1)], "1-a", "winner")
    lower.step([live("2-b", "B", 3)], "2-b", "winner")
    lower.step([live("2-b", "B", 3), live("2-z", "Z", 2)], "2-z", "winner")
    branch = Scenario(
        "this device's own edit lost a conflict and the other branch was edited again: still concurrent, never a replay"
    )
    branch.step([live("1-a", "A", 1)], "1-a", "winner")
    branch.step([live("2-a", "mine", 2)], "2-a", "winner")
    branch.step([live("2-a", "mine", 2), live("2-b", "theirs", 2)], "2-b", "winner")
    branch.step([live("2-a", "mine", 2), live("3-b", "theirs again", 3)], "3-b", "winner")
    branch.step([live("2-a", "mine", 2), live("3-b", "theirs again", 3)], "3-b", "winner")
    branch.step([live("4-m", "merged", 4), deletion("3-s", "superseded mine", 3)], "4-m", "winner")
    clash = Scenario("the remembered version was deleted on one branch while the other stayed live: concurrent")
    clash.step([live("1-a", "A", 1)], "1-a", "winner")
    clash.step([live("2-a", "theirs", 2), live("2-b", "remembered", 2)], "2-b", "winner")
    clash.step([live("2-a", "theirs", 2), deletion("3-b", "deleted", 3)], "2-a", "winner")
    clash.step([live("2-a", "theirs", 2), deletion("4-b", "kept: superseded", 4)], "2-a", "winner")
    clash.step([live("3-a", "edited after keeping", 3), deletion("4-b", "kept: superseded", 4)], "3-a", "winner")
    deleted = Scenario("a signed deletion becomes current")
    deleted.step([live("1-a", "A", 1)], "1-a", "winner")
    deleted.step([deletion("2-d", "D", 2)], "2-d", "winner")
    deleted.step([deletion("2-d", "D", 2)], "2-d", "winner")
    legacy = Scenario("a version 1 item edited under version 2")
    legacy.step([live("1-a", "legacy A", 0)], "1-a", "winner")
    legacy.step([live("2-b", "B", 1)], "2-b", "winner")
    older_branch = Scenario(
        "an edit from an older branch wins on revision generation beside a version this device never saw: judged "
        "a rollback (the application's restore merges it with the remembered version, so it is not lost)"
    )
    older_branch.step([live("1-a", "A", 1)], "1-a", "winner")
    older_branch.step([live("3-m", "M", 3)], "3-m", "winner")
    older_branch.step(
        [live("4-n", "newer", 4), live("9-e", "older branch edit", 3)], "9-e", "memory", ("rollback",), True
    )
    older_branch.step([live("10-x", "merged", 5), deletion("5-s", "superseded newer", 5)], "10-x", "winner")
    resealed = Scenario("a version re-sealed under a new key: the same version, the memory follows its revision")
    resealed.step([live("1-a", "A", 1)], "1-a", "winner")
    judgement = resealed.step([live("2-a", "A", 1)], "2-a", "winner")
    assert judgement.memory is not None and judgement.memory.rev == "2-a"
    return [edits, same, concurrent, lower, branch, clash, deleted, legacy, older_branch, resealed]


def _replays() -> list[Scenario]:
    winner = Scenario("an earlier envelope re-pushed as the winning revision: a rollback, restored")
    winner.step([live("1-a", "A", 1)], "1-a", "winner")
    winner.step([live("2-b", "B", 2)], "2-b", "winner")
    winner.step([live("3-a", "A", 1)], "3-a", "memory", ("rollback",), True)
    winner.step([live("4-b", "B", 2)], "4-b", "winner")
    conflict = Scenario("an earlier envelope as a conflict leaf: a replay, never merged")
    conflict.step([live("1-a", "A", 1)], "1-a", "winner")
    conflict.step([live("2-b", "B", 2)], "2-b", "winner")
    conflict.step([live("2-b", "B", 2), live("2-a", "A", 1)], "2-b", "winner", ("replay",))
    conflict.step([live("3-c", "C", 3), live("2-a", "A", 1)], "3-c", "winner", ("replay",))
    beside = Scenario("a replay wins while the remembered version is still a leaf: a rollback")
    beside.step([live("1-a", "A", 1)], "1-a", "winner")
    beside.step([live("2-b", "B", 2)], "2-b", "winner")
    beside.step([live("2-b", "B", 2), live("9-a", "A", 1)], "9-a", "memory", ("rollback",), True)
    unseen = Scenario("an older version never seen here wins and the remembered one is gone: a rollback")
    unseen.step([live("1-a", "A", 1)], "1-a", "winner")
    unseen.step([live("2-b", "B", 3)], "2-b", "winner")
    unseen.step([live("3-x", "X", 2)], "3-x", "memory", ("rollback",), True)
    same_n = Scenario("another version with the same n replaces the remembered one: a rollback")
    same_n.step([live("1-a", "A", 1)], "1-a", "winner")
    same_n.step([live("2-b", "B", 2)], "2-b", "winner")
    same_n.step([live("3-c", "C", 2)], "3-c", "memory", ("rollback",), True)
    old_deletion_leaf = Scenario(
        "an older version replaces the winner while only an older deletion is a leaf: a rollback"
    )
    old_deletion_leaf.step([live("1-a", "A", 1)], "1-a", "winner")
    old_deletion_leaf.step([live("3-m", "M", 3), deletion("3-s", "superseded", 3)], "3-m", "winner")
    old_deletion_leaf.step(
        [live("4-x", "X", 2), deletion("3-s", "superseded", 3)], "4-x", "memory", ("rollback",), True
    )
    undelete = Scenario("a live version replayed over a signed deletion: a rollback to the deletion")
    undelete.step([live("1-a", "A", 1)], "1-a", "winner")
    undelete.step([deletion("2-d", "D", 2)], "2-d", "winner")
    undelete.step([live("3-a", "A", 1)], "3-a", "memory", ("rollback",), True)
    old_deletion = Scenario("an old signed deletion as a conflict leaf is a replay")
    old_deletion.step([deletion("1-d", "D", 1)], "1-d", "winner")
    old_deletion.step([live("2-b", "B", 2)], "2-b", "winner")
    old_deletion.step([live("2-b", "B", 2), deletion("2-d", "D", 1)], "2-b", "winner", ("replay",))
    legacy = Scenario("a version 1 envelope replayed after a version 2 edit: a rollback")
    legacy.step([live("1-a", "legacy A", 0)], "1-a", "winner")
    legacy.step([live("2-b", "B", 1)], "2-b", "winner")
    legacy.step([live("3-a", "legacy A", 0)], "3-a", "memory", ("rollback",), True)
    return [winner, conflict, beside, unseen, same_n, old_deletion_leaf, undelete, old_deletion, legacy]


def _removals_and_unchecked() -> list[Scenario]:
    removal = Scenario("a bare tombstone over a remembered version: kept, then put back")
    removal.step([live("1-a", "A", 1)], "1-a", "winner")
    removal.step([tombstone("2-t")], "2-t", "memory", ("unsigned-removal",))
    removal.step([live("3-a", "A", 1)], "3-a", "winner")
    fresh = Scenario("a bare tombstone on a device that never saw the item: gone")
    fresh.step([tombstone("2-t")], "2-t", "none")
    fresh.step([live("3-a", "A", 1)], "3-a", "winner")
    after = Scenario("a bare tombstone after a signed deletion: gone")
    after.step([live("1-a", "A", 1)], "1-a", "winner")
    after.step([deletion("2-d", "D", 2)], "2-d", "winner")
    after.step([tombstone("3-t")], "3-t", "none")
    replayed = Scenario("a bare tombstone winning beside a replayed version")
    replayed.step([live("1-a", "A", 1)], "1-a", "winner")
    replayed.step([live("2-b", "B", 2)], "2-b", "winner")
    replayed.step([tombstone("3-t"), live("2-a", "A", 1)], "3-t", "memory", ("unsigned-removal", "replay"))
    bad_winner = Scenario("an unchecked winner: the remembered version stays, and its n counts for nothing")
    bad_winner.step([live("1-a", "A", 1)], "1-a", "winner")
    bad_winner.step([unchecked("2-u", "U", 99)], "2-u", "memory", ("unchecked",))
    bad_winner.step([live("3-b", "B", 2)], "3-b", "winner")
    first = Scenario("an unchecked winner with nothing remembered: shown, marked, not remembered")
    first.step([unchecked("1-u")], "1-u", "winner", ("unchecked",))
    first.step([live("2-a", "A", 1)], "2-a", "winner")
    both = Scenario("an unchecked winner beside a replay")
    both.step([live("1-a", "A", 1)], "1-a", "winner")
    both.step([live("2-b", "B", 2)], "2-b", "winner")
    both.step([unchecked("3-u"), live("2-a", "A", 1)], "3-u", "memory", ("unchecked", "replay"))
    loser = Scenario("an unchecked or unsigned losing leaf changes nothing")
    loser.step([live("1-a", "A", 1)], "1-a", "winner")
    loser.step([live("2-b", "B", 2), unchecked("2-u", "A", 1), tombstone("2-t")], "2-b", "winner")
    return [removal, fresh, after, replayed, bad_winner, first, both, loser]


def _capped() -> list[Scenario]:
    start = VersionMemory(65, vhash("v65"), False, "65-x", tuple(vhash(f"v{n}") for n in range(64, 0, -1)))
    cap = Scenario("old keeps the 64 most recent hashes, newest first", start)
    cap.step([live("66-x", "v66", 66)], "66-x", "winner")
    cap.step([live("66-x", "v66", 66), live("9-a", "v2", 2)], "66-x", "winner", ("replay",))
    cap.step([live("66-x", "v66", 66), live("9-b", "v1", 1)], "66-x", "winner")
    cap.step([live("70-r", "v1", 1)], "70-r", "memory", ("rollback",), True)
    return [cap]


def _invalid() -> list[Json]:
    a, b = live("1-a", "A", 1), live("2-b", "B", 2)
    memory = VersionMemory(1, vhash("A"), False, "1-a").to_json()
    cases: list[tuple[str, Any, Any, list[Any]]] = [
        ("the winner is not one of the leaves", memory, b.to_json(), [a.to_json()]),
        ("two leaves with one revision", memory, a.to_json(), [a.to_json(), {**b.to_json(), "rev": "1-a"}]),
        ("a valid leaf without a version hash", memory, {**a.to_json(), "vh": None}, [{**a.to_json(), "vh": None}]),
        ("a valid leaf without n", memory, {**a.to_json(), "n": None}, [{**a.to_json(), "n": None}]),
        ("an unknown leaf state", memory, {**a.to_json(), "state": "ok"}, [{**a.to_json(), "state": "ok"}]),
        ("a leaf with a negative n", memory, {**a.to_json(), "n": -1}, [{**a.to_json(), "n": -1}]),
        ("a leaf with a bad version hash", memory, {**a.to_json(), "vh": "A"}, [{**a.to_json(), "vh": "A"}]),
        ("a leaf with an empty revision", memory, {**a.to_json(), "rev": ""}, [{**a.to_json(), "rev": ""}]),
        (
            "a memory with 65 old hashes",
            {**memory, "old": [vhash(f"o{i}") for i in range(65)]},
            a.to_json(),
            [a.to_json()],
        ),
        ("a memory without old", {k: v for k, v in memory.items() if k != "old"}, a.to_json(), [a.to_json()]),
        ("a memory with a fractional n", {**memory, "n": 1.5}, a.to_json(), [a.to_json()]),
    ]
    out: list[Json] = []
    for name, mem, winner, leaves in cases:
        try:
            judge_versions(
                VersionMemory.from_json(mem), Leaf.from_json(winner), [Leaf.from_json(leaf) for leaf in leaves]
            )
        except FormatError:
            pass
        else:
            raise AssertionError(f"history vector {name!r} was accepted")
        out.append({"name": name, "memory": mem, "winner": winner, "leaves": leaves, "error": "FormatError"})
    return out


def history_vectors() -> Json:
    scenarios = [*_honest(), *_replays(), *_removals_and_unchecked(), *_capped()]
    return {
        "spec": "docs/crypto.md section 8.3",
        "generate": [],
        "verify": [scenario.to_json() for scenario in scenarios],
        "invalid": _invalid(),
    }
