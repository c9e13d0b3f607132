"""N concurrent browser sessions against one server: each trains on the Playground, computes a loss
surface and runs inference on the zoo page; reports errors, cross-talk, the slowest render, peak memory.

    python -m tools.load_test [--sessions 10] [--port 8617] [--browser-nice 19] [--cold]

Cross-talk: a session opening the Playground must show no trained result before it presses Train
(another session's result would show there if state leaked). While the others train, one extra
session opens pages that compute nothing heavy (the zoo, the glossary, the lessons) in turn, at
10, 25, 40, 55 and 70 s, and each of those renders is reported.

The browsers run on the server's own machine here, where a class's browsers would run on their own
computers: with --browser-nice (default 19, the lowest priority) the working sessions' Chromiums yield
the CPU to the server and to the light session's browser, which runs at normal priority as a student's
own computer would (0: every browser competes with the server as an equal).
"""

from __future__ import annotations

import argparse
import os
import stat
import tempfile
import threading
import time

from tools.measure_memory import rss_mb, settle, use
from tools.server import CHROMIUM, CHROMIUM_ARGS, serve

STEPS = (("Playground", ("Train",)), ("Loss_surface", ("Train models A and B",)), ("Model_zoo", ()))
RESULT_MARKER = "Export to ONNX"  # shown on the Playground only once this session has trained


LIGHT = ("Model_zoo", "Glossary", "Lessons")
PROBES = (10, 25, 40, 55, 70)  # seconds after the sessions start


def niced(level: int) -> str:
    """An executable that starts Chromium at CPU priority ``level`` (0: Chromium itself)."""
    if level <= 0:
        return CHROMIUM
    fd, path = tempfile.mkstemp(prefix="chromium-nice-", suffix=".sh")
    with os.fdopen(fd, "w") as f:
        f.write(f'#!/bin/sh\nexec nice -n {int(level)} {CHROMIUM} "$@"\n')
    os.chmod(path, stat.S_IRWXU)
    return path


def session(url: str, i: int, out: dict, chromium: str = CHROMIUM) -> None:
    from playwright.sync_api import sync_playwright

    rec = out.setdefault(i, {"errors": [], "renders": {}, "crosstalk": False})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            for path, buttons in STEPS:
                if path == "Playground":
                    use(page, url, path, ())
                    rec["crosstalk"] = page.get_by_role("button", name=RESULT_MARKER).count() > 0
                t0 = time.perf_counter()
                rec["errors"] += use(page, url, path, buttons)
                rec["renders"][path] = time.perf_counter() - t0
            browser.close()
    except Exception as e:  # noqa: BLE001 - a failed session is a finding, not a crash of the test
        rec["errors"].append(f"{type(e).__name__}: {e}"[:300])


def main() -> None:
    ap = argparse.ArgumentParser(description="concurrent sessions against one local server")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--port", type=int, default=8617)
    ap.add_argument("--light", default=",".join(LIGHT), help="pages the light session opens, in turn")
    ap.add_argument("--cold", action="store_true", help="start the sessions on a server no one has visited yet")
    ap.add_argument(
        "--browser-nice", type=int, default=19, help="CPU priority of the working sessions' browsers (0: as the server)"
    )
    args = ap.parse_args()
    chromium = niced(args.browser_nice)
    try:
        _run(args, chromium)
    finally:
        if chromium != CHROMIUM:
            os.unlink(chromium)


def _run(args, chromium: str) -> None:
    light_pages = args.light.split(",")
    with serve(args.port) as (url, proc):
        if not args.cold:  # a server that is up: its first visitor (the teacher) has paid for the imports
            warm = {path: _timed_open(url, path) for path in ("", *(s[0] for s in STEPS), *light_pages)}
            print("first visits (one visitor, before the sessions): " + _listed(warm))
        out: dict = {}
        threads = [threading.Thread(target=session, args=(url, i, out, chromium)) for i in range(args.sessions)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        light: dict = {}

        def probes():
            for when in PROBES:  # the others are working now: a light page must still open at once
                time.sleep(max(0, t0 + when - time.perf_counter()))
                path = light_pages[len(light) % len(light_pages)]
                light[f"{path} at {when} s"] = _timed_open(url, path)

        session_light = threading.Thread(target=probes)
        session_light.start()
        for t in threads + [session_light]:
            t.join(1800)
        wall = time.perf_counter() - t0
        peak = rss_mb(proc.pid, "VmHWM")
    errors = [(i, e) for i, r in out.items() for e in r["errors"]]
    slow = max(((v, f"{k} (session {i})") for i, r in out.items() for k, v in r["renders"].items()), default=(0, "-"))
    print(
        f"{args.sessions} sessions in {wall:.0f} s: {len(errors)} errors, "
        f"{sum(r['crosstalk'] for r in out.values())} with cross-talk"
    )
    for i, e in errors:
        print(f"  session {i}: {e}")
    print(f"slowest render: {slow[0]:.1f} s, {slow[1]}")
    print("light pages while the others work: " + _listed(light))
    print(f"peak server memory: {peak:.0f} MB")


def _listed(times: dict) -> str:
    return ", ".join(f"{k or 'Home'}: {v:.1f} s" for k, v in times.items())


def _timed_open(url: str, path: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        t0 = time.monotonic()
        page.goto(f"{url}/{path}", wait_until="domcontentloaded")
        took = settle(page) - t0  # until the page's script run ended, not the quiet second after it
        browser.close()
    return took


if __name__ == "__main__":
    main()
