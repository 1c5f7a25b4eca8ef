"""Revision trees: properties that CouchDB's ``couch_key_tree`` guarantees, checked with hypothesis.

The reference semantics are CouchDB's (``couch_key_tree.erl``, ``couch_doc:to_doc_info/1``):

- a document's revisions form a forest; the leaves are its open revisions;
- the winner is the leaf with the greatest ``(not deleted, generation, revision id)``;
- ``_conflicts`` are the other non-deleted leaves, ``_deleted_conflicts`` the other deleted ones;
- merging a path grafts it wherever it overlaps a known revision, whichever end is the stemmed one,
  and the result does not depend on the order in which paths arrive;
- stemming to N keeps, for every leaf, its N newest revisions (the union over leaves), and nothing else.

Histories are generated as CouchDB builds them: every revision has one parent, and its id is unique.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alongside.sync.revtree import Graft, InvalidRevision, RevTree, parse_rev, path_from_revisions

SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# -- generators -------------------------------------------------------------------------------------


class History:
    """The truth about one document: every revision, its single parent and its deleted flag."""

    def __init__(self, parents: dict[str, str | None], deleted: dict[str, bool]) -> None:
        self.parents = parents
        self.deleted = deleted

    def leaves(self) -> set[str]:
        has_child = {parent for parent in self.parents.values() if parent is not None}
        return set(self.parents) - has_child

    def path(self, rev: str) -> list[str]:
        out: list[str] = []
        current: str | None = rev
        while current is not None:
            out.append(current)
            current = self.parents[current]
        return out

    def leaf_paths(self) -> list[tuple[list[str], bool]]:
        return [(self.path(leaf), self.deleted[leaf]) for leaf in sorted(self.leaves())]


@st.composite
def histories(draw: st.DrawFn, max_revisions: int = 24) -> History:
    """A revision forest: mostly one root, branches anywhere, a few deleted revisions.

    Revision ids carry a drawn prefix (so ties in generation are broken in every possible order)
    and a unique suffix (so ids never collide).
    """
    count = draw(st.integers(min_value=1, max_value=max_revisions))
    parents: dict[str, str | None] = {}
    deleted: dict[str, bool] = {}
    order: list[str] = []
    for index in range(count):
        new_root = not order or draw(st.integers(min_value=0, max_value=11)) == 0
        parent = None if new_root else draw(st.sampled_from(order))
        generation = 1 if parent is None else parse_rev(parent)[0] + 1
        prefix = draw(st.text(alphabet="0123456789abcdef", min_size=1, max_size=3))
        rev = f"{generation}-{prefix}_{index}"
        parents[rev] = parent
        deleted[rev] = draw(st.integers(min_value=0, max_value=3)) == 0
        order.append(rev)
    return History(parents, deleted)


@st.composite
def history_and_paths(draw: st.DrawFn) -> tuple[History, list[tuple[list[str], bool]]]:
    """A history, and the paths a peer could receive for it, in a drawn order.

    Every leaf arrives with its full history; some revisions also arrive earlier or later as
    stemmed paths (their oldest revisions cut off), as older versions replicated before an edit,
    or as re-sent duplicates.
    """
    history = draw(histories())
    paths = history.leaf_paths()
    revs = sorted(history.parents)
    extras = draw(st.lists(st.tuples(st.sampled_from(revs), st.integers(min_value=1, max_value=30)), max_size=8))
    for rev, keep in extras:
        full = history.path(rev)
        paths.append((full[: min(keep, len(full))], history.deleted[rev]))
    return history, draw(st.permutations(paths))


def build(paths: list[tuple[list[str], bool]]) -> RevTree:
    tree = RevTree()
    for path, deleted in paths:
        tree.merge_path(path, deleted)
    return tree


def parent_map(tree: RevTree) -> dict[str, str | None]:
    return {rev: node.parent for rev, node in tree.nodes.items()}


def couchdb_order_key(tree: RevTree, rev: str) -> tuple[bool, int, str]:
    """CouchDB's leaf order (``couch_doc:to_doc_info``), written out independently of the code under test."""
    generation, digest = rev.split("-", 1)
    return (not tree.nodes[rev].deleted, int(generation), digest)


