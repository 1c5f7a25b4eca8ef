"""The first screen in the HTML shell (server/first_screen.py): only a browser navigating to ``/`` gets the
welcome, and one opening a join link the top of the join screen, in its language, with the catalogs' words, the
app's styles inline and a policy that allows exactly the inline style and script it carries; the join screen's
links never change the address's fragment (the invite); the service worker's copy of the shell gets the plain
shell."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.pwa import DIST, ensure_built

from alongside.server import security
from alongside.server.first_screen import first_screen
from alongside.server.pages import asset_manifest

NAVIGATING = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
CATALOGS = Path(__file__).resolve().parents[2] / "pwa" / "src" / "i18n"


@pytest.fixture
def client(pages_client: TestClient) -> TestClient:
    return pages_client


def sha256_source(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def inline(tag: str, html: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_a_browser_navigating_to_the_root_gets_the_welcome_drawn_in_its_language(client: TestClient, lang: str) -> None:
    answer = client.get("/", headers={**NAVIGATING, "Accept-Language": f"{lang},en;q=0.5"})
    assert answer.status_code == 200
    html = answer.text
    catalog = json.loads((CATALOGS / f"{lang}.json").read_text())
    assert f'<html lang="{lang}"' in html
    assert '<div id="app" data-first-screen>' in html
    for key in ("welcome.title", "welcome.intro", "welcome.enrol", "welcome.join", "exit.button", "skip"):
        assert catalog[key] in unescape(html), key
    assert 'rel="stylesheet"' not in html  # the styles come inline, not a round trip later
    assert 'href="https://www.bbc.co.uk/weather"' in html  # the quick exit works before the script


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_a_browser_opening_a_join_link_gets_the_top_of_the_join_screen_in_its_language(
    client: TestClient, lang: str
) -> None:
    answer = client.get("/join", headers={**NAVIGATING, "Accept-Language": f"{lang},en;q=0.5"})
    assert answer.status_code == 200
    html = unescape(answer.text)
    catalog = json.loads((CATALOGS / f"{lang}.json").read_text())
    assert f'<html lang="{lang}"' in html
    assert '<div id="app" data-first-screen>' in html
    for key in ("join.title", "join.intro", "back", "exit.button", "settings.link"):
        assert catalog[key] in html, key
    assert catalog["welcome.title"] not in html and 'rel="stylesheet"' not in html
    # The invite is the address's fragment: no link here may change it before the app has read it.
    drawn = html.split('<div id="app"', 1)[1]
    links = re.findall(r'href="([^"]*)"', drawn)
    assert links and not [link for link in links if link.startswith("#")], links
    assert "skip-link" not in drawn
    # Only this browser's own settings hide it (the address always names a screen here).
    assert "location.hash" not in inline("script", answer.text)[0]


@pytest.mark.parametrize("path", ["/", "/join"])
def test_the_policy_allows_exactly_the_inline_style_and_script_the_page_carries(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=NAVIGATING)
    styles, scripts = inline("style", answer.text), inline("script", answer.text)
    assert len(styles) == 1 and len(scripts) == 1
    policy = dict(part.split(" ", 1) for part in answer.headers["content-security-policy"].split("; "))
    assert policy["style-src"] == f"'self' {sha256_source(styles[0])}"
    assert policy["script-src"] == f"'self' {sha256_source(scripts[0])}"
    plain = dict(part.split(" ", 1) for part in security.CONTENT_SECURITY_POLICY.split("; "))
    assert {k: v for k, v in policy.items() if k not in ("style-src", "script-src")} == {
        k: v for k, v in plain.items() if k not in ("style-src", "script-src")
    }
    css = (DIST / str(asset_manifest(DIST)["css"]).lstrip("/")).read_text()  # type: ignore[index]
    assert styles[0].startswith(css)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),  # a client that says nothing of how it asks
        ("/", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}),  # the service worker's precache
        ("/", {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}),  # framed (refused by the browser anyway)
        ("/join", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}),
        ("/join", {}),
    ],
)
def test_everything_else_gets_the_plain_shell_under_the_plain_policy(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200
    assert "data-first-screen" not in answer.text
    assert inline("style", answer.text) == [] and inline("script", answer.text) == []
    assert 'rel="stylesheet"' in answer.text
    assert answer.headers["content-security-policy"] == security.CONTENT_SECURITY_POLICY


def test_the_shell_is_sent_gzipped_and_says_what_it_varies_by(client: TestClient) -> None:
    answer = client.get("/", headers={**NAVIGATING, "Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert "data-first-screen" in answer.text  # decoded by the client
    vary = {v.strip().lower() for v in answer.headers["vary"].split(",")}
    assert {"accept-language", "accept-encoding", "sec-fetch-mode"} <= vary
    plain = client.get("/", headers={**NAVIGATING, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and "data-first-screen" in plain.text


def test_a_build_without_the_first_screens_words_draws_nothing() -> None:
    ensure_built()
    assets = asset_manifest(DIST)
    assert assets is not None
    assert first_screen(DIST, assets, "en") is not None
    assert first_screen(DIST, {k: v for k, v in assets.items() if k != "first_screen"}, "en") is None
    missing_word = {**assets, "first_screen": {"en": {"title": "Welcome"}}}
    assert first_screen(DIST, missing_word, "en") is None
