"""Screenings imported from a CSV file: the whole file checked, then written in one transaction.

Each row becomes a person and a screening built by the same row builders as a screening
entered by hand (``people.person_row``, ``screenings.screening_rows``), so validation and
triage have one definition. The file is streamed: rows are checked and built in one pass and
inserted in batches inside one transaction; after the first bad row nothing more is inserted
(the rest is still checked, to report every problem) and the transaction is rolled back.
``client_record_id`` makes a re-import change nothing. Columns and examples: docs/import.md.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from brightline.csvfiles import (
    CsvLayout,
    ImportRejected,
    ImportReport,
    RowProblem,
    malformed,
    open_csv,
)
from brightline.errors import InvalidInput, NotFound
from brightline.service.people import IDENTIFIER_LIMITS, PersonInput, person_row, reveal_fields
from brightline.service.places import serving_surgical_centre
from brightline.service.screenings import ScreeningInput, ScreeningRows, screening_rows
from brightline.site import Site
from brightline.store.bulk import insert_many
from brightline.store.models import Base, Facility, Person, Referral, Region, Screening, User
from brightline.triage import SYMPTOMS

TEMPLATE_COLUMNS: Final = (
    "client_record_id",
    "facility_code",
    "screened_on",
    "township_code",
    "sex",
    "birth_year",
    "name",
    "phone",
    "national_id",
    "address",
    "right_presenting_va",
    "left_presenting_va",
    "right_pinhole_va",
    "left_pinhole_va",
    "right_lens",
    "left_lens",
    "symptoms",
)
"""The columns of the import template, in the order ``--template`` prints them."""

REQUIRED_COLUMNS: Final = (
    *TEMPLATE_COLUMNS[:3],
    "sex",
    "right_presenting_va",
    "left_presenting_va",
)
"""Columns the header must name, besides birth_year or age (a VA cell may be empty)."""

AGE_COLUMN: Final = "age"
"""May stand in for ``birth_year``: the birth year stored is the screening year minus age."""

IGNORED_COLUMNS: Final = ("reason",)
"""Read and ignored, so a corrected rejects file can be imported as it is."""

BATCH_ROWS: Final = 4000
# SQLite page cache while importing: random-key index inserts (UUIDs, pseudonyms) otherwise
# miss the default 2 MiB cache once tables grow; 256 MiB made a 500,000-row import 2.4x
# faster in its database part (docs/benchmarks.md). Restored when the import ends.
SQLITE_IMPORT_CACHE_KIB: Final = 256 * 1024
MAX_AGE: Final = 120
CLIENT_RECORD_ID_MAX: Final = 100
# Dates are the clinic's local time: allow for the earliest time zone on earth (UTC+14).
LOCAL_TIME_MARGIN: Final = timedelta(hours=14)
SCREENED_ON_FORMS: Final = "YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-03-02 or 2026-03-02T09:30"

_COLUMNS: Final = (*TEMPLATE_COLUMNS, AGE_COLUMN)
_KNOWN_COLUMNS: Final = frozenset((*_COLUMNS, *IGNORED_COLUMNS))
_SCREENING_COLUMNS: Final = TEMPLATE_COLUMNS[10:]  # VA, lens and symptoms, as stored
_SCREENED_ON_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")
_STRICT_ADVICE: Final = (
    "Fix these rows and import the file again, or import with --skip-invalid to import the "
    "good rows and write the bad ones, with the reason, to a rejects file."
)


SCREENINGS_LAYOUT: Final = CsvLayout(
    template=TEMPLATE_COLUMNS,
    required=REQUIRED_COLUMNS,
    extra=(AGE_COLUMN,),
    alternatives=(("birth_year", AGE_COLUMN),),
    ignored=IGNORED_COLUMNS,
)


def template_header() -> str:
    """The header line of the import template."""
    return ",".join(TEMPLATE_COLUMNS)


def default_rejects_path(path: Path) -> Path:
    """Where ``--skip-invalid`` writes rejected rows: ``camp.csv`` -> ``camp.rejects.csv``."""
    return path.with_suffix(".rejects.csv")


def _shown(column: str, value: str) -> str:
    """A cell for a message: quoted and shortened; identifiers are never echoed, only sized."""
    if column in IDENTIFIER_LIMITS:
        return f"({len(value)} characters)"
    return repr(value if len(value) <= 60 else value[:60] + "…")


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


def _counting(lines: Iterable[str], bar: Any) -> Iterator[str]:
    """Pass lines through, moving the progress bar by their length every thousand lines."""
    done = 0
    for number, line in enumerate(lines, start=1):
        done += len(line)
        if number % 1000 == 0:
            bar.update(done)
            done = 0
        yield line
    bar.update(done)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Any]:
    """A progress bar on stderr over the file's size, or None."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, leave=False) as bar:
        yield bar