# -- merging --------------------------------------------------------------------------------------


@SETTINGS
@given(history_and_paths(), st.randoms(use_true_random=False))
def test_merge_result_is_independent_of_the_order_paths_arrive_in(case: Any, rnd: Any) -> None:
    history, paths = case
    shuffled = list(paths)
    rnd.shuffle(shuffled)
    first, second = build(paths), build(shuffled)

    assert parent_map(first) == parent_map(second) == history.parents
    assert set(first.leaves()) == set(second.leaves()) == history.leaves()
    assert first.winner() == second.winner()
    assert first.conflicts() == second.conflicts()
    assert first.deleted_conflicts() == second.deleted_conflicts()
    for leaf in history.leaves():
        assert first.nodes[leaf].deleted == second.nodes[leaf].deleted == history.deleted[leaf]


@SETTINGS
@given(history_and_paths())
def test_merging_a_known_path_again_changes_nothing(case: Any) -> None:
    _, paths = case
    tree = build(paths)
    before = tree.to_json()
    for path, deleted in paths:
        assert tree.merge_path(path, deleted) is False
        assert tree.merge_path(path, not deleted) is False
    assert tree.to_json() == before


@SETTINGS
@given(history_and_paths())
def test_merge_reports_a_new_leaf_exactly_when_the_written_revision_was_unknown(case: Any) -> None:
    _, paths = case
    tree = RevTree()
    for path, deleted in paths:
        known = path[0] in tree
        assert tree.merge_path(path, deleted) is (not known)
        assert path[0] in tree


# -- winner and conflicts -------------------------------------------------------------------------


@SETTINGS
@given(history_and_paths())
def test_winner_is_the_leaf_couchdb_picks(case: Any) -> None:
    _, paths = case
    tree = build(paths)
    leaves = tree.leaves()
    winner = tree.winner()

    assert winner in leaves
    live = [leaf for leaf in leaves if not tree.nodes[leaf].deleted]
    if live:
        assert not tree.nodes[winner].deleted
    assert couchdb_order_key(tree, winner) == max(couchdb_order_key(tree, leaf) for leaf in leaves)
    assert tree.is_deleted() == (not live)
    assert tree.sorted_leaves() == sorted(leaves, key=lambda leaf: couchdb_order_key(tree, leaf), reverse=True)


@SETTINGS
@given(history_and_paths())
def test_winner_conflicts_and_deleted_conflicts_partition_the_leaves(case: Any) -> None:
    _, paths = case
    tree = build(paths)
    conflicts, deleted_conflicts = tree.conflicts(), tree.deleted_conflicts()
    parts = [tree.winner(), *conflicts, *deleted_conflicts]

    assert len(parts) == len(set(parts))
    assert set(parts) == set(tree.leaves())
    assert all(not tree.nodes[rev].deleted for rev in conflicts)
    assert all(tree.nodes[rev].deleted for rev in deleted_conflicts)
    # CouchDB lists both in its leaf order (couch_db:doc_meta_info), winner first.
    order = tree.sorted_leaves()
    assert conflicts == [rev for rev in order if rev in conflicts]
    assert deleted_conflicts == [rev for rev in order if rev in deleted_conflicts]


@SETTINGS
@given(history_and_paths())
def test_leaf_descendants_are_the_leaves_whose_history_holds_the_revision(case: Any) -> None:
    history, paths = case
    tree = build(paths)
    for rev in tree.nodes:
        expected = {leaf for leaf in history.leaves() if rev in history.path(leaf)}
        assert set(tree.leaf_descendants(rev)) == expected


