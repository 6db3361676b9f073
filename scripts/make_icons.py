"""Rasterise the app icons (static/img/icons/*.svg) to the PNG sizes the web app manifest lists.

Run by hand when an icon's drawing changes, and commit the PNGs; nothing is drawn at run time:

    .venv/bin/python scripts/make_icons.py

The rasteriser is Debian's Chromium driven by Playwright (both already used by the browser tests):
each SVG is shown at exactly the target size on a transparent page and screenshotted.
"""

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# (source drawing, size in pixels, PNG written)
TARGETS = [
    ("icon.svg", 192, "icon-192.png"),
    ("icon.svg", 512, "icon-512.png"),
    ("icon-maskable.svg", 512, "icon-maskable-512.png"),
]


def main() -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for source, size, out in TARGETS:
            page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
            svg = (ICONS / source).read_text()
            page.set_content(
                "<!DOCTYPE html><html><body style='margin:0;background:transparent'>"
                f"<div style='width:{size}px;height:{size}px'>{svg}</div></body></html>"
            )
            page.eval_on_selector(
                "svg", f"s => {{ s.setAttribute('width', {size}); s.setAttribute('height', {size}); }}"
            )
            page.locator("div").screenshot(path=str(ICONS / out), omit_background=True)
            page.close()
            print(f"{out}: {size}x{size} from {source}")
        browser.close()


if __name__ == "__main__":
    main()
