"""The analytics snapshot: de-identified, complete, atomic, and incremental = full."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from brightline.analytics.snapshot import (
    CURRENT,
    MANIFEST,
    SCHEMA_VERSION,
    SnapshotMissing,
    current_snapshot,
    read_manifest,
    take_snapshot,
)
from brightline.records import PersonInput, ReviewInput, ScreeningInput
from brightline.service.people import identifiers_of, register_person
from brightline.service.places import serving_surgical_centre
from brightline.service.referrals import record_attendance, record_review
from brightline.service.screenings import record_screening
from brightline.site import Site
from brightline.store.analytics_models import Population
from brightline.store.models import (
    Attendance,
    Base,
    Facility,
    FollowUp,
    Person,
    Referral,
    Review,
    Screening,
    Surgery,
)
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import table_rows


def _every_value(snapshot: Path) -> set[object]:
    values: set[object] = set()
    for path in snapshot.rglob("*.parquet"):
        for column in pq.read_table(path).columns:
            values.update(column.to_pylist())
    return values


def test_snapshot_holds_no_identifier_and_no_operational_id(demo_snapshot: DemoSnapshot) -> None:
    site = Site.open(demo_snapshot.settings)
    try:
        with site.transaction() as session:
            forbidden: set[object] = set()
            for model in (Person, Screening, Referral, Review, Attendance, Surgery, FollowUp):
                forbidden |= set(session.scalars(select(model.id)))
            forbidden |= set(session.scalars(select(Referral.code)))
            people = session.scalars(select(Person)).all()
            for person in people:
                for column in Person.__table__.columns:
                    if column.name.endswith("_ct") and getattr(person, column.name):
                        forbidden.add(getattr(person, column.name))
                forbidden.add(person.national_id_hmac)
                names = identifiers_of(site.keys, person)
                forbidden |= {names.name, names.phone, names.national_id, names.address}
            pseudonyms = {p.pseudonym for p in people}
    finally:
        site.close()
    forbidden.discard(None)
    values = _every_value(demo_snapshot.snapshot)
    assert not values & forbidden
    assert pseudonyms <= values  # people appear by their analytics pseudonym
    schema_names = {
        f for p in demo_snapshot.snapshot.rglob("*.parquet") for f in pq.read_schema(p).names
    }
    assert not {n for n in schema_names if n.endswith("_ct") or n in ("name", "phone", "id")}


def test_manifest_counts_every_row(demo_snapshot: DemoSnapshot) -> None:
    manifest = read_manifest(demo_snapshot.snapshot)
    assert manifest["schema_version"] == SCHEMA_VERSION
    site = Site.open(demo_snapshot.settings)
    try:
        with site.transaction() as session:

            def count(model: type[Base]) -> int:
                return session.scalar(select(func.count()).select_from(model)) or 0

            expected = {
                "screenings": count(Screening),
                "referrals": count(Referral),
                "surgeries": count(Surgery),
                "follow_ups": count(FollowUp),
                "population": count(Population),
            }
    finally:
        site.close()
    for table, n in expected.items():
        assert (
            manifest["tables"][table]["rows"] == n == len(table_rows(demo_snapshot.snapshot, table))
        )
    months = manifest["tables"]["screenings"]["partitions"]
    assert len(months) > 6 and all(len(m) == 7 for m in months)


def test_missing_snapshot_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(SnapshotMissing, match="run 'brightline snapshot'"):
        current_snapshot(tmp_path)


def _change_the_store(site: Site) -> None:
    """New person and screening, an updated person, a review and an attendance."""
    with site.transaction() as session:
        clinic = session.scalars(select(Facility).where(Facility.kind == "clinic")).first()
        assert clinic is not None
        person, _ = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=clinic.id,
                region_id=clinic.region_id,
                sex="male",
                birth_year=1944,
                name="New Person",
            ),
            site.today(),
        )
        centre = serving_surgical_centre(session, clinic)
        record_screening(
            session,
            site.programme,
            ScreeningInput(
                person_id=person.id,
                facility_id=clinic.id,
                screened_at=datetime(2025, 6, 29, 10),
                right_presenting_va="3/60",
                left_presenting_va="6/60",
            ),
            refer_to_facility_id=centre.id,
        )
        moved = session.scalars(select(Person).order_by(Person.id)).first()
        assert moved is not None
        moved.birth_year -= 1
        moved.updated_at = site.now() + timedelta(seconds=1)
        waiting = session.scalars(
            select(Referral).where(Referral.status == "open", Referral.kind == "review")
        ).first()
        assert waiting is not None
        record_review(
            session,
            ReviewInput(
                referral_id=waiting.id,
                reviewed_at=waiting.referred_at + timedelta(days=3),
                recommendation="surgery",
                urgency="routine",
                surgery_eyes=("right",),
            ),
        )
        record_attendance(session, waiting.id, waiting.referred_at + timedelta(days=9))


def test_incremental_snapshot_equals_a_full_one(demo_copy: Site, tmp_path: Path) -> None:
    before = current_snapshot(demo_copy.settings.home / "snapshot")
    _change_the_store(demo_copy)
    report = take_snapshot(demo_copy, incremental=True)
    assert report.incremental and report.partitions_kept > 0
    assert 0 < report.partitions_written < report.partitions_kept
    incremental = current_snapshot(demo_copy.settings.home / "snapshot")
    full = take_snapshot(demo_copy, tmp_path / "full").path
    for table in ("screenings", "referrals", "surgeries", "follow_ups", "population"):
        assert table_rows(incremental, table) == table_rows(full, table), table
    assert read_manifest(incremental)["tables"] == read_manifest(full)["tables"]
    # The previous version is kept for readers that were still on it, older ones are not.
    assert before.exists()
    versions = sorted(p.name for p in (demo_copy.settings.home / "snapshot").glob("v-*"))
    assert len(versions) == 2


def test_snapshot_is_published_atomically(demo_copy: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    root = demo_copy.settings.home / "snapshot"
    before = current_snapshot(root)

    def broken(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("brightline.analytics.snapshot._write_partition", broken)
    with pytest.raises(OSError, match="disk full"):
        take_snapshot(demo_copy)
    assert current_snapshot(root) == before
    assert sorted(p.name for p in root.iterdir() if p.name != CURRENT) == [before.name]
    assert json.loads((before / MANIFEST).read_text())["schema_version"] == SCHEMA_VERSION
