"""Mixed load on a real server: screeners, reviewers, a manager and a privacy officer at once.

Builds the demo programme (``brightline.demo.build_demo``, 20,000 people by default) and a
de-identified snapshot, serves it with ``brightline serve`` as a separate process on a free
127.0.0.1 port, and runs a fixed set of client tasks for a fixed time: screeners registering
people and posting screenings (API, bearer tokens), reviewers reading their queue and
opening a case (API, purpose ``review``), a manager loading the dashboard (``/manager``,
signed in through the web sign-in form) and a privacy officer verifying the whole audit log
now and then (the web page's "Verify now"). Runs on SQLite with one worker, then on
PostgreSQL with ``--workers 2`` in a database created for the run and dropped after it.
Prints, per engine and request kind: count, errors, p50/p99 latency and throughput.

    python benchmarks/bench_load.py [--small] [--people N] [--seconds S] [--engines sqlite,postgres]
        [--postgres-url URL] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from brightline.analytics.snapshot import take_snapshot
from brightline.demo import build_demo, read_accounts
from brightline.settings import Settings
from brightline.site import Site
from machine import machine

LOOPBACK = "127.0.0.1"  # the only address this benchmark sends to
POSTGRES_URL = "postgresql+psycopg://brightline:brightline@127.0.0.1:5432/brightline_test"
SCREENERS = ("screener-shuikou", "screener-shangba")  # demo accounts (docs/demo.md)
TASKS = {"screener": 4, "reviewer": 2, "manager": 1, "privacy": 1}  # client tasks per role
PAUSE = {"screener": 0.0, "reviewer": 0.2, "manager": 1.0, "privacy": 10.0}  # think time, s
MAX_REQUESTS_PER_TASK = 20_000  # a bound besides the duration
REQUEST_TIMEOUT = 60.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Kind:
    """The measured requests of one kind."""

    count: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    failures: list[str] = field(default_factory=list)

    def percentile_ms(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Run:
    """One engine's run: per request kind, and the conditions it ran in."""

    engine: str
    workers: int
    people: int
    seconds: float = 0.0
    kinds: dict[str, Kind] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0

    def timed(self, name: str) -> Callable[[Awaitable[httpx.Response], int], Awaitable[str]]:
        """Await a request, count it under ``name``, return its text (empty on an error)."""
        kind = self.kinds.setdefault(name, Kind())

        async def measure(request: Awaitable[httpx.Response], expected: int) -> str:
            kind.count += 1
            began = time.perf_counter()
            try:
                answer = await request
            except httpx.TransportError as exc:
                kind.errors += 1
                kind.failures.append(repr(exc))
                return ""
            kind.latencies.append(time.perf_counter() - began)
            if answer.status_code != expected:
                kind.errors += 1
                kind.failures.append(f"{answer.status_code}: {answer.text[:200]}")
                return ""
            return answer.text

        return measure


# -- the installation and the server ------------------------------------------------------


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A database of this run's own on the PostgreSQL server, dropped afterwards."""
    url = make_url(base_url)
    name = f"brightline_bench_load_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reachable(base_url: str) -> bool:
    """Whether the PostgreSQL server answers (``make bench`` also runs where there is none)."""
    engine = create_engine(base_url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def prepare(settings: Settings, people: int, seed: int) -> dict[str, str]:
    """Build the demo and its snapshot; return the demo's accounts (username: password)."""
    began = time.perf_counter()
    build_demo(settings, people=people, seed=seed)
    site = Site.open(settings)
    try:
        take_snapshot(site)
    finally:
        site.close()
    print(f"demo of {people:,} people and its snapshot: {time.perf_counter() - began:.0f} s",
          file=sys.stderr)  # fmt: skip
    return {account.username: account.password for account in read_accounts(settings)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serving(settings: Settings, workers: int, log: Path) -> Iterator[str]:
    """``brightline serve`` as its own process (and its workers); stopped with SIGTERM after."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTLINE_")}
    environment["BRIGHTLINE_HOME"] = str(settings.home)
    if settings.database_url:
        environment["BRIGHTLINE_DATABASE_URL"] = settings.database_url
    command = [str(Path(sys.executable).with_name("brightline")), "serve", "--host", LOOPBACK,
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("ab") as output:
        server = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers too
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


# -- the clients ---------------------------------------------------------------------------


async def bearer_client(url: str, username: str, password: str) -> httpx.AsyncClient:
    """An API client with the account's token."""
    client = httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=REQUEST_TIMEOUT)
    answer = await client.post("/auth/token", data={"username": username, "password": password})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


async def web_client(url: str, username: str, password: str) -> httpx.AsyncClient:
    """A browser-like client signed in through the web sign-in form (session cookie)."""
    client = httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT)
    form = await client.get("/sign-in")
    token = CSRF.search(form.text)
    assert token, "no CSRF token on the sign-in form"
    answer = await client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


