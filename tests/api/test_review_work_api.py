"""The triaged review queue and sent-back cases over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from brightline.store.models import AuditEntry
from tests.api.conftest import Bed


def test_queue_rows_filter_and_page(bed: Bed) -> None:
    first = bed.screen(bed.register(name="Api One")["id"])["referral"]
    second = bed.screen(bed.register(name="Api Two")["id"], right_presenting_va="6/24")["referral"]
    answer = bed.get("reviewer", "/review-queue/cases?limit=1")
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Total-Count"] == "2"
    (row,) = answer.json()
    assert row["referral"]["id"] == first["id"]
    assert row["better_eye"] == {"presenting_va": "6/60", "who_category": 1}
    assert row["worse_eye"] == {"presenting_va": "CF 1m", "who_category": 3}
    assert row["photo_count"] == 0 and row["urgent"] is False and row["sent_back"] is None
    assert row["clinic"] == "Clinic A" and row["county"] == "County A"
    assert "name" not in row and "Api One" not in answer.text
    page_two = bed.get("reviewer", "/review-queue/cases?limit=1&offset=1").json()
    assert [r["referral"]["id"] for r in page_two] == [second["id"]]
    by_code = bed.get("reviewer", f"/review-queue/cases?code={second['code'].lower()}").json()
    assert [r["referral"]["id"] for r in by_code] == [second["id"]]
    assert bed.get("reviewer", "/review-queue/cases?county=CB").json() == []
    unknown = bed.get("reviewer", "/review-queue/cases?county=XX")
    assert unknown.status_code == 422 and "county" in unknown.text
    assert bed.get("screener_a", "/review-queue/cases").status_code == 403


def test_a_case_sent_back_leaves_the_queue_until_the_clinic_screens_again(bed: Bed) -> None:
    person = bed.register(name="Api Back")
    screened = bed.screen(person["id"])
    referral = screened["referral"]
    sent = bed.post(
        "reviewer", f"/referrals/{referral['id']}/return", {"reason": "retest_va", "note": "VA?"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent_back"]["reason"] == "retest_va"
    assert bed.get("reviewer", "/review-queue").json() == []
    assert bed.get("reviewer", "/review-queue/cases").json() == []
    again = bed.post("reviewer", f"/referrals/{referral['id']}/return", {"reason": "retest_va"})
    assert again.status_code == 409
    (returned,) = bed.get("screener_a", "/returned-cases").json()
    assert returned["name"] == "Api Back" and returned["sent_back"]["note"] == "VA?"
    assert bed.get("screener_b", "/returned-cases").json() == []
    bed.screen(person["id"], right_presenting_va="6/36")
    assert bed.get("screener_a", "/returned-cases").json() == []
    queue = bed.get("reviewer", "/review-queue/cases").json()
    back = [r for r in queue if r["referral"]["id"] == referral["id"]]
    assert back and back[0]["sent_back"]["resumed_at"] is not None
    with bed.site.transaction() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("review.return") == 1
    report = bed.client.post(
        "/api/v1/patient/access-report",
        json={"referral_code": referral["code"], "pin": screened["access_pin"]},
    ).json()
    phrase = "asked your clinic to see you again (a new eye photo or vision test)"
    assert [line["role"] for line in report if line["action"] == phrase] == [
        "eye doctor (online review)"
    ]


def test_sending_back_is_refused_with_the_field_named(bed: Bed) -> None:
    referral = bed.screen(bed.register(name="Api Refused")["id"])["referral"]
    wrong = bed.post("reviewer", f"/referrals/{referral['id']}/return", {"reason": "blurry"})
    assert wrong.status_code == 422 and "reason" in wrong.text
    screener = bed.post(
        "screener_a", f"/referrals/{referral['id']}/return", {"reason": "retest_va"}
    )
    assert screener.status_code == 404
    outsider = bed.post("surgeon", f"/referrals/{referral['id']}/return", {"reason": "retest_va"})
    assert outsider.status_code == 404
