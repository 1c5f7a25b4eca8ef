"""Generate the known-answer vectors in this folder from fixed inputs (see README.md).

Run from the repository root: ``.venv/bin/python tests/vectors/generate.py`` (writes the files) or
``.venv/bin/python tests/vectors/generate.py --check`` (exit status 1 if any file is out of date).
Every random byte an operation draws is listed in its vector (``random``), in drawing order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vectors_activities import activities_vectors
from vectors_documents import invite_vectors, keywrap_vectors
from vectors_history import history_vectors
from vectors_items import envelope_vectors, signature_vectors
from vectors_joincode import join_code_vectors
from vectors_learning import learning_vectors
from vectors_notes import notes_vectors
from vectors_pending import pending_invite_vectors
from vectors_simple import canonical_vectors, fingerprint_vectors, keys_vectors, padding_vectors, pinlock_vectors
from vectors_statements import statements_vectors
from vectors_wire import wire_vectors

HERE = Path(__file__).resolve().parent
Json = dict[str, Any]


def build() -> dict[str, Json]:
    envelopes = envelope_vectors()
    keywraps = keywrap_vectors()
    return {
        "padding.json": padding_vectors(),
        "canonical_json.json": canonical_vectors(),
        "keys.json": keys_vectors(),
        "signature.json": signature_vectors(),
        "envelope.json": envelopes,
        "history.json": history_vectors(),
        "statements.json": statements_vectors(),
        "keywrap.json": keywraps,
        "invite.json": invite_vectors(),
        "pending_invite.json": pending_invite_vectors(),
        "fingerprint.json": fingerprint_vectors(),
        "pinlock.json": pinlock_vectors(),
        "join_code.json": join_code_vectors(),
        "wire.json": wire_vectors(envelopes, keywraps),
        "activities.json": activities_vectors(),
        "reflective_notes.json": notes_vectors(),
        "learning.json": learning_vectors(),
    }


def render(content: Json) -> str:
    return json.dumps(content, indent=1, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args(argv)
    stale = []
    for name, content in build().items():
        path = HERE / name
        text = render(content)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
