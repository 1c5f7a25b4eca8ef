"""Property tests of the version order (spec §8.3): random edit histories with replays and tombstones.

A model of one item: a revision tree of leaves (CouchDB picks the winner: live before deleted, then the
highest generation, then the highest revision id), honest devices that edit, edit at the same time,
merge and delete, and an attacker (a member or the server) who re-pushes earlier versions (on top of
the winner, or as a new branch that wins or loses), pushes bare tombstones and unreadable versions.
Three devices keep their own memory and judge the item when they look; the two with write access
re-seal the remembered version after a rollback (and the first also puts back an unsigned removal).

The true history is known to the model: a version is older than another when it is among its
ancestors. The properties: no device shows an older version than the one it remembers as current
without a report (unless the remembered version, or a signed deletion newer than it, is still among
the leaves: that is concurrent, and the device shows it beside the winner); a device's memory never
goes back (its ``n`` never decreases, and once it has one it keeps one); an unchecked or unsigned leaf
never becomes the memory; honest histories never cause a report; and any earlier version a device
accepted is caught when it comes back, as a winner (a rollback, restored) or as a conflict leaf.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alongside.crypto import Judgement, Leaf, VersionMemory, b64u_encode, judge_versions, next_version

PROPERTIES = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WRITERS = (0, 1)  # device 2 has read access only


@dataclass(frozen=True)
class Version:
    """One signed version of the item in the true history."""

    label: str
    n: int
    vh: str
    deleted: bool
    ancestors: frozenset[str]


@dataclass
class LeafDoc:
    """A leaf of the revision tree: a version, a bare tombstone (None, deleted) or an unreadable forgery."""

    generation: int
    uid: int
    version: str | None
    kind: str = "version"  # "version", "tombstone" or "forged"

    @property
    def rev(self) -> str:
        return f"{self.generation}-{self.uid:06d}"


@dataclass
class Item:
    """The item as the shared replica holds it, its true history and each device's memory."""

    versions: dict[str, Version] = field(default_factory=dict)
    leaves: list[LeafDoc] = field(default_factory=list)
    memories: list[VersionMemory | None] = field(default_factory=lambda: [None, None, None])
    written: list[str] = field(default_factory=list)
    counter: int = 0
    reports: list[tuple[str, ...]] = field(default_factory=list)

    # --- the replica ---------------------------------------------------------------------------------------

    def new_version(self, n: int, parents: list[str], deleted: bool = False) -> str:
        self.counter += 1
        label = f"v{self.counter}"
        vh = b64u_encode(hashlib.sha256(label.encode()).digest())
        ancestors = frozenset().union(*(self.versions[p].ancestors | {p} for p in parents)) if parents else frozenset()
        self.versions[label] = Version(label, n, vh, deleted, ancestors)
        self.written.append(label)
        return label

    def new_leaf(self, generation: int, version: str | None, kind: str = "version") -> LeafDoc:
        self.counter += 1
        return LeafDoc(generation, self.counter, version, kind)

    def is_deleted(self, leaf: LeafDoc) -> bool:
        if leaf.kind == "tombstone":
            return True
        return leaf.kind == "version" and leaf.version is not None and self.versions[leaf.version].deleted

    def winner(self) -> LeafDoc:
        return max(self.leaves, key=lambda leaf: (not self.is_deleted(leaf), leaf.generation, leaf.uid))

    def as_leaf(self, leaf: LeafDoc) -> Leaf:
        if leaf.kind == "tombstone":
            return Leaf(leaf.rev, "unsigned-removal", None, None, True)
        if leaf.kind == "forged":
            return Leaf(leaf.rev, "unchecked")
        assert leaf.version is not None
        version = self.versions[leaf.version]
        return Leaf(leaf.rev, "valid", version.n, version.vh, version.deleted)

    def replace(self, old: LeafDoc, *new: LeafDoc) -> None:
        self.leaves = [leaf for leaf in self.leaves if leaf is not old] + list(new)

    def version_of_vh(self, vh: str) -> Version:
        return next(v for v in self.versions.values() if v.vh == vh)

    # --- devices -------------------------------------------------------------------------------------------

    def look(self, device: int) -> Judgement:
        """``device`` judges the item, the properties are checked, and a writer restores after a rollback."""
        before = self.memories[device]
        winner = self.winner()
        leaves = [self.as_leaf(leaf) for leaf in self.leaves]
        judgement = judge_versions(before, self.as_leaf(winner), leaves)
        after = judgement.memory
        self.reports.append(judgement.reports)
        if before is not None:
            assert after is not None and after.n >= before.n, "the memory went back"
            remembered = self.version_of_vh(before.vh)
            if judgement.current == "winner":
                assert winner.kind == "version" and winner.version is not None
                shown = self.versions[winner.version]
                # Concurrent: the remembered version, or a signed deletion newer than it, is still a leaf,
                # and the device shows it beside the winner (merged, or "one device removed this").
                concurrent = any(
                    leaf.state == "valid" and (leaf.vh == before.vh or (leaf.deleted and (leaf.n or 0) > before.n))
                    for leaf in leaves
                )
                if shown.label in remembered.ancestors:
                    assert judgement.reports or concurrent, "an older version shown as current, unflagged"
                assert shown.vh == before.vh or concurrent or shown.n > before.n
            if judgement.current == "none":
                assert before.deleted, "a remembered live version disappeared"
        if after is not None and after is not before:
            assert winner.kind == "version", "an unchecked or unsigned leaf became the memory"
            assert self.as_leaf(winner).vh == after.vh
        self.memories[device] = after
        if device in WRITERS and judgement.restore:
            assert after is not None
            self.put_back(after, winner)
        if device == 0 and "unsigned-removal" in judgement.reports:
            assert after is not None
            self.put_back(after, winner)
        return judgement

    def put_back(self, memory: VersionMemory, on: LeafDoc) -> None:
        """Re-seal the remembered version as a new revision on top of ``on`` (same version, same hash)."""
        label = self.version_of_vh(memory.vh).label
        self.replace(on, self.new_leaf(on.generation + 1, label))

    def editable(self, device: int) -> LeafDoc | None:
        """The winning leaf, if ``device`` shows it as current and it is a live version."""
        judgement = self.look(device)
        winner = self.winner()
        if judgement.current != "winner" or winner.kind != "version" or self.is_deleted(winner):
            return None
        return winner

    # --- honest acts ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self.leaves = [self.new_leaf(1, self.new_version(1, []))]

    def edit(self, device: int, delete: bool = False) -> None:
        winner = self.editable(device)
        if winner is None or winner.version is None:
            return
        base = self.versions[winner.version]
        label = self.new_version(base.n + 1, [base.label], deleted=delete)
        self.replace(winner, self.new_leaf(winner.generation + 1, label))

    def edit_at_once(self, first: int, second: int) -> None:
        winner = self.editable(first)
        if winner is None or winner.version is None or self.editable(second) is not winner:
            return
        base = self.versions[winner.version]
        one = self.new_version(base.n + 1, [base.label])
        two = self.new_version(base.n + 1, [base.label])
        self.replace(winner, self.new_leaf(winner.generation + 1, one), self.new_leaf(winner.generation + 1, two))

    def merge(self, device: int) -> None:
        judgement = self.look(device)
        if judgement.current != "winner" or device not in WRITERS:
            return
        live = [
            leaf
            for leaf in self.leaves
            if leaf.kind == "version" and not self.is_deleted(leaf) and leaf.rev not in judgement.replays
        ]
        if len(live) < 2:
            return
        winner = self.winner()
        merged = [self.versions[leaf.version] for leaf in live if leaf.version is not None]
        n, _ = next_version([(v.n, v.vh) for v in merged])
        label = self.new_version(n, [v.label for v in merged])
        retired = []
        for leaf in live:
            if leaf is winner or leaf.version is None:
                continue
            old = self.versions[leaf.version]
            superseded = self.new_version(old.n + 1, [old.label], deleted=True)
            retired.append((leaf, self.new_leaf(leaf.generation + 1, superseded)))
        self.replace(winner, self.new_leaf(winner.generation + 1, label))
        for leaf, retirement in retired:
            self.replace(leaf, retirement)

    # --- attacks -------------------------------------------------------------------------------------------

    def replay(self, pick: int, mode: int) -> None:
        """Push an earlier version again: on top of the winner, as a winning branch, or as a losing one."""
        current = {leaf.version for leaf in self.leaves}
        earlier = [label for label in self.written if label not in current]
        if not earlier:
            return
        label = earlier[pick % len(earlier)]
        winner = self.winner()
        if mode == 0:
            self.replace(winner, self.new_leaf(winner.generation + 1, label))
        elif mode == 1:
            self.leaves.append(self.new_leaf(winner.generation + 3, label))
        else:
            self.leaves.append(self.new_leaf(1, label))

    def tombstone(self) -> None:
        winner = self.winner()
        self.replace(winner, self.new_leaf(winner.generation + 1, None, "tombstone"))

    def forge(self) -> None:
        winner = self.winner()
        self.replace(winner, self.new_leaf(winner.generation + 1, None, "forged"))


