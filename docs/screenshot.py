"""Screenshot app pages in headless Chromium: python docs/screenshot.py URL OUT.png [wait_text] [click_button]"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.server import CHROMIUM_ARGS  # noqa: E402

ARGS = CHROMIUM_ARGS  # one launch line for every browser run: tools/server.py


def shoot(url: str, out: str, wait_text: str | None = None, click: str | None = None, height: int = 1800) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": height})
        page.goto(url, wait_until="networkidle")
        page.wait_for_selector("[data-testid='stApp']", timeout=30_000)
        if click:
            page.get_by_role("button", name=click).first.click()
        if wait_text:
            page.get_by_text(wait_text).first.wait_for(timeout=60_000)
        page.wait_for_timeout(2500)
        page.screenshot(path=out, full_page=True)
        browser.close()


if __name__ == "__main__":
    shoot(*sys.argv[1:3], *(sys.argv[3:5] + [None, None])[:2])
