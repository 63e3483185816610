"""The store side of the screenings import: the clinics it may name, and the batch writer.

The writer takes checked rows (``brightline.service.import_rows``), sorts each batch into
rows already imported, conflicts with what is stored and new rows, and inserts the new ones
with executemany inside the import's one transaction. People are created or linked (by
national ID) in one place, :meth:`BatchWriter._create_or_link_people`; a national ID already
registered at another clinic is refused for that row, as the web and the API refuse it
(:meth:`BatchWriter._refuse_other_clinics_ids`).
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from brightline.csvfiles import ImportReport
from brightline.errors import NotFound
from brightline.identifiers import IdentifierKeys
from brightline.problems import KINDS
from brightline.service.import_rows import SCREENING_COLUMNS, CheckedRow, Clinic
from brightline.service.people import reveal_fields
from brightline.service.places import serving_surgical_centre
from brightline.store.bulk import insert_many
from brightline.store.models import Base, Facility, Person, Referral, Region, Screening

# The web's and the API's refusal, word for word: it says the ID is taken, never whose it is.
NATIONAL_ID_ELSEWHERE = KINDS["national_id_elsewhere"].template


class StoredClinics(Mapping[str, Clinic]):
    """The installation's facilities by code; each one's surgical centre is looked up once,
    when a row first names it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.facilities = {f.code: f for f in session.scalars(select(Facility))}
        self.resolved: dict[str, Clinic] = {}

    def __getitem__(self, code: str) -> Clinic:
        clinic = self.resolved.get(code)
        if clinic is None:
            facility = self.facilities[code]
            centre_id, centre_error = None, None
            try:
                centre_id = serving_surgical_centre(self.session, facility).id
            except NotFound as exc:
                centre_error = exc.message
            clinic = Clinic(facility.id, facility.region_id, centre_id, centre_error)
            self.resolved[code] = clinic
        return clinic

    def __iter__(self) -> Iterator[str]:
        return iter(self.facilities)

    def __len__(self) -> int:
        return len(self.facilities)


def stored_regions(session: Session) -> dict[str, int]:
    """Every region's id by its code."""
    return {code: id_ for code, id_ in session.execute(select(Region.code, Region.id))}


class RejectsFile:
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


class BatchWriter:
    """Stores checked rows in batches of ``batch_rows``, in the session's transaction.

    Without a rejects file nothing more is inserted after the first bad row (the import will
    be rolled back); with one, bad rows go there with their reason and good rows are stored.
    """

    def __init__(
        self,
        session: Session,
        keys: IdentifierKeys,
        report: ImportReport,
        rejects: RejectsFile | None,
        batch_rows: int,
        log_people: Callable[[list[str]], None],
        log_refusal: Callable[[str], None],
    ) -> None:
        self.session, self.keys, self.report = session, keys, report
        self.rejects, self.batch_rows = rejects, batch_rows
        self.batch: list[CheckedRow] = []
        # Each person created or linked is logged once, however many rows name them.
        self.log_people, self.logged = log_people, set[str]()
        self.log_refusal = log_refusal
        # The clinic of each national ID (by fingerprint) earlier rows of the file register.
        self.clinic_of_id: dict[str, int] = {}

    def add(self, row: CheckedRow) -> None:
        """Queue one checked row; write the batch when it is full."""
        self.batch.append(row)
        if len(self.batch) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        """Sort the batch into already present, conflicting and new rows; insert the new."""
        batch = list(self.batch)
        self.batch.clear()
        built = [row for row in batch if row.built is not None]
        if built:
            self._compare_with_store(built)
            self._refuse_other_clinics_ids([r for r in built if not (r.problems or r.present)])
        report = self.report
        bad = [row for row in batch if row.problems]
        for row in bad:
            report.tally(row.problems)
        fresh = [row for row in built if not row.problems and not row.present]
        report.already_present += sum(row.present for row in built)
        if fresh and (self.rejects is not None or not report.rejected):
            self._insert(fresh)
        if self.rejects is not None:
            for row in bad:
                self.rejects.write(row.cells, "; ".join(str(p) for p in row.problems))

    def _compare_with_store(self, rows: list[CheckedRow]) -> None:
        """Rows whose client_record_id is stored: the same content is already present, other
        content is a conflict."""
        by_id = {row.client_record_id: row for row in rows}
        stored = self.session.execute(
            select(
                Screening.client_record_id,
                Screening.facility_id,
                Screening.screened_at,
                *(getattr(Screening, column) for column in SCREENING_COLUMNS),
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
                row.note(
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
                by_id[str(client_record_id)].note(
                    "client_record_id",
                    f"{client_record_id!r} is already the id of a person registered without "
                    "this screening; use another client_record_id",
                )

    def _refuse_other_clinics_ids(self, rows: list[CheckedRow]) -> None:
        """Refuse a row whose national ID is registered at another clinic (stored, or by an
        earlier row of the file): a clinic links only its own people, as on the web. A stored
        person's refusal is audited against them, as the web's is."""
        wanted = [
            r.person["national_id_hmac"] for r in rows if r.person and r.person["national_id_hmac"]
        ]
        stored: dict[str, tuple[str, int]] = {}
        if wanted:
            matches = self.session.execute(
                select(Person.national_id_hmac, Person.id, Person.facility_id).where(
                    Person.national_id_hmac.in_(wanted)
                )
            )
            stored = {str(digest): (person_id, clinic) for digest, person_id, clinic in matches}
        for row in rows:
            assert row.person is not None
            digest, clinic = row.person["national_id_hmac"], row.person["facility_id"]
            if not digest:
                continue
            registered = stored.get(digest)
            elsewhere = registered[1] if registered else self.clinic_of_id.get(digest, clinic)
            if elsewhere == clinic:
                self.clinic_of_id.setdefault(digest, clinic)
                continue
            row.note("national_id", NATIONAL_ID_ELSEWHERE)
            if registered is not None:
                self.log_refusal(registered[0])

    def _differences(self, row: CheckedRow, record: Row[Any]) -> list[str]:
        """Columns whose stored value differs from the row (identifiers named, never shown)."""
        assert row.built is not None and row.person is not None
        screening, person = row.built.screening, row.person
        differences = [
            f"{column} (stored {getattr(record, column) or 'empty'}, "
            f"file {screening[column] or 'empty'})"
            for column in SCREENING_COLUMNS
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
            self.keys,
            record.id,
            record.data_key,
            {column: getattr(record, f"{column}_ct") for column in compared},
        )
        for column in compared:
            if stored[column] != row.identifiers[column]:
                differences.append(column)
        return differences

    def _create_or_link_people(self, rows: list[CheckedRow]) -> list[dict[str, Any]]:
        """The people to create: one per national ID; a row whose national ID is stored, or
        came earlier in the file, is linked to that person instead."""
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
        people = []
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
        return people

    def _insert(self, rows: list[CheckedRow]) -> None:
        """Insert people, screenings and referrals with executemany."""
        people = self._create_or_link_people(rows)
        screenings, referrals = [], []
        for row in rows:
            assert row.built is not None
            screenings.append(row.built.screening)
            if row.built.referral is not None:
                referrals.append(row.built.referral)
        connection = self.session.connection()
        tables = Base.metadata.tables
        for model, table_rows in ((Person, people), (Screening, screenings), (Referral, referrals)):
            insert_many(connection, tables[model.__tablename__], table_rows)
        touched = [s["person_id"] for s in screenings if s["person_id"] not in self.logged]
        self.logged.update(touched)
        self.log_people(list(dict.fromkeys(touched)))
        self.report.imported += len(screenings)
        self.report.referred += len(referrals)
