"""Data that is right at entry, through the API and offline sync: every problem at once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.api.conftest import Bed


def _problems(response: Any) -> list[tuple[str, str]]:
    return [(p["field"], p["code"]) for p in response.json()["error"]["problems"]]


def test_a_screening_without_any_va_is_refused_naming_both_eyes(bed: Bed) -> None:
    person = bed.register()
    refused = bed.post("screener_a", "/screenings", {"person_id": person["id"]})
    assert refused.status_code == 422, refused.text
    assert _problems(refused) == [
        ("right_presenting_va", "va_or_untestable"),
        ("left_presenting_va", "va_or_untestable"),
    ]
    assert (
        bed.get("screener_a", f"/people/{person['id']}/screenings", purpose="treatment").json()
        == []
    )


def test_an_untestable_eye_is_stored_with_its_reason_and_triaged(bed: Bed) -> None:
    person = bed.register()
    body = {
        "person_id": person["id"],
        "right_untestable": "could_not_cooperate",
        "left_presenting_va": "6/6",
    }
    recorded = bed.post("screener_a", "/screenings", body)
    assert recorded.status_code == 201, recorded.text
    screening = recorded.json()
    assert screening["right"]["untestable"] == "could_not_cooperate"
    assert screening["triage"]["decision"] == "review"
    codes = [r["code"] for r in screening["triage"]["coded_reasons"]]
    assert "eye_could_not_cooperate" in codes


def test_a_va_and_an_untestable_mark_on_one_eye_are_refused(bed: Bed) -> None:
    person = bed.register()
    body = {
        "person_id": person["id"],
        "right_presenting_va": "6/6",
        "right_untestable": "not_attempted",
        "left_presenting_va": "6/3000",
    }
    refused = bed.post("screener_a", "/screenings", body)
    assert refused.status_code == 422
    assert _problems(refused) == [
        ("left_presenting_va", "va_beyond_chart"),
        ("right_untestable", "va_and_untestable"),
    ]
    messages = [p["message"] for p in refused.json()["error"]["problems"]]
    assert "CF with its distance, HM, LP or NLP" in messages[0]


def test_chart_ends_are_accepted_and_6_3000_refused(bed: Bed) -> None:
    person = bed.register()
    for right, left in (("6/3", "1/60"), ("20/10", "20/1200"), ("2.0", "0.017")):
        body = {"person_id": person["id"], "right_presenting_va": right, "left_presenting_va": left}
        assert bed.post("screener_a", "/screenings", body).status_code == 201


def test_a_second_referring_screening_joins_the_open_referral_and_raises_it(bed: Bed) -> None:
    person = bed.register()
    first = bed.screen(
        person["id"],
        right_presenting_va="6/24",
        left_presenting_va="6/6",
        right_pinhole_va="6/9",
        right_lens="clear",
        left_lens="clear",
    )
    assert first["referral"]["kind"] == "refraction" and first["access_pin"]
    second = bed.screen(person["id"], symptoms=["trauma"])
    assert second["attached_referral_id"] == first["referral"]["id"]
    assert second["referral"]["id"] == first["referral"]["id"]
    assert second["referral"]["priority"] == "urgent"
    assert second["referral"]["kind"] == "urgent_review"
    assert second["access_pin"] is None


def test_sync_applies_the_same_rules(bed: Bed) -> None:
    person = bed.register()
    batch = {
        "records": [
            {
                "uuid": str(uuid.uuid4()),
                "kind": "screening",
                "data": {"person_id": person["id"], "left_presenting_va": "6/3000"},
            }
        ]
    }
    answer = bed.post("screener_a", "/sync", batch)
    assert answer.status_code == 200
    result = answer.json()[0]
    assert result["status"] == "rejected"
    assert result["error"]["field"] in ("left_presenting_va", "right_presenting_va")


def _operated(bed: Bed) -> tuple[str, str]:
    """A person reviewed for surgery on the right eye, attended today; returns referral id and
    the id of the operation done today."""
    referral = bed.screen(bed.register()["id"])["referral"]["id"]
    review = {"recommendation": "surgery", "surgery_eyes": ["right"]}
    assert bed.post("reviewer", f"/referrals/{referral}/reviews", review).status_code == 201
    assert bed.post("surgeon", f"/referrals/{referral}/attendance", {}).status_code == 201
    surgery = {
        "referral_id": referral,
        "eye": "right",
        "operated_on": bed.site.today().isoformat(),
        "technique": "MSICS",
        "iol": True,
    }
    operated = bed.post("surgeon", "/surgeries", surgery)
    assert operated.status_code == 201, operated.text
    return referral, operated.json()["id"]


def test_best_corrected_va_may_be_one_line_worse_not_more(bed: Bed) -> None:
    _, surgery = _operated(bed)
    url = f"/surgeries/{surgery}/follow-ups"
    day = bed.site.today().isoformat()
    refused = bed.post(
        "surgeon",
        url,
        {"examined_on": day, "presenting_va": "logMAR 0.30", "best_corrected_va": "logMAR 0.41"},
    )
    assert refused.status_code == 422, refused.text
    assert _problems(refused) == [("best_corrected_va", "bcva_worse")]
    assert "worse than presenting VA" in refused.json()["error"]["message"]
    accepted = bed.post(
        "surgeon",
        url,
        {"examined_on": day, "presenting_va": "logMAR 0.30", "best_corrected_va": "logMAR 0.40"},
    )
    assert accepted.status_code == 201, accepted.text


def test_screening_dates_from_1900_to_tomorrow_exactly(bed: Bed) -> None:
    today = bed.site.today()
    cases = {
        "1900-01-01": 201,
        "1899-12-31": 422,
        (today + timedelta(days=1)).isoformat(): 201,
        (today + timedelta(days=2)).isoformat(): 422,
    }
    for day, status in cases.items():
        person = bed.register()
        body = {
            "person_id": person["id"],
            "screened_at": f"{day}T08:00:00",
            "right_presenting_va": "6/6",
            "left_presenting_va": "6/6",
        }
        answer = bed.post("screener_a", "/screenings", body)
        assert answer.status_code == status, (day, answer.text)
        if status == 422:
            assert answer.json()["error"]["field"] == "screened_at"
            assert "1900-01-01" in answer.json()["error"]["message"]


def test_pathway_dates_keep_their_order_as_coded_problems(bed: Bed) -> None:
    referral, surgery = _operated(bed)
    today = bed.site.today()
    before = bed.post(
        "surgeon",
        f"/surgeries/{surgery}/follow-ups",
        {"examined_on": (today - timedelta(days=1)).isoformat(), "presenting_va": "6/9"},
    )
    assert before.status_code == 422, before.text
    assert _problems(before) == [("examined_on", "date_before")]
    assert before.json()["error"]["message"] == f"This date is before the surgery on {today}."
    late = bed.post(
        "surgeon",
        f"/surgeries/{surgery}/follow-ups",
        {"examined_on": (today + timedelta(days=1)).isoformat(), "presenting_va": "6/9"},
    )
    assert late.status_code == 201, late.text  # tomorrow is still a day a record may have
    left = {
        "referral_id": referral,
        "eye": "left",
        "operated_on": (today - timedelta(days=1)).isoformat(),
        "technique": "MSICS",
        "iol": True,
    }
    # The review named only the right eye: the state refusal comes before the dates.
    assert bed.post("surgeon", "/surgeries", left).status_code == 409
    other = bed.screen(bed.register()["id"])["referral"]["id"]
    early = bed.post(
        "surgeon",
        f"/referrals/{other}/attendance",
        {"attended_at": f"{today - timedelta(days=3)}T08:00:00"},
    )
    assert early.status_code == 422, early.text
    assert _problems(early) == [("attended_at", "date_before")]
    assert "before the referral" in early.json()["error"]["message"]


def test_surgery_before_attendance_is_a_coded_problem(bed: Bed) -> None:
    referral = bed.screen(bed.register()["id"])["referral"]["id"]
    review = {"recommendation": "surgery", "surgery_eyes": ["right"]}
    bed.post("reviewer", f"/referrals/{referral}/reviews", review)
    bed.post("surgeon", f"/referrals/{referral}/attendance", {})
    yesterday = bed.site.today() - timedelta(days=1)
    refused = bed.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral,
            "eye": "right",
            "operated_on": yesterday.isoformat(),
            "technique": "MSICS",
            "iol": True,
        },
    )
    assert refused.status_code == 422, refused.text
    assert _problems(refused) == [("operated_on", "date_before")]
    assert "before the attendance" in refused.json()["error"]["message"]


def test_review_codes_must_be_on_the_eye_lists(bed: Bed) -> None:
    referral = bed.screen(bed.register()["id"])["referral"]["id"]
    review = {
        "recommendation": "surgery",
        "surgery_eyes": ["right"],
        "right_icd10": "XYZ",
        "right_icd11": "banana",
        "left_icd10": "J45.0",  # asthma: a real code, not an eye code
        "left_icd11": "9B10.21",
    }
    refused = bed.post("reviewer", f"/referrals/{referral}/reviews", review)
    assert refused.status_code == 422, refused.text
    assert _problems(refused) == [
        ("right_icd10", "icd10_unknown"),
        ("right_icd11", "icd11_unknown"),
        ("left_icd10", "icd10_unknown"),
    ]
    accepted = bed.post(
        "reviewer",
        f"/referrals/{referral}/reviews",
        {**review, "right_icd10": "h25.1", "right_icd11": "9B10.0", "left_icd10": "Q12.0"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["right_icd10"] == "H25.1"


def test_the_database_refuses_an_untestable_eye_with_a_va_or_an_unknown_reason(bed: Bed) -> None:
    person = bed.register()
    screening = bed.screen(person["id"], right_presenting_va="6/6", left_presenting_va="6/6")
    for change in (
        "right_untestable = 'asleep', right_presenting_va = NULL",
        "left_untestable = 'not_attempted'",  # the left eye still has its VA
    ):
        with pytest.raises(IntegrityError), bed.site.transaction() as session:
            session.execute(
                text(f"UPDATE screenings SET {change} WHERE id = :id"), {"id": screening["id"]}
            )
    with bed.site.transaction() as session:
        session.execute(
            text(
                "UPDATE screenings SET left_untestable = 'eye_absent', left_presenting_va = NULL"
                " WHERE id = :id"
            ),
            {"id": screening["id"]},
        )


def test_follow_ups_outside_4_to_12_weeks_are_kept_but_flagged(bed: Bed) -> None:
    today = bed.site.today()
    operated_on = today - timedelta(days=85)
    person = bed.register()
    screened = bed.screen(person["id"], screened_at=f"{today - timedelta(days=100)}T08:00:00")
    referral = screened["referral"]["id"]
    review = {"recommendation": "surgery", "surgery_eyes": ["right"]}
    assert bed.post("reviewer", f"/referrals/{referral}/reviews", review).status_code == 201
    arrived = {"attended_at": f"{today - timedelta(days=99)}T08:00:00"}
    assert bed.post("surgeon", f"/referrals/{referral}/attendance", arrived).status_code == 201
    surgery = {
        "referral_id": referral,
        "eye": "right",
        "operated_on": operated_on.isoformat(),
        "technique": "MSICS",
        "iol": True,
    }
    operated = bed.post("surgeon", "/surgeries", surgery)
    assert operated.status_code == 201, operated.text
    url = f"/surgeries/{operated.json()['id']}/follow-ups"
    flagged = {}
    for days in (27, 28, 84, 85):
        body = {
            "examined_on": (operated_on + timedelta(days=days)).isoformat(),
            "presenting_va": "6/9",
        }
        answer = bed.post("surgeon", url, body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["days_after_surgery"] == days
        flagged[days] = answer.json()["within_window"]
    assert flagged == {27: False, 28: True, 84: True, 85: False}