@SETTINGS
@given(history_and_paths(), st.lists(st.integers(min_value=1, max_value=40), max_size=5))
def test_missing_lists_exactly_the_unknown_revisions(case: Any, generations: list[int]) -> None:
    history, paths = case
    tree = build(paths)
    unknown = [f"{generation}-unknown{index}" for index, generation in enumerate(generations)]
    asked = [*sorted(history.parents), *unknown]
    assert tree.missing(asked) == unknown


# -- stemming -------------------------------------------------------------------------------------


@SETTINGS
@given(history_and_paths(), st.integers(min_value=1, max_value=8))
def test_stemming_keeps_each_leaf_and_its_newest_revisions_and_nothing_else(case: Any, limit: int) -> None:
    _, paths = case
    tree = build(paths)
    before_nodes = parent_map(tree)
    before_leaves = set(tree.leaves())
    before_winner = tree.winner()
    before_deleted = {leaf: tree.nodes[leaf].deleted for leaf in before_leaves}
    newest = {leaf: tree.path(leaf)[:limit] for leaf in before_leaves}

    dropped = tree.stem(limit)

    # couch_key_tree:stem/2 keeps a revision iff it is among the `limit` newest of some leaf.
    expected_kept = set().union(*newest.values())
    assert set(tree.nodes) == expected_kept
    assert set(dropped) == set(before_nodes) - expected_kept
    assert set(tree.leaves()) == before_leaves
    assert tree.winner() == before_winner
    assert {leaf: tree.nodes[leaf].deleted for leaf in before_leaves} == before_deleted
    for leaf, kept in newest.items():
        assert tree.path(leaf)[: len(kept)] == kept
    for rev, node in tree.nodes.items():
        assert node.parent == (before_nodes[rev] if before_nodes[rev] in tree.nodes else None)
    # Stemming again to the same limit is a no-op.
    assert tree.stem(limit) == []


@SETTINGS
@given(histories(), st.integers(min_value=1, max_value=6))
def test_stemming_a_linear_history_keeps_exactly_limit_revisions(history: History, limit: int) -> None:
    path, deleted = history.leaf_paths()[0]
    tree = build([(path, deleted)])
    tree.stem(limit)
    assert tree.path(path[0]) == path[:limit]
    assert len(tree) == min(limit, len(path))


@SETTINGS
@given(history_and_paths(), st.integers(min_value=1, max_value=6))
def test_merging_full_histories_into_a_stemmed_tree_reconnects_it(case: Any, limit: int) -> None:
    history, paths = case
    tree = build(paths)
    tree.stem(limit)
    for path, deleted in history.leaf_paths():
        assert tree.merge_path(path, deleted) is False
    assert parent_map(tree) == history.parents


@SETTINGS
@given(history_and_paths(), st.integers(min_value=1, max_value=6), st.data())
def test_a_path_overlapping_a_stemmed_root_links_up_instead_of_starting_a_new_tree(
    case: Any, limit: int, data: st.DataObject
) -> None:
    history, paths = case
    tree = build(paths)
    tree.stem(limit)
    cut = sorted(rev for rev, node in tree.nodes.items() if node.parent is None and history.parents[rev] is not None)
    assume(cut)
    root = data.draw(st.sampled_from(cut))
    full = history.path(root)
    grandparents = data.draw(st.integers(min_value=1, max_value=len(full) - 1))
    leaves = set(tree.leaves())

    tree.merge_path(full[: grandparents + 1], history.deleted[root])

    assert set(tree.leaves()) == leaves
    for rev in full[:grandparents]:
        assert tree.nodes[rev].parent == history.parents[rev]


# -- persistence and _revisions -------------------------------------------------------------------


@SETTINGS
@given(history_and_paths(), st.integers(min_value=0, max_value=6))
def test_to_json_and_from_json_round_trip(case: Any, limit: int) -> None:
    _, paths = case
    tree = build(paths)
    if limit:
        tree.stem(limit)
    again = RevTree.from_json(json.loads(json.dumps(tree.to_json())))
    assert again == tree
    assert again.to_json() == tree.to_json()
    assert again.sorted_leaves() == tree.sorted_leaves()


