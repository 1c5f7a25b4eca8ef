"""The first screen in the HTML shell, for a browser that has never opened the app.

On a cheap phone over a slow connection the app's script takes seconds to arrive (each round trip on
"Slow 3G" is two seconds), so a device opening Alongside for the first time would see a blank page until
it had. The shell a browser navigates to (``Sec-Fetch-Mode: navigate``) at ``/`` therefore carries the
welcome screen already drawn, in the language it negotiated, with the app's styles inline: it shows as
soon as the page arrives. It is exactly the markup the app draws for a device with no record (a browser
test compares the two), so the app takes it over without a change on screen. Its links work before the
script has arrived (the quick exit is a link to the neutral page, as on GOV.UK).

A join link (``/join#…``), how a person's own phone usually first meets the app, gets the top of the join
screen: the frame, "Join a plan" and what it says under it, as the app draws them; the app adds the form
below when it runs, so nothing drawn moves. The invite is in the address's fragment, which the app reads
when it starts: no link drawn here changes it (the app's in-page links become links to ``/``, the skip
link is left to the app), so nothing pressed before the script arrives loses the invite.

A browser that has opened the app before never sees it: the service worker's copy of the shell (fetched by
the worker, not navigated to) has none, and a small inline script hides it before anything is drawn when
this browser keeps any of the app's settings or the address names a screen (a device that chose the
neutral name must never see "Alongside" flash on screen). The strings come from the app's catalogs through
the build (``first_screen`` in ``asset-manifest.json``). The inline style and script are allowed by their
hashes in this answer's own Content-Security-Policy; nothing else inline is.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from .security import CONTENT_SECURITY_POLICY


def _hide_when(condition: str) -> str:
    """One line of script that marks the page as a returning browser's, so that the drawn screen is hidden before
    it is painted (:data:`HIDDEN_WHEN_RETURNING`), when `condition` holds or localStorage cannot be read; main.jsx
    lifts `data-first-screen` just before the app draws its own."""
    mark = "document.documentElement.setAttribute('data-returning','')"
    return f"try{{if({condition}){mark}}}catch(e){{{mark}}}"


# This browser has opened the app before: any setting of the app in localStorage (the language, the neutral
# name, the lock, a quick exit, `alongside-opened`).
OPENED_BEFORE = "Object.keys(localStorage).some(function(k){return k.indexOf('alongside')===0})"
# The welcome hides too when the address names another screen; a join link's address always carries the invite.
RETURNING_CHECK = _hide_when(f"location.hash.length>2||{OPENED_BEFORE}")
OPENED_BEFORE_CHECK = _hide_when(OPENED_BEFORE)
HIDDEN_WHEN_RETURNING = "html[data-returning] #app[data-first-screen]>:not(noscript){display:none}"
# The quick exit's destination before the script has arrived (the app's own NEUTRAL_PAGE).
NEUTRAL_PAGE = "https://www.bbc.co.uk/weather"
STRINGS = (
    *("skip", "exit", "exit_hint", "app", "settings"),  # the frame
    *("title", "intro", "enrol", "join"),  # the welcome
    *("back", "join_title", "join_intro"),  # the top of the join screen
)
# The screen drawn at each path a browser navigates to, and the check that hides each one.
SCREEN_AT = {"/": "welcome", "/join": "join"}
HIDING_CHECK = {"welcome": RETURNING_CHECK, "join": OPENED_BEFORE_CHECK}


@dataclass(frozen=True, slots=True)
class FirstScreen:
    """What the shell needs to draw the first screen: its words, the inline style and script, their policy."""

    screen: str  # "welcome" or "join"
    words: dict[str, str]
    style: str
    script: str
    neutral_page: str
    content_security_policy: str


def wanted(request: Request) -> str | None:
    """The screen to draw for this request for the shell: "welcome" for a browser navigating to the app's root,
    "join" for one opening a join link; ``None`` for anything else (the service worker fetching its copy)."""
    headers = request.headers
    if headers.get("sec-fetch-mode") != "navigate" or headers.get("sec-fetch-dest", "document") != "document":
        return None
    return SCREEN_AT.get(request.url.path)


def _source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def policy_allowing(style: str, script: str) -> str:
    """The app's Content-Security-Policy with exactly this inline style and script allowed, by their hashes."""
    parts = []
    for part in CONTENT_SECURITY_POLICY.split("; "):
        if part == "script-src 'self'":
            part = f"{part} {_source_hash(script)}"
        elif part == "style-src 'self'":
            part = f"{part} {_source_hash(style)}"
        parts.append(part)
    return "; ".join(parts)


@lru_cache(maxsize=8)
def _inline_style_and_policy(path: Path, mtime: float, script: str) -> tuple[str, str]:
    """The build's styles (re-read when a new build replaces them) with the hiding rule, and the policy allowing
    them and `script`: hashed once per build and screen, not per request."""
    style = f"{path.read_text(encoding='utf-8')}\n{HIDDEN_WHEN_RETURNING}"
    return style, policy_allowing(style, script)


def first_screen(dist: Path, assets: dict[str, Any], lang: str, screen: str = "welcome") -> FirstScreen | None:
    """The first `screen` ("welcome" or "join") in `lang` from the build in `dist`, or ``None`` when the build has
    none to offer."""
    script = HIDING_CHECK.get(screen)
    if script is None:
        return None
    catalogs = assets.get("first_screen")
    if not isinstance(catalogs, dict):
        return None
    words = catalogs.get(lang) or catalogs.get("en")
    if not isinstance(words, dict) or not all(isinstance(words.get(name), str) for name in STRINGS):
        return None
    css_path = dist / str(assets["css"]).lstrip("/")
    try:
        style, policy = _inline_style_and_policy(css_path, css_path.stat().st_mtime, script)
    except OSError:
        return None
    return FirstScreen(
        screen=screen,
        words={name: words[name] for name in STRINGS},
        style=style,
        script=script,
        neutral_page=NEUTRAL_PAGE,
        content_security_policy=policy,
    )
