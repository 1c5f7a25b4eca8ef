"""Render public/icon.svg to the PNG icons with Debian's Chromium (run by hand when the SVG changes)."""

from pathlib import Path

from playwright.sync_api import sync_playwright

PUBLIC = Path(__file__).resolve().parents[1] / "public"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SIZES = (("icon-192.png", 192, 0), ("icon-512.png", 512, 0), ("icon-maskable-512.png", 512, 64))


def main() -> None:
    svg = (PUBLIC / "icon.svg").read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, size, padding in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            inner = size - 2 * padding
            page.set_content(
                f"<body style='margin:0;background:#1d4d4f'><div style='padding:{padding}px'>"
                f"<div style='width:{inner}px;height:{inner}px'>{svg}</div></div></body>"
            )
            page.screenshot(path=str(PUBLIC / name), omit_background=False)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
