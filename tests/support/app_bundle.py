"""Run the app's own modules in a test page: an entry script bundled with esbuild from ``pwa/`` (so
``./src/...`` and the app's packages resolve) into one IIFE that sets a global, for ``page.evaluate``."""

from __future__ import annotations

import subprocess

from .pwa import PWA


def bundle(entry: str, global_name: str) -> str:
    """The bundled script for `entry` (JavaScript source, imports relative to ``pwa/``)."""
    result = subprocess.run(
        [
            str(PWA / "node_modules" / ".bin" / "esbuild"),
            "--bundle",
            "--format=iife",
            f"--global-name={global_name}",
            "--define:global=globalThis",
            '--define:process.env.NODE_ENV="production"',
            "--log-level=warning",
        ],
        input=entry.encode(),
        cwd=PWA,
        check=True,
        capture_output=True,
    )
    return result.stdout.decode()
