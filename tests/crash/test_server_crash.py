"""``kill -9`` of a loaded ``brightline serve``: acknowledged writes kept, none half-written.

Screeners' clients register people and post screenings through the API while the server is
killed with SIGKILL at a seeded moment. Afterwards the database file must be sound, the
audit log must verify, every write a client saw acknowledged (201 with an id) must be there,
every stored screening and registration must have its audit entry and every referral its
screening; the server must start again on the same data and serve.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest

from brightline.audit.log import record_pseudonym
from brightline.pathway import referral_plan
from brightline.settings import Settings
from brightline.site import Site
from tests.conftest import PASSWORD
from tests.crash.helpers import (
    Server,
    audit_verified,
    database_file,
    fresh_installation,
    integrity,
    serving,
)

pytestmark = pytest.mark.slow

TRIALS = 3
SEED = 20261202
CLIENTS = ("screener_a", "screener_a", "screener_b", "screener_b")  # the test world's screeners
REQUESTS_PER_CLIENT = 400  # bounds: each client stops at this count, at DEADLINE, or at the kill
DEADLINE_SECONDS = 20
REQUEST_TIMEOUT_SECONDS = 5
API = "/api/v1"


@dataclass
class Acknowledged:
    """What one client was told was saved, and any answer that was neither 201 nor a cut line."""

    people: list[str] = field(default_factory=list)
    screenings: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def signed_in(server: Server, username: str) -> httpx.Client:
    """An API client holding the account's bearer token."""
    client = httpx.Client(base_url=server.url + API, timeout=REQUEST_TIMEOUT_SECONDS)
    answer = client.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


def screening_body(rng: random.Random, person_id: str) -> dict[str, object]:
    """A screening as a clinic sends it: a fifth with poor vision in the right eye (referred)."""
    poor = rng.random() < 0.2
    return {
        "person_id": person_id,
        "right_presenting_va": rng.choice(["6/60", "3/60", "CF"]) if poor else "6/9",
        "left_presenting_va": rng.choice(["6/6", "6/12"]),
        "right_lens": "opacity" if poor else "clear",
    }


def work(client: httpx.Client, seed: int, seen: Acknowledged) -> None:
    """Register people and screen them until the count, the deadline or the server's end."""
    rng = random.Random(seed)
    deadline = time.monotonic() + DEADLINE_SECONDS
    for number in range(REQUESTS_PER_CLIENT):
        if time.monotonic() > deadline:
            return
        try:
            if number % 4 == 0 or not seen.people:
                person = {"sex": rng.choice(["female", "male"]), "birth_year": 1950, "name": "N"}
                answer = client.post("/people", json=person)
            else:
                answer = client.post("/screenings", json=screening_body(rng, seen.people[-1]))
        except httpx.TransportError:
            return  # the server is gone: whatever was in flight was never acknowledged
        if answer.status_code != 201:
            seen.refused.append(f"{answer.status_code}: {answer.text[:200]}")
            continue
        saved = answer.json()
        if "triage" in saved:
            seen.screenings.append(saved["id"])
            if saved["referral"] is not None:
                seen.referrals.append(saved["referral"]["id"])
        else:
            seen.people.append(saved["id"])


def load_and_kill(server: Server, moment: float) -> list[Acknowledged]:
    """Every client working at once; SIGKILL at ``moment`` seconds; what each was told."""
    clients = [signed_in(server, username) for username in CLIENTS]
    seen = [Acknowledged() for _ in clients]
    threads = [
        threading.Thread(target=work, args=(client, SEED + n, seen[n]), daemon=True)
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(moment)
    server.kill()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS + REQUEST_TIMEOUT_SECONDS)
        assert not thread.is_alive(), "a client did not stop"
    for client in clients:
        client.close()
    return seen


def stored_rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """The rows the checks need, read straight from the database file."""
    connection = sqlite3.connect(database_file(settings))
    queries = {
        "people": "SELECT id FROM people",
        "screenings": "SELECT id, person_id, triage_decision, attached_referral_id FROM screenings",
        "referrals": "SELECT id, screening_id FROM referrals",
        "audit": "SELECT action, record FROM audit_entries WHERE outcome = 'allowed'",
    }
    try:
        return {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        connection.close()


def check_nothing_lost_or_half_written(settings: Settings, seen: list[Acknowledged]) -> None:
    """Acknowledged writes are stored; stored writes are whole (audit entry, referral)."""
    rows = stored_rows(settings)
    people = {row[0] for row in rows["people"]}
    screenings = {row[0]: row for row in rows["screenings"]}
    referral_of = {row[1]: row[0] for row in rows["referrals"]}
    for client in seen:
        assert not client.refused, client.refused
        assert set(client.people) <= people
        assert set(client.screenings) <= screenings.keys()
        assert set(client.referrals) <= set(referral_of.values())
    assert set(referral_of) <= screenings.keys(), "a referral without its screening"
    referral_ids = set(referral_of.values())
    for screening_id, _, decision, attached in screenings.values():
        wanted = referral_plan(str(decision)) is not None
        # A referring screening opened its own referral or joined an open one, never both.
        joined = attached is not None and attached in referral_ids
        opened = screening_id in referral_of
        assert (opened or joined) == wanted and not (opened and joined), (
            f"screening {screening_id} half-written"
        )
    site = Site.open(settings)
    try:
        keys = site.keys
    finally:
        site.close()
    entries = Counter((str(action), record) for action, record in rows["audit"])
    for person_id in people:
        assert entries["person.create", record_pseudonym(keys, person_id)] >= 1, person_id
    per_person = Counter(str(row[1]) for row in screenings.values())
    for person_id, count in per_person.items():
        logged = entries["screening.create", record_pseudonym(keys, person_id)]
        assert logged == count, f"{count} screenings of {person_id}, {logged} audit entries"


def check_serves_again(settings: Settings, log: Path) -> None:
    """The server starts on the same data and records a screening."""
    with serving(settings, log) as server:
        client = signed_in(server, "screener_a")
        try:
            person = client.post("/people", json={"sex": "female", "birth_year": 1944})
            assert person.status_code == 201, person.text
            body = {"person_id": person.json()["id"], "right_presenting_va": "6/6"}
            screened = client.post("/screenings", json={**body, "left_presenting_va": "6/6"})
            assert screened.status_code == 201, screened.text
        finally:
            client.close()


def test_killed_server_keeps_every_acknowledged_write(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rng = random.Random(SEED)
    for trial in range(TRIALS):
        settings = fresh_installation(tmp_path_factory, f"serve-kill-{trial}")
        log = tmp_path / f"serve-{trial}.log"
        moment = rng.uniform(0.4, 2.0)
        with serving(settings, log) as server:
            seen = load_and_kill(server, moment)
        acknowledged = sum(len(client.screenings) for client in seen)
        assert acknowledged > 0, f"trial {trial}: no screening was saved before the kill"

        assert integrity(settings) == "ok", f"trial {trial} at {moment:.2f} s"
        verified = audit_verified(settings)
        assert verified.exit_code == 0, verified.output
        check_nothing_lost_or_half_written(settings, seen)
        check_serves_again(settings, log)
        assert audit_verified(settings).exit_code == 0
