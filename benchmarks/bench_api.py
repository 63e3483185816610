"""API throughput: POST /api/v1/screenings against a bare FastAPI + SQLite insert, same run.

Builds a fresh installation (places, one screener, people registered through the API), then
serves the real application and, separately, a bare FastAPI app whose one POST endpoint
inserts a row of the screening's width into a WAL-mode SQLite table with the same pragmas.
Each server is a ``uvicorn.Server`` with one worker in a thread of this process on a free
loopback port, so ``AuditLog.append`` can be timed in place and, for one run, replaced by a
no-op to show the audit log's share. The load comes from a separate process (this file with
``--client``): a raw asyncio HTTP/1.1 keep-alive client holding N connections, each sending
the next request as soon as its previous answer arrived, after a warm-up, until a request
count or a time limit is reached. Latency is measured per request on the client; server CPU
per request from this process's rusage. Prints a Markdown table and the goals.

    python benchmarks/bench_api.py [--requests N] [--warmup N] [--seconds S]
        [--connections C] [--single N] [--people N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import re
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from brightline.api.app import create_app
from brightline.audit.log import AuditLog
from brightline.service.accounts import add_user
from brightline.service.places import add_facility, add_region
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.db import sqlite_pragmas
from brightline.store.models import Screening
from machine import machine

PATH = "/api/v1/screenings"
SCREENER, PASSWORD = "bench-screener", "benchmark-screener-password"
FIRST_NAMES = ["Amina", "Wanjiru", "Li", "Mei", "Chen", "Jing", "Aung", "Thandiwe", "Fatuma"]
FAMILY_NAMES = ["Otieno", "Wang", "Zhang", "Kyaw", "Nkosi", "Hassan", "Sharma", "Mensah", "Okafor"]
# Presenting VA as clinics write it; 6/12 or better is not referred under the default rules.
GOOD_VA = ["6/6", "6/6", "6/9", "6/9", "6/12", "6/7.5", "6/5", "20/20", "20/30", "1.0", "0.8"]
POOR_VA = ["6/18", "6/24", "6/36", "6/60", "3/60", "CF", "CF 1m", "HM", "LP", "20/200", "0.1"]
PINHOLE_VA = ["6/9", "6/12", "6/18", "6/36", "6/60", "CF"]


# -- the request bodies --------------------------------------------------------------------


def screening_bodies(person_ids: list[str], count: int, seed: int) -> list[str]:
    """``count`` screening bodies for random people: ~10% with poor vision in an eye."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        body: dict[str, Any] = {"person_id": rng.choice(person_ids)}
        poor = rng.random() < 0.1
        for side in ("right", "left"):
            if poor and rng.random() < 0.7:
                body[f"{side}_presenting_va"] = rng.choice(POOR_VA)
                if rng.random() < 0.8:
                    body[f"{side}_pinhole_va"] = rng.choice(PINHOLE_VA)
                body[f"{side}_lens"] = rng.choice(["opacity", "opacity", "clear", "not_visible"])
            else:
                body[f"{side}_presenting_va"] = rng.choice(GOOD_VA)
                if rng.random() < 0.6:
                    body[f"{side}_lens"] = "clear"
        if rng.random() < 0.005:
            body["symptoms"] = [rng.choice(["trauma", "painful_red_eye"])]
        bodies.append(json.dumps(body, separators=(",", ":")))
    return bodies


# -- the servers ---------------------------------------------------------------------------


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """Serve ``app`` with uvicorn (one worker, h11) in a thread on a free loopback port."""
    # proto=IPPROTO_TCP, or asyncio leaves TCP_NODELAY off on accepted connections and every
    # keep-alive request waits ~40 ms for a delayed ACK (uvicorn issue #3149: --workers N).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # As run_server configures it, minus the access log (the same for both apps).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, workers=1, proxy_headers=False, access_log=False,
        log_level="warning", log_config=None,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


class BareScreening(BaseModel):
    """The screening body, validated by shape only."""

    person_id: str
    right_presenting_va: str | None = None
    left_presenting_va: str | None = None
    right_pinhole_va: str | None = None
    left_pinhole_va: str | None = None
    right_lens: str | None = None
    left_lens: str | None = None
    symptoms: list[str] = Field(default_factory=list)


# The same columns as the real table (types left to SQLite's affinity, no foreign keys).
BARE_COLUMNS = [column.name for column in Screening.__table__.columns]


