"""The cataract surgical rate's arithmetic: operations per million population per year.

CSR = operated eyes ÷ person-years of the population × 1,000,000 (WHO, "Monitoring cataract
surgical services", WHO/PBL/98.68). Pure: the caller brings the counts and the population.
"""

from __future__ import annotations

from datetime import date

PER_MILLION = 1_000_000


def person_years(population: dict[int, int], start: date, end: date) -> float | None:
    """Population × years lived in [start, end), year by year; None if a year has no figure."""
    total = 0.0
    for year in range(start.year, date.fromordinal(end.toordinal() - 1).year + 1):
        year_start, year_end = date(year, 1, 1), date(year + 1, 1, 1)
        days = (min(end, year_end) - max(start, year_start)).days
        if days <= 0:
            continue
        if year not in population:
            return None
        total += population[year] * days / (year_end - year_start).days
    return total


def cataract_surgical_rate(eyes: int, people_years: float | None) -> float | None:
    """Operations per million population per year (WHO/PBL/98.68); None without population."""
    if not people_years:
        return None
    return round(eyes * PER_MILLION / people_years, 1)