devices = st.integers(0, 2)
looks = st.tuples(st.just("look"), devices)
honest_acts = st.one_of(
    looks,
    st.tuples(st.just("edit"), devices),
    st.tuples(st.just("edit_at_once"), devices, devices),
    st.tuples(st.just("merge"), devices),
    st.tuples(st.just("delete"), devices),
)
replays = st.tuples(st.just("replay"), st.integers(0, 50), st.integers(0, 2))
# Replays weigh most among the attacks, and a look follows often, so that devices meet what was pushed.
mixed_acts = st.one_of(
    honest_acts,
    looks,
    replays,
    replays,
    st.tuples(st.just("tombstone")),
    st.tuples(st.just("forge")),
)


def run(item: Item, acts: list[tuple[object, ...]]) -> None:
    item.start()
    for act in acts:
        name = act[0]
        if name == "look":
            item.look(int(str(act[1])))
        elif name == "edit":
            item.edit(int(str(act[1])))
        elif name == "delete":
            item.edit(int(str(act[1])), delete=True)
        elif name == "edit_at_once":
            item.edit_at_once(int(str(act[1])), int(str(act[2])))
        elif name == "merge":
            item.merge(int(str(act[1])))
        elif name == "replay":
            item.replay(int(str(act[1])), int(str(act[2])))
        elif name == "tombstone":
            item.tombstone()
        else:
            item.forge()
    for device in range(3):
        item.look(device)


