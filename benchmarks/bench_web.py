"""Web pages: bytes transferred and server render time of each role's main page on the demo.

Builds the 100,000-person demo (``brightline.demo.build_demo``) into a temporary data
directory (or reuses one with ``--home``), takes a de-identified snapshot for the manager's
dashboard, signs in as each demo role through the sign-in form and fetches each main page N
times in-process (the ASGI app through ``fastapi.testclient``, gzip accepted, as a phone
browser would). Bytes are the compressed page plus its CSS and script (an empty cache, the
worst case); render time is the server time per request. Goal: each page < 200 KB and
< 300 ms (p95).

    python benchmarks/bench_web.py [--people 100000] [--home DIR] [--repeat 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from brightline.analytics.snapshot import take_snapshot
from brightline.api.app import create_app
from brightline.demo import build_demo, read_accounts, read_marker
from brightline.settings import Settings
from brightline.site import Site
from machine import machine

PAGES = [  # (demo username, its main pages); {case} is the first case of the review queue
    ("screener-shuikou", "/screener/worklist"),
    ("reviewer", "/reviewer"),
    ("reviewer", "/reviewer?photos=no&urgent=1"),
    ("reviewer", "/reviewer/cases/{case}"),
    ("surgeon-baihe", "/centre"),
    ("manager", "/manager"),
    ("privacy-officer", "/privacy"),
    ("manager", f"/manager?period={datetime.now(UTC).year - 1}"),
    ("manager", "/manager/report"),
    ("demo-admin", "/admin"),
    ("manager", "/account"),
]
PATIENT_SCREENER = "screener-shuikou"
FIRST_CASE = re.compile(r'href="/reviewer/cases/([^"]+)"')
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
GOAL_BYTES, GOAL_MS = 200_000, 300.0


def csrf_of(page: str) -> str:
    """The CSRF token of a page's form."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the page has no form"
    return token.group(1)


def sign_in(client: TestClient, username: str, password: str) -> None:
    response = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(client.get("/sign-in").text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_fetches(
    client: TestClient, url: str, repeat: int, form: dict[str, str] | None = None
) -> tuple[int, int, float, float]:
    """Fetch a page ``repeat`` times after one warm-up (posting ``form`` if given): its bytes
    as sent, with its stylesheet and scripts (empty cache), and the median and p95 server
    time in ms."""
    times, response = [], None
    for _ in range(repeat + 1):  # the first fetch warms caches and is not counted
        started = time.perf_counter()
        response = client.get(url) if form is None else client.post(url, data=form)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.url, response.status_code)
    assert response is not None
    page_bytes = int(response.headers.get("content-length") or len(response.content))
    assets = 0
    for asset in sorted(set(ASSET.findall(response.text))):
        fetched = client.get(asset)
        assets += int(fetched.headers.get("content-length") or len(fetched.content))
    return (
        page_bytes,
        page_bytes + assets,
        statistics.median(times[1:]),
        percentile(times[1:], 0.95),
    )


def measure(home: Path, repeat: int) -> list[tuple[str, str, int, int, float, float]]:
    settings = Settings(home=home)
    site = Site.open(settings)
    accounts = {a.username: a.password for a in read_accounts(settings)}
    app = create_app(site)
    rows = []
    try:
        for username, url in PAGES:
            client = TestClient(app, headers={"Accept-Encoding": "gzip"})
            sign_in(client, username, accounts[username])
            if "{case}" in url:
                first = FIRST_CASE.search(client.get("/reviewer").text)
                assert first, "the demo's review queue is empty"
                url = url.format(case=first.group(1))
            rows.append((username, url, *timed_fetches(client, url, repeat)))
        rows.append(_patient_row(app, accounts, repeat))
    finally:
        site.close()
    return rows


def _patient_row(
    app: Any, accounts: dict[str, str], repeat: int
) -> tuple[str, str, int, int, float, float]:
    """The patient's access report: a person referred now (the demo keeps no PINs), then the
    report opened with the slip's code and PIN as the patient would, N times."""
    api = TestClient(app)
    token = api.post(
        "/api/v1/auth/token",
        data={"username": PATIENT_SCREENER, "password": accounts[PATIENT_SCREENER]},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    person = api.post(
        "/api/v1/people", headers=headers, json={"sex": "female", "birth_year": 1948}
    ).json()
    screening = api.post(
        "/api/v1/screenings",
        headers=headers,
        json={
            "person_id": person["id"],
            "right_presenting_va": "CF 1m",
            "left_presenting_va": "6/60",
        },
    ).json()
    form = {"code": screening["referral"]["code"], "pin": screening["access_pin"]}
    client = TestClient(app, headers={"Accept-Encoding": "gzip"})
    form["csrf_token"] = csrf_of(client.get("/patient").text)
    figures = timed_fetches(client, "/patient", repeat, form)
    return ("(patient)", "/patient (access report)", *figures)


def demo_arguments(description: str) -> argparse.Namespace:
    """The options every page benchmark takes: the demo's size and seed, a demo to reuse, and
    how many fetches per page."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, help="reuse this demo data directory")
    parser.add_argument("--repeat", type=int, default=20)
    return parser.parse_args()


def demo_settings(args: argparse.Namespace, scratch: str) -> Settings:
    """The demo to measure: the one in ``--home``, or one built there (or in ``scratch``)."""
    settings = Settings(home=args.home or Path(scratch) / "demo")
    if read_marker(settings) is None:
        started = time.perf_counter()
        build_demo(settings, people=args.people, seed=args.seed)
        print(f"demo of {args.people:,} people built in {time.perf_counter() - started:.1f} s")
    return settings


def main() -> None:
    args = demo_arguments((__doc__ or "").splitlines()[0])
    # ibis 12 warns about DuckDB's deprecated fetch_arrow_table; not this benchmark's concern.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    with tempfile.TemporaryDirectory() as scratch:
        settings = demo_settings(args, scratch)
        home = settings.home
        site = Site.open(settings)
        try:
            started = time.perf_counter()
            take_snapshot(site)
            print(f"snapshot taken in {time.perf_counter() - started:.1f} s")
        finally:
            site.close()
        rows = measure(home, args.repeat)
    print(f"\n{datetime.now(UTC):%Y-%m-%d} · {machine()}")
    print(f"{args.repeat} fetches per page after one warm-up; gzip; empty cache for assets\n")
    print("| page | as | HTML (gzip) | with CSS/JS | p50 ms | p95 ms | goal |")
    print("|---|---|---:|---:|---:|---:|---|")
    for username, url, page_bytes, total, p50, p95 in rows:
        ok = "met" if total < GOAL_BYTES and p95 < GOAL_MS else "MISSED"
        print(
            f"| `{url}` | {username} | {page_bytes / 1024:.1f} KB | {total / 1024:.1f} KB "
            f"| {p50:.0f} | {p95:.0f} | {ok} |"
        )


if __name__ == "__main__":
    main()