@contextmanager
def _sqlite_page_cache(session: Session, kib: int) -> Iterator[None]:
    """A larger SQLite page cache for this connection while the block runs (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")


class _RejectsFile:
    """Rejected rows as read plus a ``reason`` column, owner-only (it holds identifiers).

    Written under a temporary name and renamed on success, so a failed import leaves none.
    """

    def __init__(self, path: Path, header: list[str], delimiter: str) -> None:
        self.path, self.delimiter, self.width = path, delimiter, len(header)
        names = [cell.strip().lower() for cell in header]
        self.reason_at = names.index("reason") if "reason" in names else None
        self.header = header if self.reason_at is not None else [*header, "reason"]
        self.partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        self.handle: IO[str] | None = None
        self.writer: Any = None

    def write(self, cells: list[str], reason: str) -> None:
        if self.handle is None:
            fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            # utf-8-sig: the byte-order mark makes Excel open the file as UTF-8.
            self.handle = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle, delimiter=self.delimiter)
            self.writer.writerow(self.header)
        # The row as read, padded to the header; cells beyond the header stay after the reason.
        row = cells[: self.width] + [""] * (self.width - len(cells))
        if self.reason_at is None:
            row.append(reason)
        else:
            row[self.reason_at] = reason
        self.writer.writerow(row + cells[self.width :])

    def commit(self) -> Path | None:
        if self.handle is None:
            return None
        self.handle.close()
        self.partial.replace(self.path)
        return self.path

    def discard(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.partial.unlink(missing_ok=True)


# --- checking, building and writing rows ------------------------------------------------------


@dataclass
class _Clinic:
    """A facility as the import needs it; its surgical centre is looked up once."""

    record: Facility
    id: int = 0
    region_id: int = 0
    centre_id: int | None = None
    centre_error: str | None = None
    centre_known: bool = False


@dataclass(slots=True)
class _Row:
    """A row on its way to the store: its built rows, or the problems that keep it out."""

    line: int
    cells: list[str]
    client_record_id: str
    identifiers: list[str | None] = field(default_factory=list)
    person: dict[str, Any] | None = None
    built: ScreeningRows | None = None
    problems: list[RowProblem] = field(default_factory=list)
    present: bool = False


class _Importer:
    """Checks and builds rows one at a time and writes them in batches, in one transaction."""

    def __init__(
        self,
        site: Site,
        session: Session,
        report: ImportReport,
        positions: list[int],
        header_width: int,
        rejects: _RejectsFile | None,
        screener_id: int | None,
    ) -> None:
        self.site, self.session, self.report = site, session, report
        self.positions, self.rejects, self.screener_id = positions, rejects, screener_id
        self.width = header_width
        # Absent columns read the empty cell appended after the row's own cells.
        self.cells_of = itemgetter(*(p if p >= 0 else -1 for p in positions))
        self.now = site.now()
        self.today = self.now.date()
        self.latest = self.now + LOCAL_TIME_MARGIN
        self.clinics = {
            f.code: _Clinic(f, f.id, f.region_id) for f in session.scalars(select(Facility))
        }
        self.regions = {code: id_ for code, id_ in session.execute(select(Region.code, Region.id))}
        self.seen: dict[str, int] = {}
        self.dates: dict[str, datetime | str] = {}
        self.batch: list[_Row] = []

    def read(self, reader: Any) -> None:
        """Check, build and write every row; raise ImportRejected (roll back) on a bad one."""
        report, batch = self.report, self.batch
        line = 2  # the header is line 1; reader.line_num counts the data lines read so far
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    report.rows += 1
                    batch.append(self._build(line, cells))
                    if len(batch) >= BATCH_ROWS:
                        self.flush()
                line = reader.line_num + 2
        except csv.Error as exc:
            raise malformed(report.path, line, exc, SCREENINGS_LAYOUT) from exc
        self.flush()
        if report.rejected and self.rejects is None:
            report.imported = report.referred = report.people_matched = 0
            headline = f"{report.rejected} of {report.rows} rows have problems."
            raise ImportRejected(report, headline, _STRICT_ADVICE)

    def _screened_at(self, text: str) -> datetime | str:
        """A screening date or datetime, or why it is not one (cached: dates repeat)."""
        cached = self.dates.get(text)
        if cached is not None:
            return cached
        result: datetime | str
        if not _SCREENED_ON_RE.fullmatch(text):
            shown = "is empty" if not text else f"{_shown('screened_on', text)} is not a date"
            result = f"{shown}; use {SCREENED_ON_FORMS}"
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

    def _centre(self, clinic: _Clinic) -> int | None:
        """The surgical centre the clinic refers to, looked up once per clinic."""
        if not clinic.centre_known:
            try:
                clinic.centre_id = serving_surgical_centre(self.session, clinic.record).id
            except NotFound as exc:
                clinic.centre_error = exc.message
            clinic.centre_known = True
        return clinic.centre_id

    def _build(self, line: int, cells: list[str]) -> _Row:
        """Check one row and build its person and screening rows with the shared builders."""
        short = max(self.width - len(cells), 0)
        values = [value.strip() for value in self.cells_of([*cells, *[""] * short, ""])]
        crid, facility_code, screened_on, township_code = values[:4]
        row = _Row(line, cells, crid)

        def problem(column: str, message: str) -> None:
            value = values[_COLUMNS.index(column)] if column in _COLUMNS else None
            row.problems.append(RowProblem(line, column or None, value, message))

        if len(cells) > self.width and any(cell.strip() for cell in cells[self.width :]):
            problem(
                "",
                f"the row has {len(cells)} cells but the header {self.width} columns; "
                "a value that contains a comma must be in double quotes",
            )
        if not crid:
            problem("client_record_id", "is empty; give every row its own id")
        elif len(crid) > CLIENT_RECORD_ID_MAX:
            problem("client_record_id", f"is longer than {CLIENT_RECORD_ID_MAX} characters")
        elif (first := self.seen.setdefault(crid, line)) != line:
            problem(
                "client_record_id",
                f"{crid!r} is also on line {first}; every row needs its own client_record_id",
            )
        clinic = self.clinics.get(facility_code)
        if clinic is None:
            problem("facility_code", _unknown_facility(facility_code))
        screened_at = self._screened_at(screened_on)
        if isinstance(screened_at, str):
            problem("screened_on", screened_at)
            screened_at = self.now
        region_id = clinic.region_id if clinic else 0
        if township_code:
            region_id = self.regions.get(township_code, 0)
            if not region_id:
                problem("township_code", _unknown_township(township_code))
        birth_year, birth_column = self._birth_year(values[5], values[17], screened_at, problem)
        row.identifiers = name, phone, national_id, address = [v or None for v in values[6:10]]
        facility_id = clinic.id if clinic else 0
        person_input = PersonInput(
            facility_id=facility_id,
            region_id=region_id,
            sex=values[4].lower(),
            birth_year=birth_year,
            name=name,
            phone=phone,
            national_id=national_id,
            address=address,
            client_record_id=crid,
        )
        person = self._person(row, person_input, birth_column)
        right, left, right_pinhole, left_pinhole, right_lens, left_lens = values[10:16]
        screening_input = ScreeningInput(
            person_id=person["id"] if person else "",
            facility_id=facility_id,
            screened_at=screened_at,
            right_presenting_va=right or None,
            left_presenting_va=left or None,
            right_pinhole_va=right_pinhole or None,
            left_pinhole_va=left_pinhole or None,
            right_lens=right_lens or None,
            left_lens=left_lens or None,
            symptoms=[s.strip().lower() for s in values[16].split(";") if s.strip()],
            screener_id=self.screener_id,
            client_record_id=crid,
        )
        centre_id = self._centre(clinic) if clinic else None
        built = self._screening(row, screening_input, centre_id or 0)
        if clinic and centre_id is None and built and built.referral:
            problem("facility_code", f"{clinic.centre_error}; this row needs a referral")
        if not row.problems and person and built:
            person["created_at"] = person["updated_at"] = built.screening["created_at"] = self.now
            row.person, row.built = person, built
        return row

    def _birth_year(
        self,
        written: str,
        age_text: str,
        screened_at: datetime,
        problem: Callable[[str, str], None],
    ) -> tuple[int, str]:
        """Birth year as written, or screening year minus age; if both are given they agree."""
        year, birth_year, age = screened_at.year, None, None
        if written.isdigit() and len(written) == 4:
            birth_year = int(written)
        elif written:
            problem("birth_year", f"{_shown('birth_year', written)} is not a year, e.g. 1956")
        if age_text.isdigit() and int(age_text) <= MAX_AGE:
            age = int(age_text)
        elif age_text:
            problem("age", f"{_shown('age', age_text)} is not an age; use whole years 0 to 120")
        if birth_year is not None and age is not None and year - birth_year - age not in (0, 1):
            problem(
                "age",
                f"age {age} does not match birth_year {birth_year} for a screening "
                f"in {year}; correct one of them or leave one empty",
            )
        if birth_year is None and age is not None:
            return year - age, AGE_COLUMN
        if birth_year is None:
            if not written and not age_text:
                problem("birth_year", "is empty; give the birth year (or the age)")
            return self.today.year - 40, "birth_year"  # a stand-in: the row is already rejected
        if birth_year > year:
            problem("birth_year", f"{birth_year} is after the screening on {screened_at:%Y-%m-%d}")
        return birth_year, "birth_year"

    def _person(self, row: _Row, person: PersonInput, birth_column: str) -> dict[str, Any] | None:
        """``person_row``; after a bad value, try again without it to find any other."""
        for _ in range(len(IDENTIFIER_LIMITS) + 2):
            try:
                return person_row(self.site.keys, person, self.today)
            except InvalidInput as exc:
                column = birth_column if exc.field == "birth_year" else exc.field or ""
                self._note(row, column, exc.message)
                # Stand-ins for the bad value let the builder go on to check the others.
                stand_ins: dict[str, Any] = {"sex": "female", "birth_year": self.today.year - 40}
                if exc.field not in stand_ins and exc.field not in IDENTIFIER_LIMITS:
                    return None
                stand_in: dict[str, Any] = {exc.field: stand_ins.get(exc.field)}
                person = dataclasses.replace(person, **stand_in)
        return None

    def _screening(
        self, row: _Row, screening: ScreeningInput, centre_id: int
    ) -> ScreeningRows | None:
        """``screening_rows``; after a bad value, try again without it to find any other."""
        for _ in range(len(_SCREENING_COLUMNS) + len(SYMPTOMS)):
            try:
                return screening_rows(
                    self.site.programme, screening, refer_to_facility_id=centre_id
                )
            except InvalidInput as exc:
                self._note(row, exc.field or "", exc.message)
                if exc.field not in _SCREENING_COLUMNS:
                    return None
                known = [s for s in screening.symptoms if s in SYMPTOMS]
                stand_in: dict[str, Any] = {exc.field: known if exc.field == "symptoms" else None}
                screening = dataclasses.replace(screening, **stand_in)
        return None

    def _note(self, row: _Row, column: str, message: str) -> None:
        position = self.positions[_COLUMNS.index(column)] if column in _COLUMNS else -1
        value = row.cells[position].strip() if 0 <= position < len(row.cells) else None
        row.problems.append(RowProblem(row.line, column or None, value, message))

    def flush(self) -> None:
        """Sort the batch into already present, conflicting and new rows; insert the new."""
        batch = list(self.batch)
        self.batch.clear()
        built = [row for row in batch if row.built is not None]
        if built:
            self._compare_with_store(built)
        report = self.report
        bad = [row for row in batch if row.problems]
        report.rejected += len(bad)
        for row in bad:
            report.add_problems(row.problems)
        fresh = [row for row in built if not row.problems and not row.present]
        report.already_present += sum(row.present for row in built)
        if fresh and (self.rejects is not None or not report.rejected):
            self._insert(fresh)
        if self.rejects is not None:
            for row in bad:
                self.rejects.write(row.cells, "; ".join(str(p) for p in row.problems))

    def _compare_with_store(self, rows: list[_Row]) -> None:
        """Rows whose client_record_id is stored: the same content is already present, other
        content is a conflict."""
        by_id = {row.client_record_id: row for row in rows}
        stored = self.session.execute(
            select(
                Screening.client_record_id,
                Screening.facility_id,
                Screening.screened_at,
                *(getattr(Screening, column) for column in _SCREENING_COLUMNS),
                Person.id,
                Person.client_record_id.label("person_client_record_id"),
                *(Person.sex, Person.birth_year, Person.region_id, Person.national_id_hmac),
                *(Person.data_key, Person.name_ct, Person.phone_ct, Person.address_ct),
            )
            .join(Person, Person.id == Screening.person_id)
            .where(Screening.client_record_id.in_(list(by_id)))
        )
        for record in stored:
            row = by_id.pop(record.client_record_id)
            differences = self._differences(row, record)
            row.present = not differences
            if differences:
                self._note(
                    row,
                    "client_record_id",
                    f"{row.client_record_id!r} was imported before with different "
                    f"{', '.join(differences)}; give a new screening a new client_record_id, "
                    "or make the row match what is stored",
                )
        if by_id:
            taken = self.session.scalars(
                select(Person.client_record_id).where(Person.client_record_id.in_(list(by_id)))
            )
            for client_record_id in taken:
                self._note(
                    by_id[str(client_record_id)],
                    "client_record_id",
                    f"{client_record_id!r} is already the id of a person registered without "
                    "this screening; use another client_record_id",
                )

    def _differences(self, row: _Row, record: Row[Any]) -> list[str]:
        """Columns whose stored value differs from the row (identifiers named, never shown)."""
        assert row.built is not None and row.person is not None
        screening, person = row.built.screening, row.person
        differences = [
            f"{column} (stored {getattr(record, column) or 'empty'}, "
            f"file {screening[column] or 'empty'})"
            for column in _SCREENING_COLUMNS
            if (getattr(record, column) or None) != (screening[column] or None)
        ]
        if record.facility_id != screening["facility_id"]:
            differences.append("facility_code")
        if record.screened_at != screening["screened_at"]:
            differences.append(f"screened_on (stored {record.screened_at:%Y-%m-%dT%H:%M})")
        if record.national_id_hmac != person["national_id_hmac"]:
            differences.append("national_id")
        if record.person_client_record_id != row.client_record_id:
            return differences  # linked by national ID to a person registered before
        for column in ("sex", "birth_year"):
            if getattr(record, column) != person[column]:
                differences.append(f"{column} (stored {getattr(record, column)})")
        if record.region_id != person["region_id"]:
            differences.append("township_code")
        compared = ("name", "phone", "address")
        stored = reveal_fields(
            self.site.keys,
            record.id,
            record.data_key,
            {column: getattr(record, f"{column}_ct") for column in compared},
        )
        for column in compared:
            index = ("name", "phone", "national_id", "address").index(column)
            if stored[column] != row.identifiers[index]:
                differences.append(column)
        return differences

    def _insert(self, rows: list[_Row]) -> None:
        """Insert people (one per national ID), screenings and referrals with executemany."""
        wanted = [
            r.person["national_id_hmac"] for r in rows if r.person and r.person["national_id_hmac"]
        ]
        known: dict[str, str] = {}
        if wanted:
            matches = self.session.execute(
                select(Person.national_id_hmac, Person.id).where(
                    Person.national_id_hmac.in_(wanted)
                )
            )
            known = {str(digest): person_id for digest, person_id in matches}
        people, screenings, referrals = [], [], []
        for row in rows:
            assert row.person is not None and row.built is not None
            digest = row.person["national_id_hmac"]
            person_id = known.get(digest) if digest else None
            if person_id is None:
                people.append(row.person)
                if digest:
                    known[digest] = row.person["id"]
            else:
                self.report.people_matched += 1
                row.built.screening["person_id"] = person_id
                if row.built.referral is not None:
                    row.built.referral["person_id"] = person_id
            screenings.append(row.built.screening)
            if row.built.referral is not None:
                referrals.append(row.built.referral)
        connection = self.session.connection()
        tables = Base.metadata.tables
        for model, table_rows in ((Person, people), (Screening, screenings), (Referral, referrals)):
            insert_many(connection, tables[model.__tablename__], table_rows)
        self.report.imported += len(screenings)
        self.report.referred += len(referrals)


def import_screenings(
    site: Site,
    path: Path,
    *,
    skip_invalid: bool,
    rejects_path: Path | None,
    screener_id: int | None = None,
    progress: bool = False,
) -> ImportReport:
    """Import a screenings CSV file: every row or none (``skip_invalid``: the good ones).

    Raises :class:`ImportRejected`, listing every problem, when the file cannot be imported.
    With ``skip_invalid`` bad rows go, with their reason, to ``rejects_path`` (default
    ``FILE.rejects.csv``) and the good rows are imported. Re-importing changes nothing.
    """
    path = Path(path)
    target = (rejects_path or default_rejects_path(path)) if skip_invalid else None
    if target is not None and target.resolve() == path.resolve():
        raise InvalidInput("must not be the file being imported", field="rejects")
    report = ImportReport(path)
    rejects: _RejectsFile | None = None
    try:
        with (
            open_csv(path, SCREENINGS_LAYOUT) as opened,
            _progress(progress, path.stat().st_size) as bar,
        ):
            header, delimiter = opened.header, opened.delimiter
            rejects = _RejectsFile(target, header, delimiter) if target is not None else None
            lines = _counting(opened.handle, bar) if bar is not None else opened.handle
            with site.transaction() as session:
                if screener_id is not None and session.get(User, screener_id) is None:
                    raise InvalidInput(f"no user with id {screener_id}", field="screener_id")
                importer = _Importer(
                    site, session, report, opened.positions, len(header), rejects, screener_id
                )
                with _sqlite_page_cache(session, SQLITE_IMPORT_CACHE_KIB):
                    importer.read(csv.reader(lines, delimiter=delimiter))
    except BaseException:
        if rejects is not None:
            rejects.discard()
        raise
    if rejects is not None:
        report.rejects_path = rejects.commit()
    return report