@PROPERTIES
@given(st.lists(mixed_acts, max_size=40))
def test_replays_and_tombstones_at_random_points_never_show_an_older_version_unflagged(
    acts: list[tuple[object, ...]],
) -> None:
    run(Item(), acts)


@PROPERTIES
@given(st.lists(honest_acts, max_size=40))
def test_honest_histories_of_edits_concurrent_edits_merges_and_deletions_cause_no_report(
    acts: list[tuple[object, ...]],
) -> None:
    item = Item()
    run(item, acts)
    assert all(reports == () for reports in item.reports), item.reports


@PROPERTIES
@given(st.lists(honest_acts, max_size=30), st.integers(0, 2), st.integers(0, 63), st.integers(0, 2))
def test_an_earlier_version_a_device_accepted_is_always_caught_when_it_comes_back(
    acts: list[tuple[object, ...]], device: int, pick: int, mode: int
) -> None:
    item = Item()
    run(item, acts)
    memory = item.memories[device]
    assert memory is not None
    if not memory.old:
        return
    earlier = item.version_of_vh(memory.old[pick % len(memory.old)])
    winner = item.winner()
    if mode == 0:
        item.replace(winner, item.new_leaf(winner.generation + 1, earlier.label))
    elif mode == 1:
        item.leaves.append(item.new_leaf(winner.generation + 3, earlier.label))
    else:
        item.leaves.append(item.new_leaf(1, earlier.label))
    replayed = next(leaf for leaf in item.leaves if leaf.version == earlier.label).rev
    wins = item.winner().rev == replayed
    judgement = item.look(device)
    assert replayed in judgement.replays
    if wins:
        assert (judgement.current, judgement.reports, judgement.restore) == ("memory", ("rollback",), True)
    else:
        assert "replay" in judgement.reports and judgement.current == "winner"
