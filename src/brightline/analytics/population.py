"""Population tables (census or projections): the denominator of the cataract surgical rate.

One CSV row per region, year, five-year age band and sex (``region,year,age_band,sex,count``).
An import is all or nothing; a row for a cell already held replaces it (a corrected census
file is simply imported again). The cataract surgical rate uses the most aggregated figures
held inside each region (WHO, "Monitoring cataract surgical services", WHO/PBL/98.68).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import select

from brightline.csvfiles import (
    CsvLayout,
    ImportRejected,
    ImportReport,
    RowProblem,
    read_csv_rows,
)
from brightline.errors import InvalidInput
from brightline.site import Site
from brightline.store.analytics_models import Population
from brightline.store.models import SEXES, Region

COLUMNS: Final = ("region", "year", "age_band", "sex", "count")
LAYOUT: Final = CsvLayout(
    template=COLUMNS,
    required=COLUMNS,
    template_command="brightline population import --template",
    kind="a population file",
)
AGE_BAND: Final = re.compile(r"(\d{1,3})-(\d{1,3})|(\d{1,3})\+")
YEARS: Final = (1950, 2100)


@dataclass(frozen=True)
class PopulationReport:
    """What a population import did."""

    path: Path
    rows: int
    added: int
    replaced: int

    def summary(self) -> str:
        """One line for the person running the import."""
        return (
            f"{self.path.name}: {self.rows} rows: {self.added} population cells added, "
            f"{self.replaced} replaced."
        )


def template_header() -> str:
    """The header line of a population file."""
    return ",".join(COLUMNS)


def check_age_band(text: str) -> str:
    """An age band written "40-44" (lower ≤ upper) or "85+" (open-ended)."""
    match = AGE_BAND.fullmatch(text)
    if match is None or (match[1] is not None and int(match[1]) > int(match[2])):
        raise InvalidInput(
            f"age band {text!r} is not valid; write it like 40-44 or 85+", field="age_band"
        )
    return text


def _integer(text: str, column: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InvalidInput(
            f"{text!r} is not valid; use a whole number {low} to {high}", field=column
        )
    return value


def import_population(site: Site, path: Path) -> PopulationReport:
    """Import a population CSV: every row or none; a cell already held is replaced."""
    report = ImportReport(Path(path))
    cells: dict[tuple[int, int, str, str], int] = {}
    with site.transaction() as session:
        regions = {code: id_ for code, id_ in session.execute(select(Region.code, Region.id))}
        for line, value in read_csv_rows(Path(path), LAYOUT):
            region, year, sex, count = value["region"], value["year"], value["sex"], value["count"]
            age_band = value["age_band"]
            report.rows += 1
            problems = []
            try:
                region_id = regions.get(region)
                if region_id is None:
                    raise InvalidInput(
                        f"no region with code {region!r}; add it with 'brightline region add'",
                        field="region",
                    )
                key = (
                    region_id,
                    _integer(year, "year", *YEARS),
                    check_age_band(age_band),
                    sex if sex in SEXES else "",
                )
                if not key[3]:
                    raise InvalidInput(
                        f"{sex!r} is not valid; use one of: {', '.join(SEXES)}", field="sex"
                    )
                if key in cells:
                    raise InvalidInput("the same region, year, age band and sex came before")
                cells[key] = _integer(count, "count", 0, 2_000_000_000)
            except InvalidInput as error:
                problems.append(
                    RowProblem(
                        line, error.field, value.get(error.field or "", count), error.message
                    )
                )
            report.tally(problems)
        if report.rejected:
            raise ImportRejected(
                report,
                f"{report.rejected} of {report.rows} rows have problems",
                "Correct the rows listed and import the file again.",
            )
        held = {
            (p.region_id, p.year, p.age_band, p.sex): p for p in session.scalars(select(Population))
        }
        replaced = 0
        for key, people in cells.items():
            if key in held:
                held[key].count = people
                replaced += 1
            else:
                session.add(
                    Population(
                        region_id=key[0], year=key[1], age_band=key[2], sex=key[3], count=people
                    )
                )
    return PopulationReport(Path(path), report.rows, len(cells) - replaced, replaced)
