"""The flags every browser test launches Chromium with (support.browser.CHROMIUM_ARGS) keep Playwright's own
disabled features and keep the omnibox popup away: Chromium reads only the last ``--disable-features`` switch."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser
from support.browser import OMNIBOX_POPUP_FEATURES


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _browser_command_lines() -> list[list[str]]:
    """The command lines of the Chromium browser processes this test process started (through Playwright's driver)."""
    lines = []
    for driver in _children(os.getpid()):
        for child in _children(driver):
            args = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
            if "--remote-debugging-pipe" in args and not any(a.startswith("--type=") for a in args):
                lines.append(args)
    return lines


def test_the_last_disable_features_switch_keeps_playwrights_list_and_adds_the_omnibox_popup(chromium: Browser) -> None:
    lines = _browser_command_lines()
    assert lines, "no Chromium browser process found under this test's Playwright driver"
    for args in lines:
        switches = [a.split("=", 1)[1].split(",") for a in args if a.startswith("--disable-features=")]
        assert len(switches) == 2, switches  # Playwright's, then ours
        playwrights, ours = switches
        assert set(playwrights) <= set(ours), f"Playwright now also disables {set(playwrights) - set(ours)}"
        assert set(OMNIBOX_POPUP_FEATURES) <= set(ours)


def test_a_new_page_opens_no_browser_ui_page_beside_it(chromium: Browser) -> None:
    context = chromium.new_context()
    try:
        context.new_page().goto("data:text/html,<h1>A page</h1>")
        session = chromium.new_browser_cdp_session()
        targets = session.send("Target.getTargets")["targetInfos"]
        assert [t["url"] for t in targets if t["type"] == "browser_ui"] == []
        assert [t["type"] for t in targets if t["type"] == "page"] == ["page"]
    finally:
        context.close()