@SETTINGS
@given(history_and_paths(), st.integers(min_value=1, max_value=40))
def test_revisions_field_round_trips_through_path_from_revisions(case: Any, limit: int) -> None:
    _, paths = case
    tree = build(paths)
    for rev in tree.nodes:
        field = tree.revisions_field(rev)
        assert path_from_revisions(field, rev) == tree.path(rev)
        short = tree.revisions_field(rev, limit)
        assert path_from_revisions(short, rev) == tree.path(rev)[:limit]


def _valid_revisions() -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    def make(start: int, ids: list[str]) -> tuple[dict[str, Any], str]:
        return {"start": start, "ids": ids}, f"{start}-{ids[0]}"

    return st.integers(min_value=1, max_value=12).flatmap(
        lambda start: st.lists(
            st.text(alphabet="0123456789abcdef", min_size=1, max_size=32), min_size=1, max_size=start
        ).map(lambda ids: make(start, ids))
    )


def _malformed(draw: st.DrawFn, revisions: dict[str, Any], rev: str) -> tuple[object, str]:
    kind = draw(st.sampled_from(range(12)))
    broken: dict[str, Any] = dict(revisions)
    if kind == 0:
        return draw(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers()))), rev
    if kind == 1:
        broken.pop("start")
    elif kind == 2:
        broken["start"] = draw(st.one_of(st.integers(max_value=0), st.just(True), st.text(), st.floats()))
    elif kind == 3:
        broken.pop("ids")
    elif kind == 4:
        broken["ids"] = draw(st.one_of(st.just([]), st.text(), st.none(), st.dictionaries(st.text(), st.text())))
    elif kind == 5:
        broken["ids"] = [*broken["ids"], *["f"] * (broken["start"] - len(broken["ids"]) + 1)]
    elif kind == 6:
        index = draw(st.integers(min_value=0, max_value=len(broken["ids"]) - 1))
        ids = list(broken["ids"])
        ids[index] = draw(st.one_of(st.integers(), st.none(), st.just(""), st.lists(st.text())))
        broken["ids"] = ids
    elif kind == 7:
        index = draw(st.integers(min_value=0, max_value=len(broken["ids"]) - 1))
        ids = list(broken["ids"])
        ids[index] = ids[index] + draw(st.sampled_from([" ", "/", ".", "\n", "é", "+", "%"]))
        broken["ids"] = ids
    elif kind == 8:
        rev = f"{broken['start'] + 1}-{broken['ids'][0]}"
    elif kind == 9:
        rev = f"{broken['start']}-{broken['ids'][0]}x"
    elif kind == 10:
        broken["ids"] = ["a" * 129, *broken["ids"][1:]]
        rev = f"{broken['start']}-{'a' * 129}"
    else:
        rev = draw(st.sampled_from(["", "abc", "0-abc", "-abc", "1-", "x-abc", "1_abc"]))
    return broken, rev


@SETTINGS
@given(_valid_revisions(), st.data())
def test_path_from_revisions_rejects_malformed_revisions(
    valid: tuple[dict[str, Any], str], data: st.DataObject
) -> None:
    revisions, rev = valid
    assert path_from_revisions(revisions, rev)[0] == rev
    broken, broken_rev = _malformed(data.draw, revisions, rev)
    with pytest.raises(InvalidRevision):
        path_from_revisions(broken, broken_rev)


# -- examples, named after what they show ------------------------------------------------------------


def _rev(generation: int, letter: str) -> str:
    return f"{generation}-{letter * 32}"


def _path(*revs: str) -> list[str]:
    return list(revs)


def test_a_live_leaf_beats_a_deleted_leaf_of_higher_generation() -> None:
    tree = build([(_path(_rev(2, "b"), _rev(1, "a")), False), (_path(_rev(3, "c"), _rev(2, "x"), _rev(1, "a")), True)])
    assert tree.winner() == _rev(2, "b")
    assert tree.conflicts() == []
    assert tree.deleted_conflicts() == [_rev(3, "c")]
    assert not tree.is_deleted()


