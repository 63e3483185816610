"""What corrections change downstream: the indicators and the snapshot, the worklists, and
erasure, which must leave no readable earlier identifier behind."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from brightline.analytics.engines import connect
from brightline.analytics.indicator_queries import ALL, IndicatorQuery, snapshot_tables
from brightline.analytics.indicators import compute_indicators
from brightline.analytics.snapshot import current_snapshot, take_snapshot
from brightline.store.models import Attendance, Correction
from tests.analytics.helpers import DUCKDB_DEPRECATION, table_rows
from tests.api.conftest import Bed

REASON = "entered for the wrong person"
START, END = date.today() - timedelta(days=400), date.today() + timedelta(days=1)


def figures(bed: Bed) -> dict[tuple[str, str], Any]:
    engine = connect("duckdb")
    root = current_snapshot(bed.site.settings.home / "snapshot")
    table = compute_indicators(
        engine, snapshot_tables(engine, root), IndicatorQuery("county", START, END)
    )
    wanted = [("screened", "people"), ("referred", "total")]
    found = {}
    for indicator, category in wanted:
        cell = table.get(ALL, indicator, category, "")
        found[(indicator, category)] = cell.count if cell is not None else None
    return found


@pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
def test_a_voided_screening_leaves_the_next_snapshot_and_its_figures(bed: Bed) -> None:
    first = bed.register(name="Li Wei")
    kept = bed.screen(first["id"])
    second = bed.register(name="Wang Fang")
    wrong = bed.screen(second["id"])
    take_snapshot(bed.site)
    assert figures(bed) == {("screened", "people"): 2, ("referred", "total"): 2}
    voided = bed.post("screener_a", f"/screenings/{wrong['id']}/void", {"reason": REASON})
    assert voided.status_code == 200, voided.text
    report = take_snapshot(bed.site, incremental=True)
    assert report.incremental
    assert figures(bed) == {("screened", "people"): 1, ("referred", "total"): 1}
    snapshot = current_snapshot(bed.site.settings.home / "snapshot")
    full = take_snapshot(bed.site, bed.site.settings.home / "full").path
    for table in ("screenings", "referrals"):
        assert table_rows(snapshot, table) == table_rows(full, table), table
    assert len(table_rows(full, "referrals")) == 1 and kept["referral"]


def test_an_amended_review_reaches_the_next_incremental_snapshot(bed: Bed) -> None:
    person = bed.register(name="Li Wei")
    referral = bed.screen(person["id"])["referral"]
    review = bed.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {"recommendation": "glasses"},
    ).json()
    take_snapshot(bed.site)
    amended = bed.client.patch(
        f"/api/v1/reviews/{review['id']}",
        json={
            "version": 1,
            "reason": "the right lens is a dense cataract",
            "recommendation": "surgery",
            "surgery_eyes": ["right"],
        },
        headers=bed.as_("reviewer"),
    )
    assert amended.status_code == 200, amended.text
    take_snapshot(bed.site, incremental=True)
    snapshot = current_snapshot(bed.site.settings.home / "snapshot")
    [row] = table_rows(snapshot, "referrals")
    assert row["recommendation"] == "surgery" and row["surgery_right"] is True


def test_an_undone_arrival_returns_to_the_clinic_worklist(bed: Bed) -> None:
    person = bed.register(name="Wang Fang", phone="13900000002")
    month_ago = (date.today() - timedelta(days=30)).isoformat() + "T09:00:00"
    referral = bed.screen(person["id"], screened_at=month_ago)["referral"]
    attended = bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).json()
    assert bed.get("screener_a", "/worklist").json() == []
    undone = bed.post(
        "surgeon", f"/attendances/{attended['id']}/undo", {"reason": "pressed on the wrong patient"}
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "open"
    worklist = bed.get("screener_a", "/worklist").json()
    assert [w["referral"]["id"] for w in worklist] == [referral["id"]]


def test_an_arrival_recorded_before_the_window_cannot_be_undone(bed: Bed) -> None:
    person = bed.register(name="Wang Fang")
    referral = bed.screen(person["id"])["referral"]
    attended = bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).json()
    days = bed.site.settings.attendance_undo_days
    with bed.site.transaction() as session:
        stored = session.get(Attendance, attended["id"])
        assert stored is not None and stored.recorded_at is not None
        stored.recorded_at -= timedelta(days=days, hours=1)  # recorded a week and an hour ago
    refused = bed.post(
        "surgeon", f"/attendances/{attended['id']}/undo", {"reason": "pressed on the wrong patient"}
    )
    assert refused.status_code == 409
    assert "within 7 days" in refused.json()["error"]["message"]


def test_erasure_after_an_edit_leaves_no_readable_earlier_identifier(bed: Bed) -> None:
    person = bed.register(name="Li Mei", phone="13800000001", national_id="110101194801010011")
    edited = bed.client.patch(
        f"/api/v1/people/{person['id']}",
        json={
            "version": 1,
            "reason": "she gave her sister's phone, Li Mei asked us to fix it",
            "phone": "13800000002",
            "name": "Li Meimei",
        },
        headers=bed.as_("screener_a"),
    )
    assert edited.status_code == 200, edited.text
    erased = bed.post("privacy", f"/people/{person['id']}/erase", {})
    assert erased.status_code == 200, erased.text
    history = bed.get("screener_a", f"/people/{person['id']}/corrections", "treatment").json()
    assert [(c["reason"], c["earlier_identifiers"]) for c in history] == [(None, None)]
    assert history[0]["changed"] == ["name", "phone"]
    with bed.site.transaction() as session:
        [row] = session.scalars(select(Correction).where(Correction.person_id == person["id"]))
        sealed = (row.reason_ct, row.name_ct, row.phone_ct, row.national_id_ct, row.address_ct)
        assert sealed == (None, None, None, None, None)
    if bed.site.settings.database_url is None:
        database = bed.site.settings.home / "brightline.db"
        raw = database.read_bytes() + database.with_name("brightline.db-wal").read_bytes()
        for text in ("Li Mei", "13800000001", "sister"):
            assert text.encode() not in raw
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
