"""The period of a programme report, written as a year, quarter, month or day range.

A report counts what happened in [start, end) (``brightline.analytics.report``); people
write the period as they say it ("2026-Q3"), and it is turned into those days here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from brightline.errors import InvalidInput

PERIOD_FORMS = "2026, 2026-Q3, 2026-07 or 2026-01-01..2026-06-30"


@dataclass(frozen=True)
class ReportPeriod:
    """The period of a report as written (``label``) and as days [start, end)."""

    label: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        """The last day inside the period."""
        return self.end - timedelta(days=1)

    def months(self) -> list[tuple[int, int]]:
        """Every calendar month (year, month) the period touches, in order."""
        year, month = self.start.year, self.start.month
        found = []
        while date(year, month, 1) < self.end:
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> ReportPeriod:
    """A period written as a year, quarter, month or inclusive day range, or an error."""
    written = text.strip()

    def refuse(why: str = "is not a period") -> InvalidInput:
        return InvalidInput(f"{text!r} {why}; write it as {PERIOD_FORMS}", field="period")

    try:
        if match := _YEAR.fullmatch(written):
            year = int(match[1])
            return ReportPeriod(written, date(year, 1, 1), date(year + 1, 1, 1))
        if match := _QUARTER.fullmatch(written):
            year, quarter = int(match[1]), int(match[2])
            first = 3 * (quarter - 1) + 1
            return ReportPeriod(
                written.upper(), date(year, first, 1), _month_start(year, first + 3)
            )
        if match := _MONTH.fullmatch(written):
            year, month = int(match[1]), int(match[2])
            return ReportPeriod(written, date(year, month, 1), _month_start(year, month + 1))
        if match := _RANGE.fullmatch(written):
            first_day = date.fromisoformat(match[1])
            last_day = date.fromisoformat(match[2])
            if last_day < first_day:
                raise refuse("ends before it starts")
            return ReportPeriod(written, first_day, last_day + timedelta(days=1))
    except ValueError as exc:  # a month 13, a 30 February, year 0
        raise refuse("is not a real date") from exc
    raise refuse()