def test_equal_generations_are_broken_by_the_higher_revision_id() -> None:
    tree = build([(_path(_rev(2, "1"), _rev(1, "a")), False), (_path(_rev(2, "f"), _rev(1, "a")), False)])
    assert tree.winner() == _rev(2, "f")
    assert tree.conflicts() == [_rev(2, "1")]


def test_a_document_whose_leaves_are_all_deleted_is_deleted_and_its_winner_is_the_highest_tombstone() -> None:
    tree = build([(_path(_rev(2, "b"), _rev(1, "a")), True), (_path(_rev(3, "c"), _rev(2, "x"), _rev(1, "a")), True)])
    assert tree.is_deleted()
    assert tree.winner() == _rev(3, "c")
    assert tree.conflicts() == []
    assert tree.deleted_conflicts() == [_rev(2, "b")]


def test_a_stemmed_history_that_overlaps_nothing_starts_a_second_tree_and_a_conflict() -> None:
    tree = build([(_path(_rev(3, "c"), _rev(2, "b"), _rev(1, "a")), False)])
    tree.merge_path(_path(_rev(5, "e"), _rev(4, "d")), False)
    assert tree.nodes[_rev(4, "d")].parent is None
    assert tree.winner() == _rev(5, "e")
    assert tree.conflicts() == [_rev(3, "c")]


def test_a_history_bridging_two_stemmed_trees_joins_them_into_one() -> None:
    # couch_key_tree:stem/2 repairs the duplicated revisions such a merge produces (repair_tree/2),
    # leaving one tree; pouchdb-server keeps both copies and lists the leaf twice in _changes.
    tree = build([(_path(_rev(3, "c"), _rev(2, "b"), _rev(1, "a")), False), (_path(_rev(5, "e"), _rev(4, "d")), False)])
    assert tree.merge_path(_path(_rev(6, "f"), _rev(5, "e"), _rev(4, "d"), _rev(3, "c")), False) is True
    assert tree.leaves() == [_rev(6, "f")]
    assert tree.path(_rev(6, "f")) == [_rev(n, c) for n, c in zip(range(6, 0, -1), "fedcba", strict=True)]


def test_an_older_history_arriving_after_a_stemmed_one_extends_the_root() -> None:
    tree = build([(_path(_rev(4, "d"), _rev(3, "c")), False)])
    assert tree.merge_path(_path(_rev(3, "c"), _rev(2, "b"), _rev(1, "a")), False) is False
    assert tree.path(_rev(4, "d")) == [_rev(4, "d"), _rev(3, "c"), _rev(2, "b"), _rev(1, "a")]
    assert tree.leaves() == [_rev(4, "d")]


def test_a_known_leaf_resent_with_its_parent_links_a_separate_root_and_says_the_tree_changed() -> None:
    # 2-b arrived stemmed, 1-a on its own: two leaves. Resending 2-b with its history joins them (CouchDB's
    # key tree merge does the same); a second resend changes nothing.
    tree = build([(_path(_rev(2, "b")), False), (_path(_rev(1, "a")), False)])
    assert sorted(tree.leaves()) == [_rev(1, "a"), _rev(2, "b")]
    assert tree.graft(_path(_rev(2, "b"), _rev(1, "a")), False) is Graft.LINKED
    assert tree.leaves() == [_rev(2, "b")]
    assert tree.path(_rev(2, "b")) == [_rev(2, "b"), _rev(1, "a")]
    assert tree.graft(_path(_rev(2, "b"), _rev(1, "a")), False) is Graft.KNOWN
    assert tree.graft(_path(_rev(3, "c"), _rev(2, "b")), False) is Graft.NEW_LEAF