def bare_app(database: Path) -> tuple[FastAPI, Callable[[], None]]:
    """One sync POST endpoint inserting a screening-wide row; and a function closing it."""
    connections: list[sqlite3.Connection] = []
    local = threading.local()
    setup = sqlite3.connect(database)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute(f"CREATE TABLE screenings ({', '.join(BARE_COLUMNS)}, PRIMARY KEY (id))")
    setup.close()
    insert = f"INSERT INTO screenings VALUES ({', '.join('?' for _ in BARE_COLUMNS)})"

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "connection"):
            # One connection per threadpool thread, with the pragmas brightline.store.db sets.
            opened = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
            for pragma in sqlite_pragmas(5000):
                opened.execute(f"PRAGMA {pragma}")
            local.connection = opened
            connections.append(opened)
        found: sqlite3.Connection = local.connection
        return found

    app = FastAPI()

    @app.post(PATH, status_code=201)
    def record(body: BareScreening) -> dict[str, Any]:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat()
        row = {
            "id": str(uuid4()), "person_id": body.person_id, "facility_id": 1,
            "screener_id": 1, "screened_at": now,
            "right_presenting_va": body.right_presenting_va, "right_presenting_logmar": 0.0,
            "left_presenting_va": body.left_presenting_va, "left_presenting_logmar": 0.0,
            "right_pinhole_va": body.right_pinhole_va, "right_pinhole_logmar": None,
            "left_pinhole_va": body.left_pinhole_va, "left_pinhole_logmar": None,
            "right_lens": body.right_lens, "left_lens": body.left_lens,
            "symptoms": ",".join(body.symptoms), "triage_decision": "none",
            "triage_reasons": "[]", "triage_rule_version": "bare", "suspected_cataract": 0,
            "client_record_id": None, "created_at": now,
        }  # fmt: skip
        database = connection()
        database.execute("BEGIN IMMEDIATE")
        try:
            database.execute(insert, [row[name] for name in BARE_COLUMNS])
        except BaseException:
            database.execute("ROLLBACK")
            raise
        database.execute("COMMIT")
        return row

    def close() -> None:
        for opened in connections:
            opened.close()

    return app, close


def installation(home: Path) -> Settings:
    """A fresh installation with a clinic, its county's surgical centre and one screener."""
    settings = Settings(home=home, database_url=None)
    initialise(settings, admin_password="benchmark-admin-password")
    site = Site.open(settings)
    with site.transaction() as session:
        add_region(session, "P1", "Province One", "province")
        add_region(session, "CA", "County A", "county", "P1")
        add_region(session, "TA", "Township A", "township", "CA")
        add_facility(session, "CL-A", "Clinic A", "clinic", "TA")
        add_facility(session, "SC-1", "County A Hospital", "surgical_centre", "CA")
        add_user(session, SCREENER, PASSWORD, "screener", "facility:CL-A")
    site.close()
    return settings


def sign_in_and_register(port: int, people: int, seed: int) -> tuple[str, list[str]]:
    """A screener's bearer token and the ids of ``people`` people registered through the API."""
    rng = random.Random(seed)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30) as client:
        response = client.post("/auth/token", data={"username": SCREENER, "password": PASSWORD})
        response.raise_for_status()
        token: str = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        ids = []
        for _ in range(people):
            person = {
                "sex": rng.choice(["female", "male"]),
                "birth_year": rng.randrange(1930, 1985),
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}",
                "phone": f"+2547{rng.randrange(10**8):08d}",
            }
            response = client.post("/people", json=person, headers=headers)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    return token, ids


# -- the load generator (runs in its own process) -----------------------------------------

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


