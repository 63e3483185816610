"""The offline screener app: bytes of its shell and first-load time on a slow-3G profile.

Builds a small demo (``brightline.demo.build_demo``), serves it with uvicorn on a loopback
port, signs a demo screener in with Debian's Chromium (Playwright), then throttles the page's
network through CDP ``Network.emulateNetworkConditions`` (400 ms round trip, 400 kbit/s down
and up, Chrome DevTools' "Slow 3G") and opens ``/screener/app/`` with an empty cache: the bytes
on the wire (CDP ``encodedDataLength``, gzip) and the time until the app is usable (its PIN
form shown). It then reopens the app offline, from the service worker. Goals: shell under
200 KB transferred, first load under 5 s.

    python benchmarks/bench_offline.py [--people 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

from brightline.api.app import create_app
from brightline.chromium import CHROMIUM, HEADLESS_FLAGS, wait_in_page
from brightline.demo import build_demo, read_accounts
from brightline.settings import Settings
from brightline.site import Site
from machine import machine

SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
GOAL_BYTES, GOAL_SECONDS = 200_000, 5.0


def serve(site: Site) -> tuple[uvicorn.Server, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(site), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def first_load(browser: Any, url: str, username: str, password: str) -> tuple[int, float, float]:
    """One cold first load of the app (bytes, seconds), then one offline reopen (seconds)."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    received: list[int] = []
    cdp.on(
        "Network.loadingFinished", lambda event: received.append(int(event["encodedDataLength"]))
    )
    started = time.perf_counter()
    page.goto(f"{url}/screener/app/")
    page.locator("#pin-set").wait_for()
    seconds = time.perf_counter() - started
    wait_in_page(page, "() => navigator.serviceWorker.controller !== null")
    shell_bytes = sum(received)
    context.set_offline(True)
    started = time.perf_counter()
    page.reload()
    page.locator("#pin-set").wait_for()
    offline_seconds = time.perf_counter() - started
    context.close()
    return shell_bytes, seconds, offline_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch) / "demo")
        build_demo(settings, people=args.people, seed=1)
        accounts = [a for a in read_accounts(settings) if a.role == "screener"]
        site = Site.open(settings)
        server, url = serve(site)
        runs = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=list(HEADLESS_FLAGS)
                )
                for _ in range(args.repeat):
                    runs.append(
                        first_load(browser, url, accounts[0].username, accounts[0].password)
                    )
                browser.close()
        finally:
            server.should_exit = True
            site.close()
    shell_bytes = max(r[0] for r in runs)
    first = statistics.median(r[1] for r in runs)
    worst = max(r[1] for r in runs)
    offline = statistics.median(r[2] for r in runs)
    met = shell_bytes < GOAL_BYTES and worst < GOAL_SECONDS
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}")
    print(f"{args.repeat} cold first loads on slow 3G (400 ms, 400 kbit/s), empty cache\n")
    print("| shell on the wire | first load p50 | first load worst | offline reopen p50 | goal |")
    print("|---:|---:|---:|---:|---|")
    print(
        f"| {shell_bytes / 1024:.1f} KB | {first:.2f} s | {worst:.2f} s | {offline:.2f} s "
        f"| {'met' if met else 'MISSED'} |"
    )


if __name__ == "__main__":
    main()
