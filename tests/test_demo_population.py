"""The demo's population file: the cataract surgical rate has its denominator after make demo."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from brightline.analytics.engines import connect
from brightline.analytics.indicators import IndicatorQuery, compute_indicators, snapshot_tables
from brightline.analytics.snapshot import current_snapshot, take_snapshot
from brightline.analytics.surgical_rate import PER_MILLION, person_years
from brightline.demo import build_demo
from brightline.demo.files import POPULATION_FILE, discard_demo
from brightline.demo.model import COUNTIES
from brightline.demo.population import AGE_PYRAMID
from brightline.settings import Settings
from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

AS_OF = date(2025, 6, 30)


def test_the_demo_imports_a_population_and_the_surgical_rate_is_computed(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", database_url=None)
    build_demo(settings, people=300, seed=5, as_of=AS_OF)
    with (settings.home / POPULATION_FILE).open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    # Every county, both years the demo's screenings span, every age band, both sexes.
    assert len(rows) == len(COUNTIES) * 2 * len(AGE_PYRAMID) * 2
    assert {row["year"] for row in rows} == {"2024", "2025"}
    yearly = {
        year: sum(int(r["count"]) for r in rows if r["year"] == str(year)) for year in (2024, 2025)
    }
    assert 2_700 <= yearly[2025] <= 3_300  # about ten residents per person screened
    site = Site.open(settings)
    try:
        take_snapshot(site)
    finally:
        site.close()

    engine = connect("duckdb")
    tables = snapshot_tables(engine, current_snapshot(settings.home / "snapshot"))
    start, end = AS_OF - timedelta(days=364), AS_OF + timedelta(days=1)
    table = compute_indicators(engine, tables, IndicatorQuery("province", start, end))
    eyes = table.get("LS", "surgeries", "eyes")
    rate = table.get("LS", "cataract_surgical_rate", "per_million_per_year")
    assert eyes is not None and eyes.count and rate is not None and rate.value is not None
    expected = eyes.count * PER_MILLION / (person_years(yearly, start, end) or 0)
    assert rate.value == pytest.approx(expected, abs=0.1)

    discard_demo(settings)  # a rebuilt demo writes its population file again
    assert not (settings.home / POPULATION_FILE).exists()
