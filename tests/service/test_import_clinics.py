"""CSV import keeps a clinic's people its own: a national ID of another clinic is refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brightline.access.bulk import import_screenings
from brightline.audit.log import record_pseudonym
from brightline.audit.verify import verify_log
from brightline.csvfiles import ImportRejected
from brightline.site import Site
from brightline.store.models import AuditEntry, Person, Screening
from tests.conftest import World
from tests.service.test_importing import GOOD_ROWS, strict, table_counts, write_csv

REFUSAL = "This national ID is already registered; ask the programme office."
# A person of clinic A with a national ID (a cataract screening: referred).
THEIRS = {**GOOD_ROWS[4], "name": "Secret Canary", "phone": "+254700998877"}
# The same national ID written another way, at clinic B.
AT_CLINIC_B = {**GOOD_ROWS[5], "client_record_id": "B-001", "facility_code": "CL-B"}


def _denials(site: Site) -> list[tuple[str | None, str]]:
    with site.transaction() as session:
        rows = session.execute(
            select(AuditEntry.record, AuditEntry.entry).where(
                AuditEntry.action == "person.import", AuditEntry.outcome == "denied"
            )
        )
        return [(record, entry) for record, entry in rows]


def _stored_person(site: Site) -> str:
    with site.transaction() as session:
        person_id = session.scalar(select(Person.id).where(Person.client_record_id == "CAMP1-005"))
        assert person_id is not None
        return person_id


def test_same_clinic_links_by_national_id(site: Site, world: World, tmp_path: Path) -> None:
    strict(site, write_csv(tmp_path / "first.csv", [THEIRS]))
    again = {**AT_CLINIC_B, "facility_code": "CL-A"}
    report = strict(site, write_csv(tmp_path / "second.csv", [again]))
    assert (report.imported, report.people_matched) == (1, 1)
    assert table_counts(site)["people"] == 1 and _denials(site) == []


def test_another_clinics_national_id_is_refused_audited_and_nothing_written(
    site: Site, world: World, tmp_path: Path
) -> None:
    strict(site, write_csv(tmp_path / "first.csv", [THEIRS]))
    before = table_counts(site)
    path = write_csv(tmp_path / "second.csv", [GOOD_ROWS[0], AT_CLINIC_B])
    with pytest.raises(ImportRejected) as rejected:
        strict(site, path)
    problems = rejected.value.report.problems
    assert [(p.line, p.column, p.message) for p in problems] == [(3, "national_id", REFUSAL)]
    shown = str(rejected.value) + "".join(str(p) for p in problems)
    for secret in ("Secret Canary", "254700998877", "CL-A", "Clinic A", _stored_person(site)):
        assert secret not in shown
    after = table_counts(site)
    # All or nothing: the good row on line 2 is not kept either; only the refusal is logged.
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}
    # The refusal is logged against the other clinic's person, though the import rolled back.
    denials = _denials(site)
    assert [record for record, _ in denials] == [record_pseudonym(site.keys, _stored_person(site))]
    assert "national ID registered at another facility" in denials[0][1]
    assert verify_log(site.engine, site.audit_signer().verifier_key()).ok


def test_skip_invalid_rejects_the_row_and_imports_the_rest(
    site: Site, world: World, tmp_path: Path
) -> None:
    strict(site, write_csv(tmp_path / "first.csv", [THEIRS]))
    path = write_csv(tmp_path / "second.csv", [GOOD_ROWS[0], AT_CLINIC_B])
    report = import_screenings(site, path, skip_invalid=True, rejects_path=None)
    assert (report.imported, report.rejected, report.people_matched) == (1, 1, 0)
    assert report.rejects_path is not None
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        (rejected,) = csv.DictReader(handle)
    assert rejected["client_record_id"] == "B-001"
    assert rejected["reason"] == f"line 3, national_id: {REFUSAL}"
    with site.transaction() as session:
        at_b = (
            select(func.count())
            .select_from(Screening)
            .where(Screening.facility_id == world.clinic_b)
        )
        assert session.scalar(at_b) == 0
    assert len(_denials(site)) == 1


def test_one_national_id_at_two_clinics_in_one_file_is_refused_on_the_later_row(
    site: Site, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "camp.csv", [THEIRS, GOOD_ROWS[0], AT_CLINIC_B])
    with pytest.raises(ImportRejected) as rejected:
        strict(site, path)
    problems = rejected.value.report.problems
    assert [(p.line, p.column, p.message) for p in problems] == [(4, "national_id", REFUSAL)]
    assert table_counts(site)["people"] == 0
    assert _denials(site) == []  # nobody stored was reached
