"""Pure comparisons for the convergence check (no locust here, so tests can import it)."""

from __future__ import annotations

from .replica import DocState

EXAMPLES = 2


def server_state(
    leaves: dict[str, tuple[bool, list[str]]], winners: dict[str, tuple[str, list[str]]]
) -> dict[str, DocState]:
    """The server's documents as (winner, conflicts, leaves), from ``_changes?style=all_docs`` and ``_all_docs``."""
    state: dict[str, DocState] = {}
    for doc_id, (_, revs) in leaves.items():
        winner, conflicts = winners.get(doc_id, ("?", []))
        state[doc_id] = (winner, tuple(sorted(conflicts)), tuple(sorted(revs)))
    return state


def normalised(state: dict[str, DocState]) -> dict[str, DocState]:
    """Conflicts and leaves in one order, whatever order each side listed them in."""
    return {doc_id: (w, tuple(sorted(c)), tuple(sorted(leaves))) for doc_id, (w, c, leaves) in state.items()}


def differences(local: dict[str, DocState], server: dict[str, DocState]) -> tuple[int, str]:
    """How many documents differ between a device and the server, and a few examples in words."""
    local, server = normalised(local), normalised(server)
    differing = sorted(set(local) ^ set(server)) + sorted(
        doc_id for doc_id in set(local) & set(server) if local[doc_id] != server[doc_id]
    )
    examples = ", ".join(
        f"{doc_id[:8]}: device {local.get(doc_id)} server {server.get(doc_id)}" for doc_id in differing[:EXAMPLES]
    )
    return len(differing), examples


def unknown(revisions: list[tuple[str, str]], known: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Of ``revisions`` ((id, rev) pairs), those not among ``known`` (id → every revision in its tree)."""
    return [(doc_id, rev) for doc_id, rev in revisions if rev not in known.get(doc_id, ())]
