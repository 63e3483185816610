"""CSV import of screenings: whole-file validation, rejects, idempotency, atomicity."""

from __future__ import annotations

import csv
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from brightline.access.bulk import import_screenings
from brightline.audit.log import record_pseudonym
from brightline.audit.reports import ACTION_WORDS, access_report
from brightline.audit.verify import verify_log
from brightline.csvfiles import ImportRejected, ImportReport
from brightline.errors import Forbidden, Unauthenticated
from brightline.service import importing
from brightline.service.accounts import add_user
from brightline.service.importing import TEMPLATE_COLUMNS, template_header
from brightline.service.people import identifiers_of
from brightline.service.places import add_facility, add_region
from brightline.site import Site
from brightline.store.models import AuditEntry, Base, Person, Referral, Screening, User
from tests.conftest import World

GOOD_ROWS: list[dict[str, str]] = [
    # Normal vision: no referral. The name and phone are the canaries of the encryption test.
    {"client_record_id": "CAMP1-001", "sex": "female", "birth_year": "1950",
     "name": "Canary Wanjiru", "phone": "+254700111222", "right_presenting_va": "6/6",
     "left_presenting_va": "20/25"},
    # Poor vision not corrected by pinhole, lens opacity: review, suspected cataract.
    {"client_record_id": "CAMP1-002", "sex": "male", "birth_year": "1948",
     "right_presenting_va": "6/60", "left_presenting_va": "6/9", "right_pinhole_va": "6/60",
     "right_lens": "opacity", "township_code": "TB"},
    # Pinhole corrects: refraction.
    {"client_record_id": "CAMP1-003", "sex": "female", "birth_year": "1970",
     "right_presenting_va": "6/24", "left_presenting_va": "6/6", "right_pinhole_va": "6/9"},
    # Trauma: urgent review, screened with a time of day.
    {"client_record_id": "CAMP1-004", "sex": "male", "birth_year": "1990",
     "screened_on": "2026-03-02T09:30", "right_presenting_va": "6/6",
     "left_presenting_va": "6/6", "symptoms": "trauma"},
    # Two screenings of the same person (same national ID, written differently).
    {"client_record_id": "CAMP1-005", "sex": "female", "birth_year": "1940",
     "national_id": "ZX 987", "right_presenting_va": "CF", "left_presenting_va": "HM",
     "right_lens": "opacity", "left_lens": "opacity"},
    {"client_record_id": "CAMP1-006", "sex": "female", "birth_year": "1940",
     "national_id": "zx-987", "right_presenting_va": "6/6", "left_presenting_va": "6/6",
     "screened_on": "2026-04-01"},
]  # fmt: skip


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = TEMPLATE_COLUMNS
) -> Path:
    """A CSV file with ``columns``; each row fills facility and date unless it says otherwise."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({"facility_code": "CL-A", "screened_on": "2026-03-02", **row})
    return path


def table_counts(site: Site) -> dict[str, int]:
    """Rows in every table of the store."""
    with site.transaction() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def problems_of(error: pytest.ExceptionInfo[ImportRejected]) -> set[tuple[int, str | None]]:
    return {(problem.line, problem.column) for problem in error.value.report.problems}


def strict(site: Site, path: Path) -> ImportReport:
    return import_screenings(site, path, skip_invalid=False, rejects_path=None)


def test_template_names_every_column() -> None:
    assert template_header().split(",") == list(TEMPLATE_COLUMNS)


def test_good_file_is_imported_triaged_and_referred(
    site: Site, world: World, tmp_path: Path
) -> None:
    report = strict(site, write_csv(tmp_path / "camp.csv", GOOD_ROWS))
    assert (report.rows, report.imported, report.already_present, report.rejected) == (6, 6, 0, 0)
    assert report.referred == 4 and report.people_matched == 1
    with site.transaction() as session:
        decided = session.execute(select(Screening.client_record_id, Screening.triage_decision))
        decisions = {crid: decision for crid, decision in decided}
        assert decisions == {
            "CAMP1-001": "none",
            "CAMP1-002": "review",
            "CAMP1-003": "refraction",
            "CAMP1-004": "urgent_review",
            "CAMP1-005": "urgent_review",
            "CAMP1-006": "none",
        }
        assert session.scalar(select(func.count()).select_from(Person)) == 5
        referrals = session.scalars(select(Referral)).all()
        assert {r.to_facility_id for r in referrals} == {world.centre}
        assert {r.kind for r in referrals} == {"review", "refraction", "urgent_review"}
        cataract = session.scalar(
            select(Screening).where(Screening.client_record_id == "CAMP1-002")
        )
        assert cataract is not None and cataract.suspected_cataract
        assert cataract.right_presenting_logmar == 1.0
        person = session.get(Person, cataract.person_id)
        assert person is not None and person.region_id == world.township_b
        canary = session.scalar(select(Person).where(Person.client_record_id == "CAMP1-001"))
        assert canary is not None and canary.region_id == world.township_a  # the clinic's
        assert canary.name_ct is not None and canary.data_key is not None
        assert identifiers_of(site.keys, canary).name == "Canary Wanjiru"
    if site.engine.url.get_backend_name() == "sqlite":
        database = Path(str(site.engine.url.database))
        files = (database, database.with_name(database.name + "-wal"))
        stored = b"".join(file.read_bytes() for file in files if file.exists())
        assert b"Canary" not in stored and b"254700111222" not in stored
        # The import's larger page cache is given back to the pooled connection.
        with site.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == -2000


def test_age_may_stand_in_for_birth_year(site: Site, world: World, tmp_path: Path) -> None:
    columns = (*TEMPLATE_COLUMNS[:5], "age", *TEMPLATE_COLUMNS[6:])
    rows = [
        {"client_record_id": "A-1", "sex": "male", "age": "70", "right_presenting_va": "6/6",
         "left_presenting_va": "6/6"},
    ]  # fmt: skip
    strict(site, write_csv(tmp_path / "age.csv", rows, columns))
    with site.transaction() as session:
        assert session.scalar(select(Person.birth_year)) == 2026 - 70


def test_bad_rows_are_all_reported_and_nothing_is_written(
    site: Site, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: the good rows before the bad ones are inserted, then rolled back.
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    rows = [
        *GOOD_ROWS[:4],
        {**GOOD_ROWS[0], "client_record_id": "B-1", "right_presenting_va": "6/0"},  # line 6
        {**GOOD_ROWS[0], "client_record_id": "B-2", "sex": "x", "left_lens": "cloudy"},
        {**GOOD_ROWS[0], "client_record_id": "B-3", "facility_code": "CL-NOPE"},
        {**GOOD_ROWS[0], "client_record_id": "B-4", "screened_on": "2999-01-01"},
        {**GOOD_ROWS[0], "client_record_id": "B-5", "symptoms": "trauma;itchy"},  # line 10
        {**GOOD_ROWS[0], "client_record_id": "B-6", "township_code": "T-NOPE"},
        {**GOOD_ROWS[0], "client_record_id": "B-7", "birth_year": "1800"},
    ]
    before = table_counts(site)
    with pytest.raises(ImportRejected) as error:
        strict(site, write_csv(tmp_path / "bad.csv", rows))
    assert table_counts(site) == before
    assert problems_of(error) == {
        (6, "right_presenting_va"),
        (7, "sex"),
        (7, "left_lens"),
        (8, "facility_code"),
        (9, "screened_on"),
        (10, "symptoms"),
        (11, "township_code"),
        (12, "birth_year"),
    }
    report = error.value.report
    assert (report.rows, report.rejected, report.imported) == (11, 7, 0)
    message = str(error.value)
    assert 'line 6, right_presenting_va: "6/0" is not a visual acuity' in message
    assert "write e.g. 6/18, 20/60" in message
    assert "line 7, sex: 'x' is not valid; use one of: female, male" in message
    assert "brightline facility add CL-NOPE" in message
    assert "'2999-01-01' is in the future" in message
    assert "'itchy' is not valid" in message
    assert "brightline region add T-NOPE" in message
    assert "--skip-invalid" in message


def test_error_mid_file_leaves_nothing_written(
    site: Site, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)
    path = write_csv(tmp_path / "latin1.csv", GOOD_ROWS)
    with path.open("ab") as handle:
        handle.write(b"CAMP1-009,CL-A,2026-03-02,,female,1950,Jos\xe9,,,,6/6,6/6,,,,,\n")
    before = table_counts(site)
    with pytest.raises(ImportRejected) as error:
        strict(site, path)
    assert table_counts(site) == before
    assert "line 8: the file is not UTF-8 text" in str(error.value)
    assert "CSV UTF-8" in str(error.value)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (tuple(c for c in TEMPLATE_COLUMNS if c != "facility_code"), "'facility_code'"),
        (tuple(c for c in TEMPLATE_COLUMNS if c != "birth_year"), "'birth_year' (or 'age')"),
        ((*TEMPLATE_COLUMNS, "right_va"), "unknown column 'right_va'"),
        (
            (*TEMPLATE_COLUMNS, "sex"),
            f"column 'sex' appears twice (columns 5 and {len(TEMPLATE_COLUMNS) + 1})",
        ),
    ],
)
def test_header_problems_are_named(
    site: Site, world: World, tmp_path: Path, columns: tuple[str, ...], expected: str
) -> None:
    with pytest.raises(ImportRejected) as error:
        strict(site, write_csv(tmp_path / "header.csv", GOOD_ROWS[:1], columns))
    message = str(error.value)
    assert expected in message and "line 1" in message
    assert template_header().replace(",", ", ") in message  # the expected columns, listed


def test_duplicate_client_record_id_names_both_lines(
    site: Site, world: World, tmp_path: Path
) -> None:
    rows = [*GOOD_ROWS[:3], {**GOOD_ROWS[1], "right_presenting_va": "6/9"}]
    with pytest.raises(ImportRejected) as error:
        strict(site, write_csv(tmp_path / "dup.csv", rows))
    assert problems_of(error) == {(5, "client_record_id")}
    assert "'CAMP1-002' is also on line 3" in str(error.value)


def test_skip_invalid_imports_good_rows_and_writes_rejects(
    site: Site, world: World, tmp_path: Path
) -> None:
    rows = [
        *GOOD_ROWS[:3],
        {**GOOD_ROWS[0], "client_record_id": "B-1", "right_presenting_va": "6/0"},
        {**GOOD_ROWS[0], "client_record_id": "B-2", "sex": "x", "facility_code": "CL-NOPE"},
    ]
    path = write_csv(tmp_path / "camp.csv", rows)
    report = import_screenings(site, path, skip_invalid=True, rejects_path=None)
    assert (report.imported, report.rejected) == (3, 2)
    assert report.rejects_path == tmp_path / "camp.rejects.csv"
    assert stat.S_IMODE(report.rejects_path.stat().st_mode) == 0o600  # it holds identifiers
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["client_record_id"] for r in rejects] == ["B-1", "B-2"]
    assert list(rejects[0]) == [*TEMPLATE_COLUMNS, "reason"]
    assert rejects[0]["name"] == "Canary Wanjiru"  # the row as it was, to be corrected
    assert rejects[0]["reason"].startswith('line 5, right_presenting_va: "6/0" is not a visual')
    assert "line 6, facility_code" in rejects[1]["reason"] and "line 6, sex" in rejects[1]["reason"]
    with site.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Screening)) == 3

    # The corrected rejects file imports as it is: its reason column is ignored.
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        corrected = list(csv.reader(handle))
    corrected[1][TEMPLATE_COLUMNS.index("right_presenting_va")] = "6/6"
    corrected[2][TEMPLATE_COLUMNS.index("sex")] = "male"
    corrected[2][TEMPLATE_COLUMNS.index("facility_code")] = "CL-B"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(corrected)
    assert strict(site, fixed).imported == 2


def test_reimport_changes_nothing(site: Site, world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "camp.csv", GOOD_ROWS)
    strict(site, path)
    before = table_counts(site)
    report = strict(site, path)
    assert (report.imported, report.already_present, report.referred) == (0, 6, 0)
    assert "0 imported, 6 already imported" in report.summary()
    assert table_counts(site) == before


def test_changed_row_with_same_id_is_a_conflict(site: Site, world: World, tmp_path: Path) -> None:
    strict(site, write_csv(tmp_path / "camp.csv", GOOD_ROWS))
    changed = [
        {**GOOD_ROWS[0], "name": "Someone Else"},
        {**GOOD_ROWS[1], "right_presenting_va": "6/18"},
        *GOOD_ROWS[2:],
        {**GOOD_ROWS[0], "client_record_id": "CAMP1-007"},
    ]
    path = write_csv(tmp_path / "changed.csv", changed)
    before = table_counts(site)
    with pytest.raises(ImportRejected) as error:
        strict(site, path)
    assert table_counts(site) == before
    assert problems_of(error) == {(2, "client_record_id"), (3, "client_record_id")}
    message = str(error.value)
    assert "'CAMP1-001' was imported before with different name" in message
    assert "Someone" not in message  # identifiers are named, never shown
    assert "right_presenting_va (stored 6/60, file 6/18)" in message

    report = import_screenings(site, path, skip_invalid=True, rejects_path=tmp_path / "r.csv")
    assert (report.imported, report.already_present, report.rejected) == (1, 4, 2)
    assert report.rejects_path == tmp_path / "r.csv"


def test_referral_needs_a_surgical_centre(site: Site, world: World, tmp_path: Path) -> None:
    with site.transaction() as session:
        add_region(session, "P2", "Province Two", "province")
        add_facility(session, "CL-FAR", "Far Clinic", "clinic", "P2")
    rows: list[dict[str, Any]] = [
        {**GOOD_ROWS[0], "facility_code": "CL-FAR"},  # not referred: fine
        {**GOOD_ROWS[1], "facility_code": "CL-FAR"},
    ]
    with pytest.raises(ImportRejected) as error:
        strict(site, write_csv(tmp_path / "far.csv", rows))
    assert problems_of(error) == {(3, "facility_code")}
    assert "no surgical centre serves facility 'CL-FAR'" in str(error.value)


def test_spreadsheet_variants_are_read(site: Site, world: World, tmp_path: Path) -> None:
    """Semicolons (some locales), a byte-order mark, short rows and blank rows."""
    path = tmp_path / "excel.csv"
    path.write_text(
        "\ufeffClient_Record_ID;facility_code;screened_on;sex;age;right_presenting_va;"
        "left_presenting_va;symptoms\r\n"
        'X-1;CL-A;2026-03-02;female;70;6/6;6/6;"trauma; painful_red_eye"\r\n'
        ";;;;;;;\r\n"
        "X-2;CL-A;2026-03-02;male;65;6/6;6/9\r\n",
        encoding="utf-8",
    )
    report = strict(site, path)
    assert (report.rows, report.imported) == (2, 2)
    with site.transaction() as session:
        symptoms = session.scalar(
            select(Screening.symptoms).where(Screening.client_record_id == "X-1")
        )
    assert symptoms == "painful_red_eye,trauma"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        ("client_record_id\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest-of-a-workbook", "spreadsheet workbook"),
    ],
)
def test_unreadable_files_get_a_clear_message(
    site: Site, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRejected, match=expected):
        strict(site, path)


def _audit_rows(site: Site) -> list[tuple[str, str, str | None, str]]:
    with site.transaction() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.role, AuditEntry.record, AuditEntry.actor)
            .where(AuditEntry.action == "person.import")
            .order_by(AuditEntry.position)
        )
        return [(a, r, rec, actor) for a, r, rec, actor in rows]


def test_every_person_imported_is_logged_once_and_sees_it(
    site: Site, world: World, tmp_path: Path
) -> None:
    """N people created or linked by a file are N audit entries, by the account that ran it."""
    strict(site, write_csv(tmp_path / "camp.csv", GOOD_ROWS))
    logged = _audit_rows(site)
    with site.transaction() as session:
        people = session.scalars(select(Person.id)).all()
        admin = session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        assert {rec for _, _, rec, _ in logged} == {record_pseudonym(site.keys, p) for p in people}
        assert len(logged) == len(people) == 5  # six rows, two of them one person
        assert {(role, actor) for _, role, _, actor in logged} == {("admin", admin.pseudonym)}
        report = access_report(session, site.keys, people[0])
        assert [line.action for line in report] == [ACTION_WORDS["person.import"]]
        assert verify_log(site.engine, site.audit_signer().verifier_key()).ok
    strict(site, write_csv(tmp_path / "again.csv", GOOD_ROWS))
    assert len(_audit_rows(site)) == 5  # nothing new stored, nobody touched


def test_a_row_linked_to_a_registered_person_is_logged_for_that_person(
    site: Site, world: World, tmp_path: Path
) -> None:
    strict(site, write_csv(tmp_path / "first.csv", GOOD_ROWS[4:5]))
    linked = {**GOOD_ROWS[5], "client_record_id": "CAMP2-001"}
    strict(site, write_csv(tmp_path / "second.csv", [linked]))
    logged = _audit_rows(site)
    assert len(logged) == 2 and logged[0][2] == logged[1][2]  # the same person, twice


def test_an_import_runs_only_as_an_administrator(site: Site, world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "camp.csv", GOOD_ROWS[:1])
    with site.transaction() as session:
        profile = site.settings.argon2_profile
        add_user(
            session, "clinic-a", "a long passphrase", "screener", "facility:CL-A", profile=profile
        )
    with pytest.raises(Forbidden, match="may not write records in bulk"):
        import_screenings(site, path, as_user="clinic-a")
    with pytest.raises(Unauthenticated, match="no active account"):
        import_screenings(site, path, as_user="nobody")
    assert table_counts(site)["people"] == 0


def test_a_phone_that_cannot_be_one_names_its_row_and_writes_nothing(
    site: Site, world: World, tmp_path: Path
) -> None:
    rows = [
        GOOD_ROWS[0],
        {**GOOD_ROWS[1], "phone": "banana"},  # line 3
        {**GOOD_ROWS[2], "phone": "1" * 32},  # line 4
        {**GOOD_ROWS[3], "phone": "+86 138-0013-8000"},
        {**GOOD_ROWS[4], "phone": "０８７１２３４５６７"},  # full-width digits are digits
    ]
    before = table_counts(site)
    with pytest.raises(ImportRejected) as error:
        strict(site, write_csv(tmp_path / "phones.csv", rows))
    assert table_counts(site) == before
    assert problems_of(error) == {(3, "phone"), (4, "phone")}
    message = str(error.value)
    assert "line 3, phone: Write the phone number with 5 to 15 digits" in message
    assert "banana" not in message and "1" * 32 not in message  # identifiers are never echoed
