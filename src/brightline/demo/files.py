"""The demo's files in the data directory: the marker saying a demo was built (and from what
seed), the sign-in accounts file, and discarding a demo so it can be rebuilt."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.errors import BrightlineError
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import Facility, Person, Region, User

MARKER_FILE = "demo.json"
ACCOUNTS_FILE = "demo-accounts.json"
POPULATION_FILE = "demo-population.csv"


class DemoRefused(BrightlineError):
    """The demo cannot be built here: the store already holds records (real or a demo)."""

    code = "demo_refused"


@dataclass(frozen=True)
class DemoAccount:
    """A sign-in account of the demo, as written to demo-accounts.json."""

    username: str
    password: str
    role: str
    scope: str


@dataclass(frozen=True)
class DemoMarker:
    """What demo.json records: this installation holds a demo, and which one."""

    seed: int
    people: int
    as_of: date
    built_at: str
    version: str


def demo_password(seed: int, username: str) -> str:
    """A demo account's password, derived from the seed (synthetic data; never for real use)."""
    digest = hashlib.sha256(f"brightline-demo:{seed}:{username}".encode()).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def read_marker(settings: Settings) -> DemoMarker | None:
    """The demo marker of this data directory, or None if it holds no demo."""
    path = settings.home / MARKER_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return DemoMarker(
        int(data["seed"]),
        int(data["people"]),
        date.fromisoformat(data["as_of"]),
        str(data["built_at"]),
        str(data["version"]),
    )


def read_accounts(settings: Settings) -> list[DemoAccount]:
    """The demo's sign-in accounts from demo-accounts.json."""
    path = settings.home / ACCOUNTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoRefused(f"{path} cannot be read ({exc}); rebuild with --rebuild") from exc
    return [DemoAccount(**entry) for entry in data]


def write_private(path: Path, text: str) -> None:
    """Write ``path`` readable by its owner only (0600), replacing it whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)


def store_contents(session: Session) -> dict[str, int]:
    """How many people, regions, facilities and accounts the store holds."""
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in (
            ("people", Person),
            ("regions", Region),
            ("facilities", Facility),
            ("users", User),
        )
    }


def installed_demo(site: Site) -> DemoMarker | None:
    """The demo this installation holds: a marker file and a store that is not empty."""
    marker = read_marker(site.settings)
    if marker is None:
        return None
    with site.transaction() as session:
        return marker if store_contents(session)["people"] > 0 else None


def discard_demo(settings: Settings) -> None:
    """Delete a demo's database and files so it can be rebuilt; keys stay (they still match).

    Refused unless the data directory holds a demo marker, the store uses the default SQLite
    file, and the store still holds exactly the demo's people (nobody added real records).
    """
    marker = read_marker(settings)
    if marker is None:
        if not (settings.home / "brightline.db").exists() and not settings.database_url:
            return  # nothing built yet: nothing to discard
        raise DemoRefused(
            f"{settings.home} holds no demo marker ({MARKER_FILE}), so it may hold real "
            "records; nothing deleted"
        )
    if settings.database_url:
        raise DemoRefused(
            "--rebuild only deletes the default SQLite file; drop and recreate the configured "
            "database yourself, then run 'brightline demo' again"
        )
    site = Site.open(settings)
    try:
        with site.transaction() as session:
            held = store_contents(session)["people"]
    finally:
        site.close()
    if held not in (0, marker.people):
        raise DemoRefused(
            f"the store holds {held} people but the demo made {marker.people}: records were "
            "added after the demo was built, so nothing is deleted"
        )
    database = settings.home / "brightline.db"
    for path in (
        database,
        database.with_name("brightline.db-wal"),
        database.with_name("brightline.db-shm"),
        settings.home / ACCOUNTS_FILE,
        settings.home / MARKER_FILE,
        settings.home / POPULATION_FILE,
    ):
        path.unlink(missing_ok=True)
