"""Debian's Chromium as every browser test and benchmark launches it (never a downloaded browser)."""

from __future__ import annotations

import shutil

# Flags that work on this machine as root, headless, with a closed network (docs: DESIGN.md §7).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """The path of Debian's ``chromium`` (installed by ``make test``)."""
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("Debian's chromium is required: apt-get install chromium (make test does it)")
    return path
