"""The surgical centre's theatre record, appointments and expected list over the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text

from brightline.service.accounts import add_user
from brightline.store.db import alembic_config, migrate
from brightline.store.models import NotOperated, Surgery, User
from tests.api.conftest import Bed
from tests.api.test_corrections_api import actions_since, audit_size, reviewed
from tests.conftest import PASSWORD

TODAY = date.today().isoformat()


def _add_account(bed: Bed, username: str, role: str, scope: str) -> int:
    with bed.site.transaction() as session:
        profile = bed.site.settings.argon2_profile
        return add_user(session, username, PASSWORD, role, scope, profile=profile).id


def _arrived(bed: Bed, eyes: tuple[str, ...] = ("right",)) -> dict[str, Any]:
    _person, _screening, referral, _review = reviewed(bed, eyes=eyes)
    assert bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).status_code == 201
    return dict(referral)


def _surgeries(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Surgery)) or 0)


def _operation(referral_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "referral_id": referral_id,
        "eye": "right",
        "operated_on": TODAY,
        "technique": "MSICS",
        "iol": True,
        **extra,
    }


def test_the_theatre_record_names_the_operating_surgeon_and_codes_what_happened(bed: Bed) -> None:
    colleague = _add_account(bed, "surgeon_b", "surgeon", "facility:SC-1")
    referral = _arrived(bed)
    surgeons = bed.get("surgeon", "/centre/surgeons").json()
    assert {s["username"] for s in surgeons} == {"surgeon", "surgeon_b"}
    recorded = bed.post(
        "surgeon",
        "/surgeries",
        _operation(
            referral["id"],
            surgeon_id=colleague,
            iol_power=21.5,
            iol_position="bag",
            anaesthesia="peribulbar",
            complications=["other", "posterior_capsule_rupture"],
            complication_note="wound leak",
        ),
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert body["surgeon_id"] == colleague
    assert body["iol_power"] == 21.5 and body["iol_position"] == "bag"
    assert body["anaesthesia"] == "peribulbar"
    # Stored in the vocabulary's order, whatever order they were sent in.
    assert body["complications"] == ["posterior_capsule_rupture", "other"]
    assert body["complication_note"] == "wound leak"
    with bed.site.transaction() as session:
        stored = session.get(Surgery, body["id"])
        me = session.scalar(select(User.id).where(User.username == "surgeon"))
        assert stored is not None and stored.recorded_by == me and stored.surgeon_id == colleague


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"surgeon_id": "reviewer"}, "surgeon_id"),
        ({"surgeon_id": "surgeon_2"}, "surgeon_id"),
        ({"iol_power": 21.3}, "iol_power"),
        ({"iol_power": 45.0}, "iol_power"),
        ({"iol": False, "iol_power": 20.0}, "iol_power"),
        ({"iol": False, "iol_position": "bag"}, "iol_position"),
        ({"anaesthesia": "hypnosis"}, "anaesthesia"),
        ({"complications": ["other"]}, "complication_note"),
        ({"complication_note": "a note without a code"}, "complication_note"),
        ({"complications": ["zonular_dialysis"]}, "complications"),
    ],
)
def test_a_wrong_theatre_field_is_named_and_nothing_is_written(
    bed: Bed, extra: dict[str, Any], field: str
) -> None:
    _add_account(bed, "surgeon_2", "surgeon", "facility:SC-1")
    with bed.site.transaction() as session:
        # A surgeon of another centre (the world's county B has none: give it one).
        session.execute(text("UPDATE users SET facility_id = NULL WHERE username = 'surgeon_2'"))
        ids = {name: number for name, number in session.execute(select(User.username, User.id))}
    if extra.get("surgeon_id") in ids:
        extra = {**extra, "surgeon_id": ids[extra["surgeon_id"]]}
    referral = _arrived(bed)
    refused = bed.post("surgeon", "/surgeries", _operation(referral["id"], **extra))
    assert refused.status_code == 422, refused.text
    assert field in refused.text
    assert _surgeries(bed) == 0


def test_an_eye_not_operated_keeps_its_reason_and_can_be_operated_later(bed: Bed) -> None:
    _person, _screening, referral, _review = reviewed(bed)
    not_yet = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "right", "decided_on": TODAY, "reason": "declined"},
    )
    assert not_yet.status_code == 409 and "arrival" in not_yet.text
    assert bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).status_code == 201
    wordless = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "right", "decided_on": TODAY, "reason": "other"},
    )
    assert wordless.status_code == 422 and "note" in wordless.text
    long_ago = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "right", "decided_on": "1899-12-31", "reason": "declined"},
    )
    assert long_ago.status_code == 422
    [found] = long_ago.json()["error"]["problems"]
    assert found["field"] == "decided_on" and "1900-01-01" in found["message"]
    left = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "left", "decided_on": TODAY, "reason": "declined"},
    )
    assert left.status_code == 409  # the review recommends the right eye only
    bed.as_("surgeon")
    before = audit_size(bed)
    declined = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "right", "decided_on": TODAY, "reason": "medical_contraindication"},
    )
    assert declined.status_code == 201, declined.text
    assert declined.json()["reason"] == "medical_contraindication"
    assert actions_since(bed, before) == [("not_operated.create", "allowed")]
    # Blood pressure treated, the patient is operated on another day.
    assert bed.post("surgeon", "/surgeries", _operation(referral["id"])).status_code == 201
    again = bed.post(
        "surgeon",
        f"/referrals/{referral['id']}/not-operated",
        {"eye": "right", "decided_on": TODAY, "reason": "declined"},
    )
    assert again.status_code == 409 and "already operated" in again.text
    with bed.site.transaction() as session:
        assert session.scalar(select(func.count()).select_from(NotOperated)) == 1


def _put(bed: Bed, who: str, referral_id: str, day: str | None) -> Any:
    return bed.client.put(
        f"/api/v1/referrals/{referral_id}/appointment",
        json={"appointment_on": day},
        headers=bed.as_(who),
    )


def test_an_appointment_is_given_changed_and_audited(bed: Bed) -> None:
    _person, _screening, referral, _review = reviewed(bed)
    soon = (date.today() + timedelta(days=10)).isoformat()
    bed.as_("surgeon")
    before = audit_size(bed)
    given = _put(bed, "surgeon", referral["id"], soon)
    assert given.status_code == 200, given.text
    assert given.json()["appointment_on"] == soon
    later = (date.today() + timedelta(days=17)).isoformat()
    assert _put(bed, "surgeon", referral["id"], later).json()["appointment_on"] == later
    assert actions_since(bed, before) == [("appointment.set", "allowed")] * 2
    [listed] = bed.get("surgeon", "/centre/expected").json()
    assert listed["referral"]["appointment_on"] == later
    past = _put(bed, "surgeon", referral["id"], "2020-01-01")
    assert past.status_code == 422 and "appointment_on" in past.text
    assert _put(bed, "surgeon", referral["id"], None).json()["appointment_on"] is None
    # Nobody else gives the centre's appointments: the clinic, the reviewer see 'not found'.
    for who in ("screener_a", "reviewer"):
        assert _put(bed, who, referral["id"], soon).status_code in (403, 404)


def test_the_expected_list_holds_surgery_recommended_and_urgent_referrals_only(bed: Bed) -> None:
    _, _, surgery, _ = reviewed(bed)
    glasses_person = bed.register(name="Wang Fang")
    glasses = bed.screen(glasses_person["id"])["referral"]
    assert (
        bed.post(
            "reviewer",
            f"/referrals/{glasses['id']}/reviews",
            {"recommendation": "glasses", "surgery_eyes": []},
        ).status_code
        == 201
    )
    waiting = bed.screen(bed.register(name="Zhou Min")["id"])["referral"]
    urgent = bed.screen(
        bed.register(name="Sun Li")["id"], symptoms=["trauma"], right_presenting_va="6/12"
    )["referral"]
    assert urgent["priority"] == "urgent" and waiting["priority"] == "routine"
    listed = bed.get("surgeon", "/centre/expected")
    assert [e["referral"]["id"] for e in listed.json()] == [urgent["id"], surgery["id"]]
    assert listed.headers["X-Total-Count"] == "2"


def test_name_search_finds_only_the_centres_expected_patients_and_logs_each(bed: Bed) -> None:
    reviewed(bed)  # Li Wei, recommended surgery
    bed.screen(bed.register(name="Li Na")["id"])  # referred, not reviewed: not expected
    bed.as_("surgeon")
    before = audit_size(bed)
    found = bed.get("surgeon", "/centre/expected?name=li")
    assert found.status_code == 200
    assert [e["name"] for e in found.json()] == ["Li Wei"]
    assert actions_since(bed, before) == [("centre_list.search", "allowed")]
    short = bed.get("surgeon", "/centre/expected?name=l")
    assert short.status_code == 422 and "name" in short.text
    assert bed.get("screener_a", "/centre/expected?name=li").status_code == 403


def test_migration_0016_keeps_worded_complications_and_who_recorded(bed: Bed) -> None:
    referral = _arrived(bed)
    assert bed.post("surgeon", "/surgeries", _operation(referral["id"])).status_code == 201
    engine = bed.site.engine
    command.downgrade(alembic_config(engine), "0015")
    with engine.begin() as connection:
        connection.execute(text("UPDATE surgeries SET complications = 'vitreous loss'"))
    migrate(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT complication_codes, complications, recorded_by, surgeon_id FROM surgeries")
        ).one()
    assert row.complication_codes == "other" and row.complications == "vitreous loss"
    assert row.recorded_by == row.surgeon_id is not None
