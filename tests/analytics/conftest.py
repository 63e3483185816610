"""Fixtures of the analytics tests: one demo installation with its snapshot, one Spark session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brightline.analytics.population import import_population
from brightline.analytics.snapshot import current_snapshot, take_snapshot
from brightline.demo import build_demo
from brightline.settings import Settings
from brightline.site import Site
from tests.analytics.helpers import DEMO_PEOPLE, DEMO_SEED, POPULATION_CSV

AS_OF = date(2025, 6, 30)


@dataclass(frozen=True)
class DemoSnapshot:
    """A demo installation (closed; open it again with ``Site.open``) and its snapshot."""

    settings: Settings
    snapshot: Path


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> DemoSnapshot:
    """A small demo programme with population figures and a full snapshot, built once."""
    home = tmp_path_factory.mktemp("analytics-demo") / "home"
    settings = Settings(home=home, database_url=None)
    build_demo(settings, people=DEMO_PEOPLE, seed=DEMO_SEED, as_of=AS_OF)
    population = home.parent / "population.csv"
    population.write_text(POPULATION_CSV, encoding="utf-8")
    site = Site.open(settings)
    try:
        import_population(site, population)
        take_snapshot(site)
    finally:
        site.close()
    return DemoSnapshot(settings, current_snapshot(home / "snapshot"))


@pytest.fixture
def demo_copy(demo_snapshot: DemoSnapshot, tmp_path: Path) -> Iterator[Site]:
    """A private, writable copy of the demo installation (its snapshot included)."""
    home = tmp_path / "home"
    shutil.copytree(demo_snapshot.settings.home, home, symlinks=True)
    site = Site.open(Settings(home=home, database_url=None))
    yield site
    site.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole test run (it takes ~12 s to start)."""
    from brightline.analytics.engines import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