async def _drive(config: dict[str, Any]) -> dict[str, Any]:
    """Keep ``connections`` keep-alive connections busy until the count or the time is up.

    With ``rate`` (requests per second over all connections) the load is open-loop: request
    i is due at start + i / rate and is sent by the first free connection; its latency counts
    from when it was due, so time spent waiting for a free connection is not hidden.
    """
    host, port = "127.0.0.1", config["port"]
    head = (
        f"POST {config['path']} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in config["headers"].items())
    )
    requests = [
        (head + f"Content-Length: {len(body.encode())}\r\n\r\n").encode() + body.encode()
        for body in config["bodies"]
    ]
    total, limit, rate = config["requests"], config["seconds"], config.get("rate")
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    referred = 0
    issued = 0
    streams = [await asyncio.open_connection(host, port) for _ in range(config["connections"])]
    cpu_before = time.process_time()
    began = time.perf_counter()
    deadline = began + limit

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal issued, referred
        while issued < total and time.perf_counter() < deadline:
            slot = issued
            request = requests[slot % len(requests)]
            issued += 1
            if rate:
                sent = began + slot / rate
                await asyncio.sleep(max(0.0, sent - time.perf_counter()))
            else:
                sent = time.perf_counter()
            try:
                writer.write(request)
                response_head = await reader.readuntil(b"\r\n\r\n")
                length = _CONTENT_LENGTH.search(response_head)
                body = await reader.readexactly(int(length.group(1)) if length else 0)
            except (OSError, asyncio.IncompleteReadError) as exc:
                statuses[0] += 1
                failures.append(f"connection error: {exc!r}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - sent)
            status = int(response_head[9:12])
            statuses[status] += 1
            if status != 201:
                failures.append(f"{status}: {body[:300].decode(errors='replace')}")
            elif b'"referral":null' not in body:
                referred += 1
        writer.close()

    await asyncio.wait_for(
        asyncio.gather(*(connection(r, w) for r, w in streams)), timeout=limit + 30
    )
    return {
        "seconds": time.perf_counter() - began,
        "cpu_seconds": time.process_time() - cpu_before,
        "latencies": latencies,
        "statuses": {str(k): v for k, v in statuses.items()},
        "failures": failures[:10],
        "referred": referred,
    }


def client_main() -> None:
    """Read the run's configuration as JSON on stdin, print the results as JSON."""
    config = json.load(sys.stdin)
    results = asyncio.run(_drive(config))
    json.dump(results, sys.stdout)


# -- measuring -----------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run of one endpoint at one concurrency."""

    name: str
    connections: int
    seconds: float
    latencies: list[float]
    statuses: dict[str, int]
    failures: list[str]
    referred: int
    server_cpu_seconds: float
    client_cpu_seconds: float

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return self.requests - self.statuses.get("201", 0)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def mean_ms(self) -> float:
        return 1000 * sum(self.latencies) / len(self.latencies)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_seconds / max(1, self.requests)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(port: int, headers: dict[str, str], bodies: list[str], **limits: float) -> dict[str, Any]:
    """Run the load generator in its own process (never sharing this process's GIL)."""
    config = {"port": port, "path": PATH, "headers": headers, "bodies": bodies, **limits}
    finished = subprocess.run(
        [sys.executable, __file__, "--client"],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        timeout=limits["seconds"] + 60,
        check=True,
    )
    results: dict[str, Any] = json.loads(finished.stdout)
    return results


def measure(
    name: str,
    port: int,
    headers: dict[str, str],
    bodies: list[str],
    *,
    connections: int,
    warmup: int,
    requests: int,
    seconds: int,
    rate: float | None = None,
) -> Run:
    """A warm-up run, then the measured run with this process's CPU time around it."""
    if warmup:
        load(port, headers, bodies, connections=connections, requests=warmup, seconds=seconds)
    cpu_before = _cpu_seconds()
    paced = {"rate": rate} if rate else {}
    result = load(
        port,
        headers,
        bodies,
        connections=connections,
        requests=requests,
        seconds=seconds,
        **paced,
    )
    return Run(
        name,
        connections,
        result["seconds"],
        result["latencies"],
        result["statuses"],
        result["failures"],
        result["referred"],
        _cpu_seconds() - cpu_before,
        result["cpu_seconds"],
    )


@dataclass
class AppendTimer:
    """Wall time spent in ``AuditLog.append`` while installed (appends are serialised)."""

    calls: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = AuditLog.append

        def timed(log: AuditLog, *args: Any, **kwargs: Any) -> int:
            began = time.perf_counter()
            try:
                index: int = original(log, *args, **kwargs)
                return index
            finally:
                with self.lock:
                    self.calls += 1
                    self.seconds += time.perf_counter() - began

        AuditLog.append = timed
        try:
            yield
        finally:
            AuditLog.append = original


@contextmanager
def audit_disabled() -> Iterator[None]:
    """``AuditLog.append`` as a no-op, in this process only, for the audit-share run."""
    original = AuditLog.append
    AuditLog.append = lambda _log, _session, _event: 0
    try:
        yield
    finally:
        AuditLog.append = original


class ServerErrors(logging.Handler):
    """Counts the server's logged errors by exception, instead of printing their traces."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        message = f"{type(error).__name__}: {error}" if error else record.getMessage()
        self.seen[f"{record.name}: {message.splitlines()[0]}"] += 1

    @contextmanager
    def installed(self) -> Iterator[None]:
        loggers = [logging.getLogger(name) for name in ("brightline.api", "uvicorn.error")]
        for logger in loggers:
            logger.addHandler(self)
            logger.propagate = False
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(self)
                logger.propagate = True


# -- reporting -----------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    """The runs as a Markdown table."""
    columns = ["endpoint", "conns", "requests", "seconds", "req/s", "p50 ms", "p99 ms",
               "mean ms", "server CPU ms/req", "errors"]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|:--|" + "--:|" * (len(columns) - 1)]
    for run in runs:
        cells = [
            run.name, str(run.connections), f"{run.requests:,}", f"{run.seconds:.1f}",
            f"{run.rate:,.0f}", f"{run.percentile_ms(0.50):.1f}",
            f"{run.percentile_ms(0.99):.1f}", f"{run.mean_ms:.1f}",
            f"{run.cpu_ms_per_request:.2f}", str(run.errors),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per run")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--seconds", type=int, default=30, help="time limit per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--single", type=int, default=300, help="requests at 1 connection")
    parser.add_argument("--people", type=int, default=300, help="people to register first")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--offered-share",
        type=float,
        default=0.5,
        help="open-loop run: offered rate as a share of the closed-loop rate",
    )
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main()
        return
    load_before = os.getloadavg()[0]
    limits = {"warmup": args.warmup, "requests": args.requests, "seconds": args.seconds}
    single = {"warmup": 20, "requests": args.single, "seconds": args.seconds}
    wide, one = args.connections, 1
    timer, server_errors = AppendTimer(), ServerErrors()
    with server_errors.installed(), tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        work = Path(scratch)
        settings = installation(work / "home")
        site = Site.open(settings)
        try:
            with serving(create_app(site)) as port:
                token, person_ids = sign_in_and_register(port, args.people, args.seed)
                bodies = screening_bodies(person_ids, 2000, args.seed)
                auth = {"Authorization": f"Bearer {token}"}
                real = measure("brightline", port, auth, bodies, connections=wide, **limits)
                with audit_disabled():
                    unaudited = measure(
                        "brightline, audit append off", port, auth, bodies,
                        connections=wide, **limits,
                    )  # fmt: skip
                with timer.installed():
                    real_one = measure("brightline", port, auth, bodies, connections=one, **single)
                # Below saturation: the same 32 connections offered half the closed-loop rate.
                offered = round(real.rate * args.offered_share)
                paced = measure(
                    f"brightline, offered {offered} req/s", port, auth, bodies,
                    connections=wide, rate=offered, **limits,
                )  # fmt: skip
        finally:
            site.close()
        app, close = bare_app(work / "bare.sqlite")
        try:
            with serving(app) as port:
                bare = measure("bare FastAPI + sqlite3", port, {}, bodies, connections=wide,
                               **limits)  # fmt: skip
                bare_one = measure("bare FastAPI + sqlite3", port, {}, bodies, connections=one,
                                   **single)  # fmt: skip
        finally:
            close()
    runs = [bare, real, unaudited, bare_one, real_one, paced]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}")
    print(
        f"uvicorn {uvicorn.__version__} (h11, asyncio), one worker in a thread; load from a "
        f"separate process; {args.warmup} warm-up requests, then up to {args.requests:,} "
        f"or {args.seconds} s per run; {args.people} people; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n"
    )
    print(table(runs))
    ratio = real.rate / bare.rate
    p99 = real.percentile_ms(0.99)
    print(
        f"\nbrightline / bare throughput at {wide} connections: {ratio:.2f} (goal ≥ 0.50: "
        f"{'met' if ratio >= 0.5 else 'missed'}); brightline p99 {p99:.1f} ms (goal ≤ 25 ms: "
        f"{'met' if p99 <= 25 else 'missed'}; with {wide} connections in a closed loop it "
        f"needs ≥ {wide / 0.025:,.0f} req/s)"
    )
    print(
        f"open loop at {paced.name.split('offered ')[1]} over {wide} connections (below "
        f"saturation): p50 {paced.percentile_ms(0.5):.1f} ms, p99 {paced.percentile_ms(0.99):.1f}"
        f" ms, achieved {paced.rate:,.0f} req/s"
    )
    append_ms = 1000 * timer.seconds / max(1, timer.calls)
    per_request = timer.calls / max(1, real_one.requests + single["warmup"])
    print(
        f"mean POST latency: {real.mean_ms:.1f} ms at {wide} connections (queueing included), "
        f"{real_one.mean_ms:.1f} ms at 1 connection; server CPU {real.cpu_ms_per_request:.2f} "
        f"ms per POST"
    )
    print(
        f"audit append (timed in place, 1 connection): {append_ms:.2f} ms × {per_request:.1f} "
        f"per POST = "
        f"{append_ms * per_request / real_one.mean_ms:.0%} of the 1-connection POST latency; "
        f"switched off: {unaudited.rate / real.rate - 1:+.0%} throughput, server CPU "
        f"{unaudited.cpu_ms_per_request:.2f} vs {real.cpu_ms_per_request:.2f} ms per POST "
        f"({1 - unaudited.cpu_ms_per_request / real.cpu_ms_per_request:.0%} of it is audit)"
    )
    for message, count in server_errors.seen.most_common():
        print(f"server logged {count} × {message}", file=sys.stderr)
    for run in runs:
        referred = run.referred / max(1, run.statuses.get("201", 0))
        client_load = run.client_cpu_seconds / run.seconds
        note = f"{run.name} ({run.connections}): statuses {run.statuses}, client CPU "
        note += f"{client_load:.0%} of one core"
        if run.name.startswith("brightline"):
            note += f", {referred:.1%} referred"
        print(note, file=sys.stderr)
        for failure in run.failures:
            print(f"  {failure}", file=sys.stderr)


if __name__ == "__main__":
    main()
