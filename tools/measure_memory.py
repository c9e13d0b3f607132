"""Resident memory of the app's server with every page visited and used once, in headless Chromium.

    python tools/measure_memory.py [--port 8616] [--pages Playground,Loss_surface]

Each page is opened, its main button (found by its label, in PAGES) pressed, and the run awaited; the
server's resident memory (VmRSS of /proc) is printed after each page, then at steady state, with the
peak (VmHWM). Pages change: adjust PAGES, not the code.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tools.server import CHROMIUM, CHROMIUM_ARGS, serve

# url path -> labels of the buttons that use the page once (pressed in order when present)
PAGES = {
    "": (),
    "Playground": ("Train",),
    "Model_zoo": (),
    "Loss_surface": ("Train models A and B",),
    "Backprop": ("Next ▶",),
    "Regularization": ("Train the variants",),
    "Attention": ("Train",),
}


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(page, timeout: float = 300.0) -> float:
    """Wait until the script run ends (Streamlit's running indicator gone for 1.5 s); returns the
    time.monotonic() at which it went."""
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        quiet_since = None if running else (quiet_since or time.monotonic())
        if quiet_since and time.monotonic() - quiet_since > 1.5:
            return quiet_since
        page.wait_for_timeout(250)
    raise TimeoutError("page still running")


def use(page, url: str, path: str, buttons: tuple[str, ...]) -> list[str]:
    """Open a page, press its buttons, wait; returns the exceptions it shows."""
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    settle(page)
    for label in buttons:
        button = page.get_by_role("button", name=label, exact=True)
        if button.count():
            button.first.click()
            page.wait_for_timeout(500)
            settle(page)
    return page.locator("[data-testid='stException']").all_inner_texts()


def main() -> None:
    ap = argparse.ArgumentParser(description="resident memory of the server, every page used once")
    ap.add_argument("--port", type=int, default=8616)
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated url paths ('' is Home)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with serve(args.port) as (url, proc), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        print(f"server started: {rss_mb(proc.pid):.0f} MB resident")
        for path in args.pages.split(","):
            t0 = time.perf_counter()
            errors = use(page, url, path, PAGES.get(path, ()))
            print(
                f"{path or 'Home':15s} used in {time.perf_counter() - t0:5.1f} s: {rss_mb(proc.pid):5.0f} MB"
                + (f"  EXCEPTION {errors}" if errors else "")
            )
        time.sleep(5)
        print(f"steady state: {rss_mb(proc.pid):.0f} MB resident, peak {rss_mb(proc.pid, 'VmHWM'):.0f} MB")
        browser.close()


if __name__ == "__main__":
    main()