def test_stemming_keeps_an_ancestor_that_a_short_branch_still_needs() -> None:
    # 1-a - 2-b - 3-c - 4-d - 5-e and 2-b - 3-x: with a limit of 3, 3-x keeps 2-b and 1-a, so
    # 5-e's path stays connected down to the root (as couch_key_tree:stem/2 does): the limit bounds
    # what each leaf needs, not the length of every path.
    tree = build(
        [
            (_path(_rev(5, "e"), _rev(4, "d"), _rev(3, "c"), _rev(2, "b"), _rev(1, "a")), False),
            (_path(_rev(3, "x"), _rev(2, "b"), _rev(1, "a")), False),
        ]
    )
    assert tree.stem(3) == []
    tree2 = build([(_path(_rev(5, "e"), _rev(4, "d"), _rev(3, "c"), _rev(2, "b"), _rev(1, "a")), False)])
    assert sorted(tree2.stem(3)) == [_rev(1, "a"), _rev(2, "b")]
    assert tree2.nodes[_rev(3, "c")].parent is None


def test_possible_ancestors_are_the_leaves_older_than_the_newest_missing_revision() -> None:
    tree = build(
        [
            (_path(_rev(2, "b"), _rev(1, "a")), False),
            (_path(_rev(4, "d"), _rev(3, "c"), _rev(2, "x"), _rev(1, "a")), True),
        ]
    )
    assert tree.possible_ancestors(3) == [_rev(2, "b")]
    assert set(tree.possible_ancestors(5)) == {_rev(4, "d"), _rev(2, "b")}
    assert tree.possible_ancestors(2) == []


def test_latest_resolves_an_internal_revision_to_every_leaf_below_it() -> None:
    tree = build(
        [
            (_path(_rev(3, "b"), _rev(2, "x"), _rev(1, "a")), False),
            (_path(_rev(3, "c"), _rev(2, "x"), _rev(1, "a")), True),
            (_path(_rev(2, "y"), _rev(1, "a")), False),
        ]
    )
    assert set(tree.leaf_descendants(_rev(2, "x"))) == {_rev(3, "b"), _rev(3, "c")}
    assert set(tree.leaf_descendants(_rev(1, "a"))) == {_rev(3, "b"), _rev(3, "c"), _rev(2, "y")}
    assert tree.leaf_descendants(_rev(2, "y")) == [_rev(2, "y")]


@pytest.mark.parametrize(
    "rev",
    [
        "1-abc\n",
        "1-abc\r",
        "\n1-abc",
        "0-abc",
        "01-abc",
        "1-",
        "-abc",
        "1_abc",
        "1-ab c",
        "1-ab.c",
        "1-" + "a" * 129,
        1,
        None,
    ],
)
def test_parse_rev_rejects_anything_but_generation_dash_hash(rev: object) -> None:
    # A trailing newline used to pass: the pattern's "$" also matches before a final "\n".
    with pytest.raises(InvalidRevision):
        parse_rev(rev)


@pytest.mark.parametrize(
    ("revisions", "rev"),
    [
        ({"start": 2, "ids": ["b", "a"]}, "1-b"),
        ({"start": 1, "ids": ["b", "a"]}, "1-b"),
        ({"start": 0, "ids": ["b"]}, "0-b"),
        ({"start": True, "ids": ["b"]}, "1-b"),
        ({"start": "2", "ids": ["b", "a"]}, "2-b"),
        ({"start": 2, "ids": []}, "2-b"),
        ({"start": 2, "ids": "ba"}, "2-b"),
        ({"start": 2, "ids": ["b", 7]}, "2-b"),
        ({"start": 2, "ids": ["b", "a b"]}, "2-b"),
        ({"start": 2, "ids": ["b", "a\n"]}, "2-b"),
        ({"ids": ["b"]}, "1-b"),
        ([2, ["b"]], "2-b"),
    ],
)
def test_path_from_revisions_rejects_each_known_malformation(revisions: object, rev: str) -> None:
    with pytest.raises(InvalidRevision):
        path_from_revisions(revisions, rev)
