"""Shared fixtures: a real installation on SQLite in tmp_path, or on PostgreSQL when configured."""

from __future__ import annotations

import os
import shutil
import sqlite3
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
# argon2's cheapest parameters: each test signs accounts in, and RFC 9106's cost is 64 MiB and
# ~50 ms a hash. Set in the environment so CLI runs and every Settings() in tests get it too.
os.environ["BRIGHTLINE_ARGON2_PROFILE"] = "test"

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
        worker = f"{url.database}_{os.getpid()}"
        for name in (worker, f"{worker}_template", f"{worker}_template_seeded"):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Settings of a fresh installation in tmp_path."""
    return Settings(home=tmp_path / "home", database_url=database_url)


@dataclass(frozen=True)
class Template:
    """An installation built once per test process, copied for each test that wants one."""

    settings: Settings
    world: World | None


def _build_template(home: Path, database_url: str | None, *, seeded: bool) -> Template:
    """Migrate (and seed with the world and the staff) an installation, then close it."""
    settings = Settings(home=home, database_url=database_url)
    initialise(settings, admin_password=ADMIN_PASSWORD)
    world = None
    if seeded:
        built = Site.open(settings)
        try:
            world = build_world(built)
            add_staff(built)
        finally:
            built.close()
    if database_url is None:
        # Fold the WAL into the file, so a plain file copy holds every committed page.
        database = home / "brightline.db"
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        assert not database.with_name("brightline.db-wal").exists(), "template still open"
    return Template(settings, world)


def _postgres_template(database_url: str, tmp: pytest.TempPathFactory, seeded: bool) -> Template:
    """A migrated PostgreSQL database of this process's own, to clone with CREATE … TEMPLATE."""
    url = make_url(database_url)
    template_url = url.set(database=f"{url.database}_template{'_seeded' if seeded else ''}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{template_url.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{template_url.database}"'))
    admin.dispose()
    return _build_template(
        tmp.mktemp("pg-template") / "home",
        template_url.render_as_string(hide_password=False),
        seeded=seeded,
    )


_templates: dict[tuple[str | None, bool], Template] = {}


def template_of(database_url: str | None, tmp: pytest.TempPathFactory, *, seeded: bool) -> Template:
    """This process's template for the store and seeding asked for, built on first use."""
    key = (make_url(database_url).database if database_url else None, seeded)
    if key not in _templates:
        if database_url is None:
            home = tmp.mktemp("template-seeded" if seeded else "template") / "home"
            _templates[key] = _build_template(home, None, seeded=seeded)
        else:
            _templates[key] = _postgres_template(database_url, tmp, seeded)
    return _templates[key]


def copy_of(template: Template, settings: Settings) -> Site:
    """Open a copy of a template as the installation of ``settings``: own files, own database."""
    # The keys (and on SQLite the closed, checkpointed database file) are the test's own copy.
    shutil.copytree(template.settings.home, settings.home)
    if settings.database_url:
        url, source = make_url(settings.database_url), template.settings.database_url
        assert source is not None
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(
                text(f'CREATE DATABASE "{url.database}" TEMPLATE "{make_url(source).database}"')
            )
        admin.dispose()
    return Site.open(settings)


@pytest.fixture
def site(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """An initialised, opened installation (a copy of one migrated once per test process)."""
    opened = copy_of(template_of(settings.database_url, tmp_path_factory, seeded=False), settings)
    yield opened
    opened.close()


@pytest.fixture
def seeded_site(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """An installation already holding the world and the staff (a copy, like ``site``)."""
    opened = copy_of(template_of(settings.database_url, tmp_path_factory, seeded=True), settings)
    yield opened
    opened.close()


@pytest.fixture
def seeded_world(
    settings: Settings, seeded_site: Site, tmp_path_factory: pytest.TempPathFactory
) -> World:
    """The world's ids in ``seeded_site``."""
    world = template_of(settings.database_url, tmp_path_factory, seeded=True).world
    assert world is not None
    return world


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
            add_user(session, username, PASSWORD, role, scope, profile=site.settings.argon2_profile)
