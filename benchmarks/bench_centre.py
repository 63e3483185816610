"""The surgical centre's pages on the demo: the expected list, a name search, a patient page.

Builds the demo (``brightline.demo.build_demo``, or reuses ``--home``), signs in as the demo
centre's surgeon and fetches each page N times in-process after one warm-up, gzip accepted.
Bytes: the page plus its CSS and script (empty cache). Time: server time per request. Goal:
each page < 200 KB and < 300 ms (p95).

    python benchmarks/bench_centre.py [--people 100000] [--home DIR] [--repeat 20]
"""

from __future__ import annotations

import re
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bench_web import GOAL_BYTES, GOAL_MS, demo_arguments, demo_settings, sign_in, timed_fetches
from brightline.api.app import create_app
from brightline.demo import read_accounts
from brightline.settings import Settings
from brightline.site import Site
from machine import machine

SURGEON = "surgeon-baihe"
PATIENT_LINK = re.compile(r'href="(/centre/referrals/[0-9a-f-]{36})"><strong[^>]*>([^<]+)</strong>')


def measure(home: Path, repeat: int) -> list[tuple[str, int, int, float, float]]:
    settings = Settings(home=home)
    site = Site.open(settings)
    accounts = {a.username: a.password for a in read_accounts(settings)}
    try:
        client = TestClient(create_app(site), headers={"Accept-Encoding": "gzip"})
        sign_in(client, SURGEON, accounts[SURGEON])
        listed = PATIENT_LINK.search(client.get("/centre").text)
        assert listed, "the demo centre expects nobody"
        patient, name = listed.groups()
        pages = ["/centre", f"/centre?name={name.split()[0][:2]}", patient]
        return [(url, *timed_fetches(client, url, repeat)) for url in pages]
    finally:
        site.close()


def main() -> None:
    args = demo_arguments((__doc__ or "").splitlines()[0])
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    with tempfile.TemporaryDirectory() as scratch:
        rows = measure(demo_settings(args, scratch).home, args.repeat)
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}")
    print(f"{args.repeat} fetches per page after one warm-up; gzip; empty cache for assets\n")
    print("| page | HTML (gzip) | with CSS/JS | p50 ms | p95 ms | goal |")
    print("|---|---:|---:|---:|---:|---|")
    for url, page_bytes, total, p50, p95 in rows:
        ok = "met" if total < GOAL_BYTES and p95 < GOAL_MS else "MISSED"
        shown = re.sub(r"[0-9a-f-]{36}", "{id}", re.sub(r"name=.*", "name=…", url))
        print(
            f"| `{shown}` | {page_bytes / 1024:.1f} KB | {total / 1024:.1f} KB "
            f"| {p50:.0f} | {p95:.0f} | {ok} |"
        )


if __name__ == "__main__":
    main()
