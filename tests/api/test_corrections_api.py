"""Corrections over the API: each keeps the earlier version, is one audit entry, and a stale
version or a reason without words is refused with the field at fault."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from brightline.store.models import AuditEntry
from tests.api.conftest import Bed

REASON = "the name was misspelt at registration"


def patch(bed: Bed, who: str, url: str, body: dict[str, Any]) -> Any:
    return bed.client.patch(f"/api/v1{url}", json=body, headers=bed.as_(who))


def actions_since(bed: Bed, position: int) -> list[tuple[str, str]]:
    with bed.site.transaction() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.outcome)
            .where(AuditEntry.position >= position)
            .order_by(AuditEntry.position)
        )
        return [(action, outcome) for action, outcome in rows]


def audit_size(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def reviewed(bed: Bed, recommendation: str = "surgery", eyes: tuple[str, ...] = ("right",)) -> Any:
    person = bed.register(name="Li Wei")
    screening = bed.screen(person["id"])
    referral = screening["referral"]
    review = bed.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {"recommendation": recommendation, "surgery_eyes": list(eyes)},
    )
    assert review.status_code == 201, review.text
    return person, screening, referral, review.json()


def test_editing_a_person_keeps_the_earlier_version_in_one_audit_entry(bed: Bed) -> None:
    person = bed.register(name="Li Mei", phone="13800000001", birth_year=1948)
    assert person["version"] == 1
    bed.as_("screener_a")
    before = audit_size(bed)
    edited = patch(
        bed,
        "screener_a",
        f"/people/{person['id']}",
        {"version": 1, "reason": REASON, "name": "Li Wei", "birth_year": 1949},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Li Wei" and edited.json()["birth_year"] == 1949
    assert edited.json()["phone"] == "13800000001" and edited.json()["version"] == 2
    assert actions_since(bed, before) == [("person.correct", "allowed")]

    history = bed.get("screener_a", f"/people/{person['id']}/corrections", "treatment")
    assert history.status_code == 200, history.text
    [entry] = history.json()
    assert entry["kind"] == "person_edit" and entry["made_by"] == "screener_a"
    assert entry["changed"] == ["name", "birth_year"] and entry["reason"] == REASON
    assert entry["before"] == {"birth_year": 1948}
    assert entry["earlier_identifiers"] == {"name": "Li Mei"}
    # A reviewer may read the record's history, but not the earlier identifiers.
    bed.screen(person["id"])  # refers: the record reaches the reviewer's queue
    seen = bed.get("reviewer", f"/people/{person['id']}/corrections", "review").json()
    assert seen[0]["earlier_identifiers"] is None and seen[0]["reason"] == REASON


def test_a_stale_version_is_a_conflict_and_changes_nothing(bed: Bed) -> None:
    person = bed.register(name="Li Mei")
    url = f"/people/{person['id']}"
    first = patch(bed, "screener_a", url, {"version": 1, "reason": REASON, "name": "Li Wei"})
    assert first.status_code == 200
    second = patch(bed, "screener_a", url, {"version": 1, "reason": REASON, "name": "Li Na"})
    assert second.status_code == 409
    assert second.json()["error"]["field"] == "version"
    assert "version 2 now" in second.json()["error"]["message"]
    shown = bed.get("screener_a", url, "treatment").json()
    assert shown["name"] == "Li Wei" and shown["version"] == 2


def test_a_reason_must_be_words_and_every_field_is_checked(bed: Bed) -> None:
    person = bed.register(name="Li Mei")
    url = f"/people/{person['id']}"
    for reason in ("", "12345 !!!", "typo"):
        refused = patch(bed, "screener_a", url, {"version": 1, "reason": reason, "name": "X Y"})
        assert refused.status_code == 422, reason
        assert refused.json()["error"]["field"] == "reason"
    nothing = patch(bed, "screener_a", url, {"version": 1, "reason": REASON, "name": "Li Mei"})
    assert nothing.status_code == 422 and "nothing to correct" in nothing.json()["error"]["message"]
    future = patch(bed, "screener_a", url, {"version": 1, "reason": REASON, "birth_year": 3000})
    assert future.status_code == 422 and future.json()["error"]["field"] == "birth_year"
    assert bed.get("screener_a", f"{url}/corrections", "treatment").json() == []


def test_another_clinic_cannot_correct_and_the_attempt_is_logged(bed: Bed) -> None:
    person = bed.register(name="Li Mei")
    bed.as_("screener_b")
    before = audit_size(bed)
    refused = patch(
        bed, "screener_b", f"/people/{person['id']}", {"version": 1, "reason": REASON, "name": "X"}
    )
    assert refused.status_code == 404
    assert actions_since(bed, before) == [("person.correct", "denied")]
    reviewer = patch(
        bed, "reviewer", f"/people/{person['id']}", {"version": 1, "reason": REASON, "name": "X"}
    )
    assert reviewer.status_code == 404


def test_a_national_id_of_another_person_is_a_conflict(bed: Bed) -> None:
    bed.register(name="A", national_id="110101194801010011")
    other = bed.register(name="B", national_id="110101194801010022")
    clash = patch(
        bed,
        "screener_a",
        f"/people/{other['id']}",
        {"version": 1, "reason": REASON, "national_id": "110101194801010011"},
    )
    assert clash.status_code == 409 and clash.json()["error"]["field"] == "national_id"


def test_voiding_a_screening_closes_its_referral_and_leaves_the_worklist(bed: Bed) -> None:
    person = bed.register(name="Wang Fang")
    month_ago = (date.today() - timedelta(days=30)).isoformat() + "T09:00:00"
    screening = bed.screen(person["id"], screened_at=month_ago)
    assert len(bed.get("screener_a", "/worklist").json()) == 1
    bed.as_("screener_a")
    before = audit_size(bed)
    voided = bed.post(
        "screener_a",
        f"/screenings/{screening['id']}/void",
        {"reason": "entered for the wrong person"},
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["voided_at"] is not None
    assert voided.json()["referral"]["status"] == "closed"
    assert actions_since(bed, before) == [("screening.void", "allowed")]
    assert bed.get("screener_a", "/worklist").json() == []
    assert bed.get("reviewer", "/review-queue").json() == []
    again = bed.post(
        "screener_a",
        f"/screenings/{screening['id']}/void",
        {"reason": "entered for the wrong person"},
    )
    assert again.status_code == 409
    [entry] = bed.get("screener_a", f"/people/{person['id']}/corrections", "treatment").json()
    assert entry["kind"] == "screening_void" and entry["record_id"] == screening["id"]
    assert entry["before"]["referral"]["status"] == "open"


def test_only_the_clinic_that_screened_may_void(bed: Bed) -> None:
    person = bed.register(who="screener_a")
    screening = bed.screen(person["id"])
    bed.as_("screener_b")
    before = audit_size(bed)
    refused = bed.post(
        "screener_b",
        f"/screenings/{screening['id']}/void",
        {"reason": "entered for the wrong person"},
    )
    assert refused.status_code == 404
    assert actions_since(bed, before) == [("screening.void", "denied")]
    assert (
        bed.post(
            "reviewer",
            f"/screenings/{screening['id']}/void",
            {"reason": "entered for the wrong person"},
        ).status_code
        == 404
    )


def test_undoing_an_arrival_returns_the_patient_to_the_lists(bed: Bed) -> None:
    _person, _screening, referral, _review = reviewed(bed)
    attended = bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {})
    assert attended.status_code == 201
    assert bed.get("surgeon", "/centre/expected").json() == []
    bed.as_("surgeon")
    before = audit_size(bed)
    undone = bed.post(
        "surgeon",
        f"/attendances/{attended.json()['id']}/undo",
        {"reason": "pressed arrived on the wrong patient"},
    )
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "reviewed"
    assert actions_since(bed, before) == [("attendance.undo", "allowed")]
    assert [e["referral"]["id"] for e in bed.get("surgeon", "/centre/expected").json()] == [
        referral["id"]
    ]
    # The arrival can be recorded again, and a gone one cannot be undone twice.
    assert bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).status_code == 201
    gone = bed.post(
        "surgeon", f"/attendances/{attended.json()['id']}/undo", {"reason": "pressed arrived twice"}
    )
    assert gone.status_code == 404


def test_an_arrival_with_surgery_cannot_be_undone(bed: Bed) -> None:
    _person, _screening, referral, _review = reviewed(bed)
    attended = bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {}).json()
    operated = bed.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "right",
            "operated_on": date.today().isoformat(),
            "technique": "MSICS",
            "iol": True,
        },
    )
    assert operated.status_code == 201, operated.text
    refused = bed.post(
        "surgeon",
        f"/attendances/{attended['id']}/undo",
        {"reason": "pressed arrived on the wrong patient"},
    )
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "attendance_id"


def test_amending_a_review_keeps_the_earlier_one_and_moves_the_referral(bed: Bed) -> None:
    person, _screening, referral, review = reviewed(bed, "no_action", ())
    assert review["version"] == 1
    closed = bed.get("reviewer", f"/referrals/{referral['id']}", "review").json()
    assert closed["status"] == "closed"
    bed.as_("reviewer")
    before = audit_size(bed)
    amended = patch(
        bed,
        "reviewer",
        f"/reviews/{review['id']}",
        {
            "version": 1,
            "reason": "I missed the dense cataract in the right eye",
            "recommendation": "surgery",
            "surgery_eyes": ["right"],
            "right_icd10": "H25.1",
        },
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["recommendation"] == "surgery" and amended.json()["version"] == 2
    assert actions_since(bed, before) == [("review.amend", "allowed")]
    reopened = bed.get("reviewer", f"/referrals/{referral['id']}", "review").json()
    assert reopened["status"] == "reviewed"
    [entry] = bed.get("reviewer", f"/people/{person['id']}/corrections", "review").json()
    assert entry["kind"] == "review_amend"
    assert entry["before"]["recommendation"] == "no_action"
    assert entry["before"]["surgery_eyes"] == []
    stale = patch(
        bed,
        "reviewer",
        f"/reviews/{review['id']}",
        {"version": 1, "reason": "changing my mind once more", "urgency": "soon"},
    )
    assert stale.status_code == 409 and stale.json()["error"]["field"] == "version"


def test_an_amendment_keeps_recommending_an_operated_eye(bed: Bed) -> None:
    _person, _screening, referral, review = reviewed(bed)
    bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {})
    bed.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "right",
            "operated_on": date.today().isoformat(),
            "technique": "MSICS",
            "iol": True,
        },
    )
    refused = patch(
        bed,
        "reviewer",
        f"/reviews/{review['id']}",
        {
            "version": 1,
            "reason": "glasses would have been enough",
            "recommendation": "glasses",
            "surgery_eyes": [],
        },
    )
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "surgery_eyes"


def test_the_patient_sees_that_their_record_was_corrected(bed: Bed) -> None:
    person = bed.register(name="Chen Jing")
    screening = bed.screen(person["id"])
    patch(
        bed,
        "screener_a",
        f"/people/{person['id']}",
        {"version": 1, "reason": REASON, "name": "Chen Ying"},
    )
    report = bed.client.post(
        "/api/v1/patient/access-report",
        json={"referral_code": screening["referral"]["code"], "pin": screening["access_pin"]},
    )
    assert report.status_code == 200, report.text
    actions = [line["action"] for line in report.json()]
    assert "your record was corrected: your details" in actions
    assert all("Chen" not in str(line) for line in report.json())


def test_sync_applies_person_edits_and_voids_once(bed: Bed) -> None:
    person = bed.register(name="Li Mei")
    screening = bed.screen(person["id"])
    batch = {
        "records": [
            {
                "uuid": "3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b21",
                "kind": "person_correction",
                "data": {
                    "person_id": person["id"],
                    "version": 1,
                    "reason": REASON,
                    "name": "Li Wei",
                },
            },
            {
                "uuid": "3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b22",
                "kind": "screening_void",
                "data": {"screening_id": screening["id"], "reason": "entered for the wrong person"},
            },
        ]
    }
    first = bed.post("screener_a", "/sync", batch)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()] == ["applied", "applied"]
    again = bed.post("screener_a", "/sync", batch)
    assert again.json() == first.json()
    history = bed.get("screener_a", f"/people/{person['id']}/corrections", "treatment").json()
    assert sorted(c["kind"] for c in history) == ["person_edit", "screening_void"]
    assert "3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b21" in [c["id"] for c in history]
    stale = bed.post(
        "screener_a",
        "/sync",
        {
            "records": [
                {
                    "uuid": "3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b23",
                    "kind": "person_correction",
                    "data": {
                        "person_id": person["id"],
                        "version": 1,
                        "reason": REASON,
                        "name": "Li",
                    },
                }
            ]
        },
    ).json()
    assert stale[0]["status"] == "rejected" and stale[0]["error"]["field"] == "version"


def test_a_referral_joined_by_a_later_screening_stays_open_until_both_are_voided(
    bed: Bed,
) -> None:
    person = bed.register(name="Zhao Min")
    first = bed.screen(person["id"])
    referral = first["referral"]
    second = bed.screen(person["id"])
    assert second["attached_referral_id"] == referral["id"]  # the findings joined it
    why = {"reason": "entered for the wrong person"}
    voided = bed.post("screener_a", f"/screenings/{first['id']}/void", why)
    assert voided.status_code == 200, voided.text
    # The later screening's findings still hold the referral open.
    assert voided.json()["referral"]["status"] == "open"
    assert [r["id"] for r in bed.get("reviewer", "/review-queue").json()] == [referral["id"]]
    last = bed.post("screener_a", f"/screenings/{second['id']}/void", why)
    assert last.status_code == 200, last.text
    assert last.json()["referral"]["status"] == "closed"
    assert bed.get("reviewer", "/review-queue").json() == []
