"""Render public/icon.svg and the neutral public/notes-icon.svg to PNG icons with Debian's Chromium.

Run by hand when an SVG changes."""

from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

PUBLIC = Path(__file__).resolve().parents[1] / "public"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SIZES = (("icon-192.png", 192, 0), ("icon-512.png", 512, 0), ("icon-maskable-512.png", 512, 64))
# The neutral icon (a plain notebook, no Alongside branding) for a phone where the app is called "Notes".
NEUTRAL_SIZES = (("notes-icon-192.png", 192, 0), ("notes-icon-512.png", 512, 0))
SETS = (("icon.svg", "#1d4d4f", SIZES), ("notes-icon.svg", "#e9e6df", NEUTRAL_SIZES))


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for source, background, sizes in SETS:
            render(browser, (PUBLIC / source).read_text(), background, sizes)
        browser.close()


def render(browser: Browser, svg: str, background: str, sizes: tuple[tuple[str, int, int], ...]) -> None:
    """Screenshot `svg` at each size (with `padding` pixels of `background` around it, for maskable icons)."""
    for name, size, padding in sizes:
        page = browser.new_page(viewport={"width": size, "height": size})
        inner = size - 2 * padding
        page.set_content(
            f"<body style='margin:0;background:{background}'><div style='padding:{padding}px'>"
            f"<div style='width:{inner}px;height:{inner}px'>{svg}</div></div></body>"
        )
        page.screenshot(path=str(PUBLIC / name), omit_background=False)
        page.close()


if __name__ == "__main__":
    main()