async def pause(seconds: float, end: float) -> None:
    """Think time, never past the end of the run."""
    await asyncio.sleep(max(0.0, min(seconds, end - time.monotonic())))


async def screener(client: httpx.AsyncClient, run: Run, rng: random.Random, end: float) -> None:
    """Register a person, then screen them; ~1 in 10 with poor vision (referred)."""
    register, screen = run.timed("register person (API)"), run.timed("record screening (API)")
    for _ in range(MAX_REQUESTS_PER_TASK // 2):
        if time.monotonic() >= end:
            return
        person = {"sex": rng.choice(["female", "male"]), "birth_year": rng.randrange(1930, 1980),
                  "name": f"Load Test {rng.randrange(10**6)}"}  # fmt: skip
        body = await register(client.post("/people", json=person), 201)
        if not body:
            continue
        poor = rng.random() < 0.1
        screening = {
            "person_id": json.loads(body)["id"],
            "right_presenting_va": rng.choice(["6/60", "CF", "3/60"]) if poor else "6/9",
            "left_presenting_va": rng.choice(["6/6", "6/12"]),
            "right_lens": "opacity" if poor else "clear",
        }
        await screen(client.post("/screenings", json=screening), 201)


async def reviewer(client: httpx.AsyncClient, run: Run, rng: random.Random, end: float) -> None:
    """Read the review queue, open one of its cases with the purpose ``review``."""
    queue, case = run.timed("review queue (API)"), run.timed("open case (API)")
    for _ in range(MAX_REQUESTS_PER_TASK // 2):
        if time.monotonic() >= end:
            return
        listed = await queue(client.get("/review-queue"), 200)
        ids = [referral["id"] for referral in json.loads(listed or "[]")]
        if ids:
            headers = {"X-Purpose-Of-Use": "review"}
            await case(client.get(f"/referrals/{rng.choice(ids)}", headers=headers), 200)
        await pause(PAUSE["reviewer"], end)


async def manager(client: httpx.AsyncClient, run: Run, _rng: random.Random, end: float) -> None:
    """Load the region's dashboard (cards, funnel, trends from the snapshot)."""
    dashboard = run.timed("dashboard /manager (web)")
    for _ in range(MAX_REQUESTS_PER_TASK):
        if time.monotonic() >= end:
            return
        await dashboard(client.get("/manager"), 200)
        await pause(PAUSE["manager"], end)


async def privacy(client: httpx.AsyncClient, run: Run, _rng: random.Random, end: float) -> None:
    """Now and then, verify the whole audit log from the privacy page ("Verify now")."""
    verify = run.timed("verify audit log (web)")
    for _ in range(MAX_REQUESTS_PER_TASK):
        await pause(PAUSE["privacy"] / 2, end)
        if time.monotonic() >= end:
            return
        page = await client.get("/privacy")
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the privacy page"
        await verify(client.post("/privacy/verify", data={"csrf_token": token[1]}), 303)
        after = await client.get("/privacy")
        if "PROBLEMS FOUND" in after.text:  # this worker's last verification found problems
            run.kinds["verify audit log (web)"].errors += 1
        await pause(PAUSE["privacy"] / 2, end)


async def drive(url: str, accounts: dict[str, str], run: Run, seconds: float, seed: int) -> None:
    """Sign every task in, then run them all together for ``seconds``."""
    rng = random.Random(seed)
    plan: list[tuple[Callable[..., Awaitable[None]], httpx.AsyncClient]] = []
    for number in range(TASKS["screener"]):
        username = SCREENERS[number % len(SCREENERS)]
        plan.append((screener, await bearer_client(url, username, accounts[username])))
    for _ in range(TASKS["reviewer"]):
        plan.append((reviewer, await bearer_client(url, "reviewer", accounts["reviewer"])))
    for _ in range(TASKS["manager"]):
        plan.append((manager, await web_client(url, "manager", accounts["manager"])))
    for _ in range(TASKS["privacy"]):
        officer = "privacy-officer"
        plan.append((privacy, await web_client(url, officer, accounts[officer])))
    # Not measured: each worker's first dashboard and queue load imports the analytics
    # engine and warms caches once per server start.
    for task, client in plan:
        for path in {manager: ["/manager"] * 4, reviewer: ["/review-queue"] * 2}.get(task, []):
            await client.get(path)
    began = time.monotonic()
    end = began + seconds
    try:
        await asyncio.wait_for(
            asyncio.gather(
                *(task(client, run, random.Random(rng.random()), end) for task, client in plan)
            ),
            timeout=seconds + 2 * REQUEST_TIMEOUT,
        )
    finally:
        run.seconds = time.monotonic() - began
        for _, client in plan:
            await client.aclose()


def run_engine(engine: str, args: argparse.Namespace, work: Path) -> Run:
    """Build, serve and load one engine's installation."""
    workers = 1 if engine == "sqlite" else 2
    run = Run(engine, workers, args.people)
    with contextmanager_for(engine, args.postgres_url) as database_url:
        settings = Settings(home=work / engine / "home", database_url=database_url)
        accounts = prepare(settings, args.people, args.seed)
        with serving(settings, workers, work / f"{engine}-serve.log") as url:
            run.load_before = os.getloadavg()[0]
            asyncio.run(drive(url, accounts, run, args.seconds, args.seed))
            run.load_after = os.getloadavg()[0]
    return run


@contextmanager
def contextmanager_for(engine: str, postgres_url: str) -> Iterator[str | None]:
    """No database URL for SQLite (the file in the home); a fresh database for PostgreSQL."""
    if engine == "sqlite":
        yield None
        return
    with postgres_database(postgres_url) as url:
        yield url


# -- reporting -----------------------------------------------------------------------------


def table(run: Run) -> str:
    """One engine's run as a Markdown table."""
    lines = [
        "| request | count | errors | p50 ms | p99 ms | req/s |",
        "|:--|--:|--:|--:|--:|--:|",
    ]
    for name, kind in run.kinds.items():
        lines.append(
            f"| {name} | {kind.count:,} | {kind.errors} | {kind.percentile_ms(0.5):.1f} "
            f"| {kind.percentile_ms(0.99):.1f} | {len(kind.latencies) / run.seconds:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run: 2,000 people, 8 s")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="load time per engine")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("BRIGHTLINE_BENCH_POSTGRES_URL",
                                                                 POSTGRES_URL))  # fmt: skip
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    if args.small:
        args.people, args.seconds = 2_000, 8.0
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        for engine in (name.strip() for name in args.engines.split(",")):
            if engine == "postgres" and not reachable(args.postgres_url):
                print(f"PostgreSQL at {make_url(args.postgres_url).host} not reachable: "
                      "its run is left out", file=sys.stderr)  # fmt: skip
                continue
            runs.append(run_engine(engine, args, Path(scratch)))
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}")
    tasks = ", ".join(f"{count} {role}" for role, count in TASKS.items())
    print(f"client tasks: {tasks} (think time {PAUSE}); one asyncio process, HTTP/1.1\n")
    for run in runs:
        print(
            f"### {run.engine}, {run.workers} worker(s): demo of {run.people:,} people, "
            f"{run.seconds:.0f} s, load average {run.load_before:.1f} before, "
            f"{run.load_after:.1f} after\n"
        )
        print(table(run) + "\n")
        for name, kind in run.kinds.items():
            for failure in kind.failures[:5]:
                print(f"{run.engine} {name}: {failure}", file=sys.stderr)
    if any(kind.errors for run in runs for kind in run.kinds.values()):
        raise SystemExit("errors (goal: 0); see above")


if __name__ == "__main__":
    main()
