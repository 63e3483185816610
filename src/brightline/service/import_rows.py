"""The screenings import file's columns and its row checker: CSV cells to checked rows.

The checker reads no file and no database: it is given the clinics and regions it may name,
the keys and the programme, and turns each row's cells into a person row and screening rows
built by the same builders as a screening entered by hand (``people.person_row``,
``screenings.screening_rows``), or into every problem that keeps the row out. Storing the
rows is ``brightline.service.import_writer``'s. Columns and examples: docs/import.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from brightline.csvfiles import ColumnReader, CsvLayout, RowCheck, RowProblem, shown
from brightline.errors import InvalidInput
from brightline.identifiers import IdentifierKeys
from brightline.problems import Problems
from brightline.programme import Programme
from brightline.records import PersonInput, ScreeningInput
from brightline.service.people import IDENTIFIER_LIMITS, person_row
from brightline.service.screenings import ScreeningRows, screening_rows

IDENTIFIER_COLUMNS: Final = ("name", "phone", "national_id", "address")
"""The person's identifiers: sealed when stored, never echoed in a message."""

SCREENING_COLUMNS: Final = (
    "right_presenting_va",
    "left_presenting_va",
    "right_untestable",
    "left_untestable",
    "right_pinhole_va",
    "left_pinhole_va",
    "right_lens",
    "left_lens",
    "symptoms",
)
"""The screening's own columns: VA (or why an eye could not be tested), lens and symptoms."""

TEMPLATE_COLUMNS: Final = (
    "client_record_id",
    "facility_code",
    "screened_on",
    "township_code",
    "sex",
    "birth_year",
    *IDENTIFIER_COLUMNS,
    *SCREENING_COLUMNS,
)
"""The columns of the import template, in the order ``--template`` prints them."""

REQUIRED_COLUMNS: Final = (
    "client_record_id",
    "facility_code",
    "screened_on",
    "sex",
    "right_presenting_va",
    "left_presenting_va",
)
"""Columns the header must name, besides birth_year or age (a VA cell may be empty)."""

AGE_COLUMN: Final = "age"
"""May stand in for ``birth_year``: the birth year stored is the screening year minus age."""

IGNORED_COLUMNS: Final = ("reason",)
"""Read and ignored, so a corrected rejects file can be imported as it is."""

SCREENINGS_LAYOUT: Final = CsvLayout(
    template=TEMPLATE_COLUMNS,
    required=REQUIRED_COLUMNS,
    extra=(AGE_COLUMN,),
    alternatives=(("birth_year", AGE_COLUMN),),
    ignored=IGNORED_COLUMNS,
)

MAX_AGE: Final = 120
CLIENT_RECORD_ID_MAX: Final = 100
# Dates are the clinic's local time: allow for the earliest time zone on earth (UTC+14).
LOCAL_TIME_MARGIN: Final = timedelta(hours=14)
SCREENED_ON_FORMS: Final = "YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-03-02 or 2026-03-02T09:30"
_SCREENED_ON_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")


def _shown(column: str, value: str) -> str:
    """A cell for a message: quoted and shortened; identifiers are never echoed, only sized."""
    if column in IDENTIFIER_LIMITS:
        return f"({len(value)} characters)"
    return shown(value)


def _unknown_facility(code: str) -> str:
    if not code:
        return "is empty; give the code of the facility that screened"
    return (
        f"no facility with code {_shown('facility_code', code)}; correct the code, or add the "
        f'facility with: brightline facility add {code} "NAME" --kind clinic --region REGION_CODE'
    )


def _unknown_township(code: str) -> str:
    return (
        f"no region with code {_shown('township_code', code)}; correct the code, leave it "
        "empty (the clinic's region is used), or add the township with: brightline region "
        f'add {code} "NAME" --level township --parent COUNTY_CODE'
    )


@dataclass(frozen=True, slots=True)
class Clinic:
    """A screening facility as the checker needs it: its id, region and the surgical centre
    its referrals go to (None, with why, when no centre serves it)."""

    id: int
    region_id: int
    centre_id: int | None
    centre_error: str | None = None


