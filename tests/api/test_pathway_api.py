"""The whole pathway over HTTP: register, screen, review, attend, operate, follow up."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from brightline.audit.merkle import verify_inclusion
from brightline.store.models import AuditEntry
from tests.api.conftest import Bed


def audit_size(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_full_pathway(bed: Bed) -> None:
    person = bed.register(name="Li Wei", phone="13800000001")
    screening = bed.screen(person["id"])
    assert screening["triage"]["decision"] == "review"
    assert screening["triage"]["suspected_cataract"] is True
    assert screening["triage"]["rule_version"] == "who-default-1"
    assert "Right eye presenting VA CF 1m is worse than 6/12." in screening["triage"]["reasons"]
    coded = screening["triage"]["coded_reasons"]
    assert coded[0] == {
        "code": "presenting_worse_than",
        "parameters": {"eye": "right", "va": "CF 1m", "limit": "6/12"},
        "text": "Right eye presenting VA CF 1m is worse than 6/12.",
    }
    assert {"code": "suspected_cataract", "parameters": {"eye": "left"}} in [
        {"code": r["code"], "parameters": r["parameters"]} for r in coded
    ]
    assert [r["text"] for r in coded] == screening["triage"]["reasons"]
    stored = bed.get("screener_a", f"/screenings/{screening['id']}", purpose="treatment").json()
    assert stored["triage"] == screening["triage"]
    referral = screening["referral"]
    assert referral["status"] == "open" and len(referral["code"]) == 14

    queue = bed.get("reviewer", "/review-queue").json()
    assert [r["id"] for r in queue] == [referral["id"]]
    review = bed.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {
            "recommendation": "surgery",
            "surgery_eyes": ["right"],
            "right_icd10": "H25.1",
            "right_icd11": "9B10.21",
        },
    )
    assert review.status_code == 201, review.text
    assert bed.get("reviewer", "/review-queue").json() == []

    expected = bed.get("surgeon", "/centre/expected").json()
    assert [e["name"] for e in expected] == ["Li Wei"]
    attended = bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {})
    assert attended.status_code == 201, attended.text
    today = date.today()
    surgery = bed.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "right",
            "operated_on": today.isoformat(),
            "technique": "MSICS",
            "iol": True,
        },
    )
    assert surgery.status_code == 201, surgery.text
    follow_up = bed.post(
        "surgeon",
        f"/surgeries/{surgery.json()['id']}/follow-ups",
        {"examined_on": today.isoformat(), "presenting_va": "6/24", "best_corrected_va": "6/9"},
    )
    assert follow_up.status_code == 201, follow_up.text
    assert follow_up.json()["outcome_presenting"] == "borderline"
    assert follow_up.json()["outcome_best_corrected"] == "good"


def test_screening_response_is_what_was_stored(bed: Bed) -> None:
    # The POST answer is built from the rows written, not read back: it must equal the
    # stored record exactly (times to the microsecond, logMAR, reasons, referral).
    person = bed.register(name="Amina Otieno")
    for extra in (
        {"screened_at": "2026-03-02T09:30:15.123456+03:00", "right_pinhole_va": "6/36"},
        {"right_presenting_va": "6/6", "left_presenting_va": "6/9", "symptoms": ["trauma"]},
        {"right_presenting_va": "6/6", "left_presenting_va": "20/20", "right_lens": "clear"},
    ):
        posted = bed.screen(person["id"], **extra)
        stored = bed.get("screener_a", f"/screenings/{posted['id']}", purpose="treatment")
        assert stored.status_code == 200, stored.text
        assert {**posted, "access_pin": None} == stored.json()
        # A PIN comes with a new referral only; later findings join the open one without.
        assert (posted["referral"] is None or posted["attached_referral_id"] is not None) == (
            posted["access_pin"] is None
        )
    history = bed.get("screener_a", f"/people/{person['id']}/screenings", purpose="treatment")
    assert len(history.json()) == 3


def test_left_eye_surgery_refused_when_only_right_recommended(bed: Bed) -> None:
    person = bed.register()
    referral = bed.screen(person["id"])["referral"]
    bed.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {"recommendation": "surgery", "surgery_eyes": ["right"]},
    )
    bed.post("surgeon", f"/referrals/{referral['id']}/attendance", {})
    refused = bed.post(
        "surgeon",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "left",
            "operated_on": date.today().isoformat(),
            "technique": "phaco",
            "iol": True,
        },
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "transition_refused",
        "message": "the review recommends surgery on the right eye, not the left eye",
        "field": "eye",
        "problems": [
            {
                "field": "eye",
                "code": "transition_refused",
                "message": "the review recommends surgery on the right eye, not the left eye",
            }
        ],
    }


def test_every_personal_data_request_writes_exactly_one_audit_entry(bed: Bed) -> None:
    for who in ("screener_a", "screener_b"):
        bed.as_(who)  # signed in first: each sign-in is an audit entry of its own
    before = audit_size(bed)
    person = bed.register()
    assert audit_size(bed) == before + 1
    screening = bed.screen(person["id"])
    assert audit_size(bed) == before + 2
    bed.get("screener_a", f"/people/{person['id']}", purpose="treatment")
    assert audit_size(bed) == before + 3
    bed.get("screener_a", f"/screenings/{screening['id']}", purpose="treatment")
    assert audit_size(bed) == before + 4
    bed.get("screener_b", f"/people/{person['id']}", purpose="treatment")
    assert audit_size(bed) == before + 5


def test_worklist_over_http(bed: Bed) -> None:
    person = bed.register(name="Wang Fang", phone="13900000002")
    screening = bed.screen(
        person["id"], screened_at=(date.today() - timedelta(days=30)).isoformat() + "T09:00:00"
    )
    worklist = bed.get("screener_a", "/worklist").json()
    assert [(w["referral"]["id"], w["name"], w["phone"]) for w in worklist] == [
        (screening["referral"]["id"], "Wang Fang", "13900000002")
    ]
    assert worklist[0]["days_waiting"] in (29, 30)  # 09:00 thirty days ago, any time today
    assert bed.get("screener_b", "/worklist").json() == []


def test_patient_sees_who_accessed_their_record(bed: Bed) -> None:
    person = bed.register(name="Chen Jing")
    screening = bed.screen(person["id"])
    code, pin = screening["referral"]["code"], screening["access_pin"]
    assert pin and len(pin) == 8 and pin.isdigit()
    bed.get("reviewer", f"/people/{person['id']}", "review")
    bed.get("screener_b", f"/people/{person['id']}", "treatment")  # refused, still logged
    report = bed.client.post(
        "/api/v1/patient/access-report", json={"referral_code": code.lower(), "pin": pin}
    )
    assert report.status_code == 200, report.text
    lines = report.json()
    assert [(line["role"], line["outcome"]) for line in lines] == [
        ("screening health worker", "allowed"),
        ("screening health worker", "allowed"),
        ("eye doctor (online review)", "allowed"),
        ("screening health worker", "refused"),
    ]
    assert [line["action"] for line in lines][:2] == [
        "registered you",
        "recorded an eye screening",
    ]
    assert all("Chen" not in str(line) for line in lines)
    for line in lines:
        assert verify_inclusion(
            bytes.fromhex(line["leaf_hash"]),
            line["index"],
            line["tree_size"],
            [bytes.fromhex(step) for step in line["proof"]],
            bytes.fromhex(line["root"]),
        )
    assert {line["purpose"] for line in lines} >= {"review of your case"}
    wrong = bed.client.post(
        "/api/v1/patient/access-report", json={"referral_code": code, "pin": "00000000"}
    )
    unknown = bed.client.post(
        "/api/v1/patient/access-report", json={"referral_code": "AAAA-BBBB-CCCC", "pin": pin}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_patient_report_is_rate_limited(bed: Bed) -> None:
    person = bed.register()
    screening = bed.screen(person["id"])
    code = screening["referral"]["code"]
    for guess in range(5):
        bed.client.post(
            "/api/v1/patient/access-report", json={"referral_code": code, "pin": f"{guess:08d}"}
        )
    right = bed.client.post(
        "/api/v1/patient/access-report",
        json={"referral_code": code, "pin": screening["access_pin"]},
    )
    assert right.status_code == 429


def test_reprinted_slip_gets_a_new_pin(bed: Bed) -> None:
    person = bed.register()
    screening = bed.screen(person["id"])
    referral = screening["referral"]
    reprint = bed.post("screener_a", f"/referrals/{referral['id']}/access-pin", {})
    assert reprint.status_code == 200
    new_pin = reprint.json()["access_pin"]
    assert new_pin != screening["access_pin"]
    url = "/api/v1/patient/access-report"
    old = bed.client.post(
        url, json={"referral_code": referral["code"], "pin": screening["access_pin"]}
    )
    assert old.status_code == 401
    assert (
        bed.client.post(url, json={"referral_code": referral["code"], "pin": new_pin}).status_code
        == 200
    )
    assert bed.post("screener_b", f"/referrals/{referral['id']}/access-pin", {}).status_code == 404


def test_a_refused_review_lists_every_problem_at_once_with_its_code(bed: Bed) -> None:
    referral = bed.screen(bed.register()["id"])["referral"]
    refused = bed.post(
        "reviewer",
        f"/referrals/{referral['id']}/reviews",
        {"recommendation": "surgery", "right_icd11": "banana", "left_icd10": "h99.x"},
    )
    assert refused.status_code == 422, refused.text
    problems = refused.json()["error"]["problems"]
    assert problems == [
        {
            "field": "surgery_eyes",
            "code": "surgery_eyes_missing",
            "message": "A surgery recommendation must name the eye(s) to operate: "
            "right, left or both.",
        },
        {
            "field": "right_icd11",
            "code": "icd11_unknown",
            "message": '"banana" is not an eye-related ICD-11 code.',
        },
        {
            "field": "left_icd10",
            "code": "icd10_unknown",
            "message": '"h99.x" is not an eye-related ICD-10 code.',
        },
    ]
    # Nothing half-written: the referral still waits for its review.
    assert [r["id"] for r in bed.get("reviewer", "/review-queue").json()] == [referral["id"]]
