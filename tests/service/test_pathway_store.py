"""The whole pathway stored and refused where it makes no sense, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brightline.errors import InvalidInput, TransitionRefused
from brightline.problems import Problems
from brightline.records import PersonInput, ScreeningInput
from brightline.service.people import identifiers_of, register_person
from brightline.service.referrals import (
    ReviewInput,
    record_attendance,
    record_review,
    review_queue,
)
from brightline.service.screenings import record_screening
from brightline.service.surgery import (
    FollowUpInput,
    SurgeryInput,
    record_follow_up,
    record_surgery,
)
from brightline.service.worklist import follow_up_worklist
from brightline.site import Site
from brightline.store.models import Person, Referral, Screening, Surgery
from tests.conftest import World

SCREENED = datetime(2026, 3, 2, 9, 30)
TODAY = date(2026, 6, 1)


def _person(site: Site, world: World, **identifiers: str) -> Person:
    with site.transaction() as session:
        person, _ = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950,
                **identifiers,
            ),
            TODAY,
        )
        return person


def _screen(site: Site, world: World, person: Person, right: str, left: str, **extra: object):
    with site.transaction() as session:
        return record_screening(
            session,
            site.programme,
            ScreeningInput(
                person_id=person.id,
                facility_id=world.clinic_a,
                screened_at=SCREENED,
                right_presenting_va=right,
                left_presenting_va=left,
                **extra,  # type: ignore[arg-type]
            ),
            refer_to_facility_id=world.centre,
        )


def _referred_with_surgery_review(site: Site, world: World, eyes: tuple[str, ...] = ("right",)):
    person = _person(site, world)
    rows = _screen(site, world, person, "CF 1m", "6/60", right_lens="opacity", left_lens="opacity")
    assert rows.referral is not None
    with site.transaction() as session:
        record_review(
            session,
            ReviewInput(
                referral_id=rows.referral["id"],
                reviewed_at=SCREENED + timedelta(days=1),
                recommendation="surgery",
                surgery_eyes=eyes,
                right_icd10="H25.1",
                right_icd11="9B10.21",
            ),
        )
    return person, rows.referral["id"]


def test_identifiers_are_encrypted_and_deduplicated(site: Site, world: World) -> None:
    person = _person(
        site, world, name="Canary Wanjiru", phone="+254700111222", national_id="ZX 987"
    )
    assert b"Canary" not in (person.name_ct or b"")
    assert identifiers_of(site.keys, person).name == "Canary Wanjiru"
    with site.transaction() as session:
        again, created = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950,
                national_id="zx-987",
            ),
            TODAY,
        )
    assert not created and again.id == person.id


def test_screening_triages_and_refers(site: Site, world: World) -> None:
    person = _person(site, world)
    rows = _screen(site, world, person, "6/60", "6/9", right_lens="opacity")
    assert rows.triage.decision == "review"
    assert rows.triage.suspected_cataract
    with site.transaction() as session:
        screening = session.get(Screening, rows.screening["id"])
        assert screening is not None
        assert screening.right_presenting_logmar == 1.0
        assert screening.triage_rule_version == site.programme.triage.version
        referral = session.scalar(select(Referral).where(Referral.screening_id == screening.id))
        assert referral is not None and referral.status == "open"
        assert referral.to_facility_id == world.centre


def test_normal_vision_is_not_referred(site: Site, world: World) -> None:
    rows = _screen(site, world, _person(site, world), "6/6", "6/12")
    assert rows.triage.decision == "none" and rows.referral is None


def test_bad_va_names_the_field(site: Site, world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        _screen(site, world, _person(site, world), "6/0", "6/6")
    assert error.value.field == "right_presenting_va"
    assert "6/0" in error.value.message


def test_full_pathway_and_second_eye(site: Site, world: World) -> None:
    _person_record, referral_id = _referred_with_surgery_review(site, world, ("right", "left"))
    with site.transaction() as session:
        record_attendance(session, referral_id, SCREENED + timedelta(days=10))
        right = record_surgery(
            session,
            SurgeryInput(
                referral_id=referral_id,
                eye="right",
                operated_on=date(2026, 3, 13),
                technique="MSICS",
                iol=True,
                facility_id=world.centre,
            ),
            today=TODAY,
        )
        follow = record_follow_up(
            session,
            FollowUpInput(
                surgery_id=right.id,
                examined_on=date(2026, 4, 20),
                presenting_va="6/18",
                best_corrected_va="6/9",
            ),
            today=TODAY,
        )
        assert follow.days_after_surgery == 38
        assert follow.outcome_presenting == "good"
        assert follow.outcome_best_corrected == "good"
        record_surgery(
            session,
            SurgeryInput(
                referral_id=referral_id,
                eye="left",
                operated_on=date(2026, 5, 1),
                technique="phaco",
                iol=True,
                facility_id=world.centre,
            ),
            today=TODAY,
        )
        assert session.scalar(select(func.count()).select_from(Surgery)) == 2
        # The same eye twice is refused.
        with pytest.raises(TransitionRefused, match="already"):
            record_surgery(
                session,
                SurgeryInput(
                    referral_id=referral_id,
                    eye="left",
                    operated_on=date(2026, 5, 2),
                    technique="phaco",
                    iol=True,
                    facility_id=world.centre,
                ),
                today=TODAY,
            )


@pytest.mark.parametrize(
    ("eyes", "surgery_eye", "attend", "message"),
    [
        (("right",), "left", True, "not the left eye"),
        (("right",), "right", False, "attendance"),
    ],
)
def test_surgery_refused(
    site: Site, world: World, eyes: tuple[str, ...], surgery_eye: str, attend: bool, message: str
) -> None:
    _, referral_id = _referred_with_surgery_review(site, world, eyes)
    with site.transaction() as session:
        if attend:
            record_attendance(session, referral_id, SCREENED + timedelta(days=3))
        with pytest.raises(TransitionRefused, match=message):
            record_surgery(
                session,
                SurgeryInput(
                    referral_id=referral_id,
                    eye=surgery_eye,
                    operated_on=date(2026, 3, 20),
                    technique="MSICS",
                    iol=True,
                    facility_id=1,
                ),
                today=TODAY,
            )


def test_surgery_without_surgery_recommendation_is_refused(site: Site, world: World) -> None:
    rows = _screen(site, world, _person(site, world), "6/60", "6/60")
    assert rows.referral is not None
    with site.transaction() as session:
        record_review(
            session,
            ReviewInput(
                referral_id=rows.referral["id"], reviewed_at=SCREENED, recommendation="glasses"
            ),
        )
        record_attendance(session, rows.referral["id"], SCREENED + timedelta(days=2))
        with pytest.raises(TransitionRefused, match="recommends surgery"):
            record_surgery(
                session,
                SurgeryInput(
                    referral_id=rows.referral["id"],
                    eye="right",
                    operated_on=date(2026, 3, 20),
                    technique="MSICS",
                    iol=True,
                    facility_id=1,
                ),
                today=TODAY,
            )


def test_follow_up_before_surgery_is_refused(site: Site, world: World) -> None:
    _, referral_id = _referred_with_surgery_review(site, world)
    with site.transaction() as session:
        record_attendance(session, referral_id, SCREENED + timedelta(days=3))
        surgery = record_surgery(
            session,
            SurgeryInput(
                referral_id=referral_id,
                eye="right",
                operated_on=date(2026, 3, 20),
                technique="MSICS",
                iol=True,
                facility_id=world.centre,
            ),
            today=TODAY,
        )
        with pytest.raises(Problems, match="before the surgery on 2026-03-20") as refused:
            record_follow_up(
                session,
                FollowUpInput(
                    surgery_id=surgery.id, examined_on=date(2026, 3, 19), presenting_va="6/9"
                ),
                today=TODAY,
            )
        assert [(p.field, p.code) for p in refused.value.problems] == [
            ("examined_on", "date_before")
        ]


def test_worklist_lists_non_attenders_oldest_first(site: Site, world: World) -> None:
    first = _screen(site, world, _person(site, world), "6/60", "6/60")
    second = _screen(site, world, _person(site, world), "6/24", "6/60")
    attended = _screen(site, world, _person(site, world), "6/24", "6/60")
    assert first.referral and second.referral and attended.referral
    with site.transaction() as session:
        session.get(Referral, second.referral["id"]).referred_at = SCREENED + timedelta(days=1)  # type: ignore[union-attr]
        record_attendance(session, attended.referral["id"], SCREENED + timedelta(days=2))
    with site.transaction() as session:
        now = SCREENED + timedelta(days=14, hours=12)
        entries = follow_up_worklist(session, world.clinic_a, not_attended_days=14, now=now)
        assert [e.referral.id for e in entries] == [first.referral["id"]]
        later = follow_up_worklist(
            session, world.clinic_a, not_attended_days=14, now=now + timedelta(days=1)
        )
        assert [e.referral.id for e in later] == [first.referral["id"], second.referral["id"]]
        assert later[0].days_waiting == 15
        assert follow_up_worklist(session, world.clinic_b, not_attended_days=14, now=now) == []


def test_review_queue_urgent_first(site: Site, world: World) -> None:
    routine = _screen(site, world, _person(site, world), "6/60", "6/60")
    urgent = _screen(site, world, _person(site, world), "6/60", "6/60", symptoms=("trauma",))
    assert routine.referral and urgent.referral
    with site.transaction() as session:
        queue = review_queue(session)
    assert [r.id for r in queue] == [urgent.referral["id"], routine.referral["id"]]


def test_no_action_review_closes_referral(site: Site, world: World) -> None:
    rows = _screen(site, world, _person(site, world), "6/60", "6/60")
    assert rows.referral
    with site.transaction() as session:
        record_review(
            session,
            ReviewInput(
                referral_id=rows.referral["id"], reviewed_at=SCREENED, recommendation="no_action"
            ),
        )
        referral = session.get(Referral, rows.referral["id"])
        assert referral is not None and referral.status == "closed"
        with pytest.raises(TransitionRefused, match="closed"):
            record_attendance(session, referral.id, SCREENED + timedelta(days=1))
