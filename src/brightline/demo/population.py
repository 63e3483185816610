"""The demo's population file: residents per county, year, five-year age band and sex.

The denominator of the cataract surgical rate (operations per million population per year;
WHO, "Monitoring cataract surgical services", WHO/PBL/98.68). Synthetic: the four counties
hold ``RESIDENTS_PER_PERSON_SCREENED`` residents for every person the demo screens, shared as
the people screened are, in the age pyramid of an ageing rural population. The file is written
into the data directory (``demo-population.csv``, an example of the format) and imported
through the same ``brightline population import`` road a programme uses.
"""

from __future__ import annotations

from pathlib import Path
from random import Random
from typing import Final

from brightline.analytics.population import COLUMNS, PopulationReport, import_population
from brightline.demo.files import POPULATION_FILE
from brightline.demo.model import COUNTIES
from brightline.site import Site

# About one resident in ten is screened in a programme year (a 100,000-person demo is a
# programme of about a million people, four counties of 150,000-320,000).
RESIDENTS_PER_PERSON_SCREENED: Final = 10
# Share of the residents in each five-year band, 0-4 to 85+ (an ageing rural population:
# small young cohorts, large cohorts aged 45-64).
AGE_PYRAMID: Final = (
    ("0-4", 4.4),
    ("5-9", 5.0),
    ("10-14", 5.2),
    ("15-19", 4.8),
    ("20-24", 4.6),
    ("25-29", 5.4),
    ("30-34", 6.6),
    ("35-39", 6.2),
    ("40-44", 6.4),
    ("45-49", 8.0),
    ("50-54", 8.6),
    ("55-59", 7.6),
    ("60-64", 6.6),
    ("65-69", 6.0),
    ("70-74", 4.6),
    ("75-79", 3.3),
    ("80-84", 2.1),
    ("85+", 1.2),
)
FEMALE_SHARE: Final = 0.49
YEARLY_CHANGE: Final = -0.004  # rural counties lose a little population each year


def population_rows(people: int, years: range, rng: Random) -> list[tuple[str, ...]]:
    """The population file's rows: every county, year, age band and sex of ``years``."""
    weight = sum(share for _, share in AGE_PYRAMID)
    rows: list[tuple[str, ...]] = []
    for code, _name, share, _townships in COUNTIES:
        county = people * RESIDENTS_PER_PERSON_SCREENED * share * rng.uniform(0.95, 1.05)
        for offset, year in enumerate(years):
            residents = county * (1 + YEARLY_CHANGE) ** offset
            for band, band_share in AGE_PYRAMID:
                cell = residents * band_share / weight
                female = round(cell * FEMALE_SHARE)
                male = round(cell) - female
                rows.append((code, str(year), band, "female", str(female)))
                rows.append((code, str(year), band, "male", str(male)))
    return rows


def import_demo_population(site: Site, people: int, years: range, seed: int) -> PopulationReport:
    """Write ``demo-population.csv`` into the data directory and import it."""
    path = Path(site.settings.home) / POPULATION_FILE
    rows = population_rows(people, years, Random(seed))
    lines = [",".join(COLUMNS), *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_population(site, path)
