"""Shared fixtures: a real installation on SQLite in tmp_path, or on PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from brightline.service.accounts import add_user
from brightline.service.places import add_facility, add_region
from brightline.settings import Settings
from brightline.site import Site, initialise

POSTGRES_URL = os.environ.get("BRIGHTLINE_TEST_POSTGRES_URL")

# No per-example deadline: speed is measured by benchmarks, never asserted by a timer that
# fails on a busy machine.
hypothesis_settings.register_profile("brightline", deadline=None)
hypothesis_settings.load_profile("brightline")
ADMIN_PASSWORD = "admin-password-for-tests"
PASSWORD = "correct-horse-battery"
STAFF = {  # username: (role, scope) in the world below
    "screener_a": ("screener", "facility:CL-A"),
    "screener_b": ("screener", "facility:CL-B"),
    "reviewer": ("reviewer", "region:P1"),
    "surgeon": ("surgeon", "facility:SC-1"),
    "manager": ("manager", "region:P1"),
    "privacy": ("privacy_officer", "all"),
}


def _worker_database(base_url: str) -> str:
    """A PostgreSQL database of this test process's own, emptied for each test."""
    url = make_url(base_url)
    # The process id keeps concurrent test runs on one server apart.
    name = f"{url.database}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    worker_url = url.set(database=name)
    engine = create_engine(worker_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return worker_url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Each storage test runs on SQLite and on PostgreSQL (skipped, with the reason, if absent)."""
    if request.param == "sqlite":
        return None
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set BRIGHTLINE_TEST_POSTGRES_URL (CI does)")
    return _worker_database(POSTGRES_URL)


@pytest.fixture(scope="session", autouse=True)
def _drop_worker_database() -> Iterator[None]:
    """Remove this process's PostgreSQL test database at the end of the run."""
    yield
    if not POSTGRES_URL:
        return
    url = make_url(POSTGRES_URL)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_{os.getpid()}"'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Settings of a fresh installation in tmp_path."""
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """An initialised, opened installation."""
    initialise(settings, admin_password=ADMIN_PASSWORD)
    opened = Site.open(settings)
    yield opened
    opened.close()


@dataclass(frozen=True)
class World:
    """A small programme: one province, two counties, clinics and one surgical centre."""

    province: int
    county_a: int
    county_b: int
    township_a: int
    township_b: int
    clinic_a: int
    clinic_b: int
    centre: int


def build_world(site: Site) -> World:
    """Regions and facilities most pathway tests need: two counties, a clinic in a township
    of each, and a surgical centre in county A."""
    with site.transaction() as session:
        province = add_region(session, "P1", "Province One", "province")
        county_a = add_region(session, "CA", "County A", "county", "P1")
        county_b = add_region(session, "CB", "County B", "county", "P1")
        township_a = add_region(session, "TA", "Township A", "township", "CA")
        township_b = add_region(session, "TB", "Township B", "township", "CB")
        clinic_a = add_facility(session, "CL-A", "Clinic A", "clinic", "TA")
        clinic_b = add_facility(session, "CL-B", "Clinic B", "clinic", "TB")
        centre = add_facility(session, "SC-1", "County A Hospital", "surgical_centre", "CA")
        return World(
            province.id,
            county_a.id,
            county_b.id,
            township_a.id,
            township_b.id,
            clinic_a.id,
            clinic_b.id,
            centre.id,
        )


@pytest.fixture
def world(site: Site) -> World:
    """Regions and facilities most pathway tests need."""
    return build_world(site)


def add_staff(site: Site) -> None:
    """One account of every clinical role in the world, two screeners, all with PASSWORD."""
    with site.transaction() as session:
        for username, (role, scope) in STAFF.items():
            add_user(session, username, PASSWORD, role, scope)