@dataclass(slots=True)
class CheckedRow:
    """One row of the file: its cells as read, and its built rows or the problems that keep
    it out (the writer adds conflicts with what is stored)."""

    check: RowCheck
    cells: list[str]
    client_record_id: str
    identifiers: dict[str, str | None] = field(default_factory=dict)
    person: dict[str, Any] | None = None
    built: ScreeningRows | None = None
    present: bool = False

    @property
    def line(self) -> int:
        """The row's line in the file (the header is line 1)."""
        return self.check.line

    @property
    def problems(self) -> list[RowProblem]:
        """Every problem found in the row, in the order found."""
        return self.check.problems

    def note(self, column: str, message: str) -> None:
        """Add a problem in ``column`` ("" for the row as a whole)."""
        self.check.problem(column, message)


class ScreeningRowChecker:
    """Checks rows one at a time and builds their person and screening rows; no I/O.

    ``clinics`` and ``regions`` map the codes a row may name (a clinic's surgical centre may
    be looked up when first asked for); ``now`` is the moment of the import.
    """

    def __init__(
        self,
        *,
        keys: IdentifierKeys,
        programme: Programme,
        now: datetime,
        clinics: Mapping[str, Clinic],
        regions: Mapping[str, int],
        columns: ColumnReader,
        screener_id: int | None = None,
    ) -> None:
        self.keys, self.programme, self.screener_id = keys, programme, screener_id
        self.clinics, self.regions, self.values_of = clinics, regions, columns
        self.width = columns.width
        self.now = now
        self.today: date = now.date()
        self.latest = now + LOCAL_TIME_MARGIN
        self.seen: dict[str, int] = {}
        self.dates: dict[str, datetime | str] = {}

    def check(self, line: int, cells: list[str]) -> CheckedRow:
        """Check one row and build its person and screening rows with the shared builders."""
        values = self.values_of(cells)
        crid = values["client_record_id"]
        problem = RowCheck(line, values)
        row = CheckedRow(problem, cells, crid)
        self._check_width(cells, problem)
        self._check_client_record_id(line, crid, problem)
        clinic = self.clinics.get(values["facility_code"])
        if clinic is None:
            problem.problem("facility_code", _unknown_facility(values["facility_code"]))
        screened_at = self._screened_at(values["screened_on"])
        if isinstance(screened_at, str):
            problem.problem("screened_on", screened_at)
            screened_at = self.now
        region_id = clinic.region_id if clinic else 0
        if township_code := values["township_code"]:
            region_id = self.regions.get(township_code, 0)
            if not region_id:
                problem.problem("township_code", _unknown_township(township_code))
        birth_year, birth_column = self._birth_year(
            values["birth_year"], values[AGE_COLUMN], screened_at, problem
        )
        row.identifiers = {column: values[column] or None for column in IDENTIFIER_COLUMNS}
        facility_id = clinic.id if clinic else 0
        person_input = PersonInput(
            facility_id=facility_id,
            region_id=region_id,
            sex=values["sex"].lower(),
            birth_year=birth_year,
            name=row.identifiers["name"],
            phone=row.identifiers["phone"],
            national_id=row.identifiers["national_id"],
            address=row.identifiers["address"],
            client_record_id=crid,
        )
        person = self._person(row, person_input, birth_column)
        screening_input = ScreeningInput.from_written(
            person["id"] if person else "",
            screened_at,
            values,
            [s.strip().lower() for s in values["symptoms"].split(";") if s.strip()],
            facility_id=facility_id,
            screener_id=self.screener_id,
            client_record_id=crid,
        )
        centre_id = clinic.centre_id if clinic else None
        built = self._screening(row, screening_input, centre_id or 0)
        if clinic and centre_id is None and built and built.referral:
            problem.problem("facility_code", f"{clinic.centre_error}; this row needs a referral")
        if not row.problems and person and built:
            person["created_at"] = person["updated_at"] = built.screening["created_at"] = self.now
            row.person, row.built = person, built
        return row

    def _check_width(self, cells: list[str], problem: RowCheck) -> None:
        """Cells beyond the header are a value with an unquoted comma, unless all empty."""
        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width :]):
            problem.problem(
                "",
                f"the row has {len(cells)} cells but the header {self.width} columns; "
                "a value that contains a comma must be in double quotes",
            )

    def _check_client_record_id(self, line: int, crid: str, problem: RowCheck) -> None:
        """Every row has its own client_record_id, of at most CLIENT_RECORD_ID_MAX characters."""
        if not crid:
            problem.problem("client_record_id", "is empty; give every row its own id")
        elif len(crid) > CLIENT_RECORD_ID_MAX:
            problem.problem("client_record_id", f"is longer than {CLIENT_RECORD_ID_MAX} characters")
        elif (first := self.seen.setdefault(crid, line)) != line:
            problem.problem(
                "client_record_id",
                f"{crid!r} is also on line {first}; every row needs its own client_record_id",
            )

    def _screened_at(self, text: str) -> datetime | str:
        """A screening date or datetime, or why it is not one (cached: dates repeat)."""
        cached = self.dates.get(text)
        if cached is not None:
            return cached
        result: datetime | str
        if not _SCREENED_ON_RE.fullmatch(text):
            written = "is empty" if not text else f"{_shown('screened_on', text)} is not a date"
            result = f"{written}; use {SCREENED_ON_FORMS}"
        else:
            try:
                result = datetime.fromisoformat(text)
            except ValueError:  # e.g. 2026-02-30
                result = f"{text!r} is not a date on the calendar; use {SCREENED_ON_FORMS}"
            else:
                if result > self.latest:
                    result = f"{text!r} is in the future (today is {self.today.isoformat()})"
        if len(self.dates) >= 100_000:
            self.dates.clear()
        self.dates[text] = result
        return result

    def _birth_year(
        self, written: str, age_text: str, screened_at: datetime, problem: RowCheck
    ) -> tuple[int, str]:
        """Birth year as written, or screening year minus age; if both are given they agree."""
        year, birth_year, age = screened_at.year, None, None
        if written.isdigit() and len(written) == 4:
            birth_year = int(written)
        elif written:
            problem.problem(
                "birth_year", f"{_shown('birth_year', written)} is not a year, e.g. 1956"
            )
        if age_text.isdigit() and int(age_text) <= MAX_AGE:
            age = int(age_text)
        elif age_text:
            problem.problem(
                AGE_COLUMN, f"{_shown('age', age_text)} is not an age; use whole years 0 to 120"
            )
        if birth_year is not None and age is not None and year - birth_year - age not in (0, 1):
            problem.problem(
                AGE_COLUMN,
                f"age {age} does not match birth_year {birth_year} for a screening "
                f"in {year}; correct one of them or leave one empty",
            )
        if birth_year is None and age is not None:
            return year - age, AGE_COLUMN
        if birth_year is None:
            if not written and not age_text:
                problem.problem("birth_year", "is empty; give the birth year (or the age)")
            return self.today.year - 40, "birth_year"  # a stand-in: the row is already rejected
        if birth_year > year:
            problem.problem(
                "birth_year", f"{birth_year} is after the screening on {screened_at:%Y-%m-%d}"
            )
        return birth_year, "birth_year"

    def _person(
        self, row: CheckedRow, person: PersonInput, birth_column: str
    ) -> dict[str, Any] | None:
        """``person_row``; after a bad value, try again without it to find any other."""
        for _ in range(len(IDENTIFIER_LIMITS) + 2):
            try:
                return person_row(self.keys, person, self.today)
            except InvalidInput as exc:
                column = birth_column if exc.field == "birth_year" else exc.field or ""
                row.note(column, exc.message)
                # Stand-ins for the bad value let the builder go on to check the others.
                stand_ins: dict[str, Any] = {"sex": "female", "birth_year": self.today.year - 40}
                if exc.field not in stand_ins and exc.field not in IDENTIFIER_LIMITS:
                    return None
                stand_in: dict[str, Any] = {exc.field: stand_ins.get(exc.field)}
                person = dataclasses.replace(person, **stand_in)
        return None

    def _screening(
        self, row: CheckedRow, screening: ScreeningInput, centre_id: int
    ) -> ScreeningRows | None:
        """``screening_rows``, which names every problem of the findings at once."""
        try:
            return screening_rows(
                self.programme, screening, refer_to_facility_id=centre_id, today=self.today
            )
        except Problems as exc:
            for found in exc.problems:
                column = "screened_on" if found.field == "screened_at" else found.field
                row.note(column, found.message())
        except InvalidInput as exc:
            row.note(exc.field or "", exc.message)
        return None
