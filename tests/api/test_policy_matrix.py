"""The role × action × scope matrix: who can see and do what, and that refusals look like 404."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from brightline.access.policy import Actor, RecordContext, decide
from brightline.store.models import AuditEntry
from tests.api.conftest import Bed

RECORD = RecordContext(
    screened_at=frozenset({1}),
    referred_to=frozenset({9}),
    awaiting_or_reviewed_at=frozenset({9}),
    facility_paths={1: "/P1/CA/TA/", 9: "/P1/CA/"},
)


def actor(role: str, facility: int | None = None, region: str | None = "/P1/") -> Actor:
    return Actor(1, role, "actor-pseudonym", region, facility)


@pytest.mark.parametrize(
    ("who", "action", "purpose", "allowed"),
    [
        (actor("screener", 1), "person.read", "treatment", True),
        (actor("screener", 1), "person.read", "follow_up", True),
        (actor("screener", 1), "person.read", "review", False),
        (actor("screener", 1), "person.read", None, False),
        (actor("screener", 2), "person.read", "treatment", False),
        (actor("screener", 1), "review.create", "review", False),
        (actor("reviewer"), "person.read", "review", True),
        (actor("reviewer"), "person.identifiers.read", "review", False),
        (actor("reviewer", region="/P2/"), "person.read", "review", False),
        (actor("reviewer", region=None), "person.read", "review", True),
        (actor("reviewer"), "review.create", "review", True),
        (actor("reviewer"), "surgery.create", "treatment", False),
        (actor("surgeon", 9), "person.read", "treatment", True),
        (actor("surgeon", 9), "surgery.create", "treatment", True),
        (actor("surgeon", 8), "surgery.create", "treatment", False),
        (actor("surgeon", 9), "surgery.create", "review", False),
        (actor("manager"), "person.read", "quality", False),
        (actor("manager"), "person.read", "treatment", False),
        (actor("privacy_officer", region=None), "person.read", "quality", False),
        (actor("admin", region=None), "person.read", "treatment", False),
        (actor("admin", region=None), "screening.read", "quality", False),
        (actor("screener", 2), "person.read", "emergency", False),
        (actor("screener", 1), "unknown.action", "treatment", False),
    ],
)
def test_person_actions(who: Actor, action: str, purpose: str | None, allowed: bool) -> None:
    assert decide(who, action, purpose=purpose, record=RECORD).allowed is allowed


def test_break_glass_opens_reading_not_writing() -> None:
    record = RecordContext(frozenset({1}), frozenset(), frozenset(), {}, break_glass_open=True)
    outsider = actor("screener", 2)
    assert decide(outsider, "person.read", purpose="emergency", record=record).break_glass
    assert not decide(outsider, "screening.create", purpose="emergency", record=record).allowed
    assert not decide(actor("manager"), "person.read", purpose="emergency", record=record).allowed


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("screener", "person.create", True),
        ("screener", "worklist.read", True),
        ("screener", "aggregate.read", False),
        ("reviewer", "review_queue.read", True),
        ("reviewer", "worklist.read", False),
        ("surgeon", "centre_list.read", True),
        ("manager", "aggregate.read", True),
        ("manager", "person.search", False),
        ("privacy_officer", "audit.read", True),
        ("privacy_officer", "admin.manage", False),
        ("admin", "admin.manage", True),
        ("admin", "audit.read", False),
    ],
)
def test_general_actions(role: str, action: str, allowed: bool) -> None:
    assert decide(actor(role, 1), action).allowed is allowed


def _denied_entries(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return len(session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all())


def test_cross_county_guessing_looks_like_missing_and_is_logged(bed: Bed) -> None:
    person = bed.register(name="Zhao Min")
    screening = bed.screen(person["id"])
    missing = bed.get("screener_b", "/people/00000000-0000-4000-8000-000000000000", "treatment")
    guessed = bed.get("screener_b", f"/people/{person['id']}", "treatment")
    assert guessed.status_code == missing.status_code == 404
    assert guessed.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert "Zhao" not in guessed.text
    for url in (f"/screenings/{screening['id']}", f"/referrals/{screening['referral']['id']}"):
        assert bed.get("screener_b", url, "treatment").status_code == 404
    assert _denied_entries(bed) == 4


@pytest.mark.parametrize("who", ["manager", "privacy", "admin", "screener_b"])
def test_no_identified_record_for_roles_outside_care(bed: Bed, who: str) -> None:
    person = bed.register(name="Sun Li")
    for purpose in ("treatment", "quality", "review", "follow_up"):
        response = bed.get(who, f"/people/{person['id']}", purpose)
        assert response.status_code == 404
        assert "Sun Li" not in response.text


def test_reviewer_sees_queue_cases_without_identifiers(bed: Bed) -> None:
    person = bed.register(name="Hu Jun", phone="13700000003")
    bed.screen(person["id"])
    record = bed.get("reviewer", f"/people/{person['id']}", "review")
    assert record.status_code == 200
    assert record.json()["name"] is None and record.json()["phone"] is None
    assert bed.get("reviewer", f"/people/{person['id']}", "treatment").status_code == 404


def test_person_without_referral_is_not_in_reviewer_or_centre_scope(bed: Bed) -> None:
    person = bed.register()
    bed.screen(person["id"], right_presenting_va="6/6", left_presenting_va="6/6")
    assert bed.get("reviewer", f"/people/{person['id']}", "review").status_code == 404
    assert bed.get("surgeon", f"/people/{person['id']}", "treatment").status_code == 404


def test_purpose_is_required_to_read_a_record(bed: Bed) -> None:
    person = bed.register()
    response = bed.get("screener_a", f"/people/{person['id']}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "purpose_required"
    assert response.json()["error"]["field"] == "X-Purpose-Of-Use"
    bad = bed.get("screener_a", f"/people/{person['id']}", "curiosity")
    assert bad.status_code == 422 and "treatment" in bad.json()["error"]["message"]


def test_writes_outside_scope_are_refused(bed: Bed) -> None:
    person = bed.register()
    referral = bed.screen(person["id"])["referral"]
    foreign = bed.post(
        "screener_b", "/screenings", {"person_id": person["id"], "right_presenting_va": "6/6"}
    )
    assert foreign.status_code == 404
    assert bed.post("screener_a", f"/referrals/{referral['id']}/attendance", {}).status_code == 404
    review = bed.post(
        "surgeon", f"/referrals/{referral['id']}/reviews", {"recommendation": "glasses"}
    )
    assert review.status_code == 404
    surgery = bed.post(
        "reviewer",
        "/surgeries",
        {
            "referral_id": referral["id"],
            "eye": "right",
            "operated_on": date.today().isoformat(),
            "technique": "MSICS",
            "iol": True,
        },
    )
    assert surgery.status_code in (404, 422)


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("screener_a", "/review-queue", 403),
        ("manager", "/worklist", 403),
        ("reviewer", "/centre/expected", 403),
        ("screener_a", "/users", 403),
        ("privacy", "/regions", 403),
        ("admin", "/users", 200),
        ("privacy", "/break-glass", 200),
        ("admin", "/break-glass", 403),
    ],
)
def test_lists_by_role(bed: Bed, who: str, url: str, status: int) -> None:
    assert bed.get(who, url).status_code == status


def test_break_glass_flow(bed: Bed) -> None:
    person = bed.register(name="Gao Yan")
    bed.screen(person["id"])
    url = f"/people/{person['id']}"
    assert bed.get("screener_b", url, "emergency").status_code == 404
    short = bed.post("screener_b", "/break-glass", {"person_id": person["id"], "reason": "x"})
    assert short.status_code == 422
    opened = bed.post(
        "screener_b",
        "/break-glass",
        {"person_id": person["id"], "reason": "Unconscious at our clinic after a fall"},
    )
    assert opened.status_code == 201, opened.text
    grant = opened.json()
    assert grant["reason"] is None
    record = bed.get("screener_b", url, "emergency")
    assert record.status_code == 200 and record.json()["name"] == "Gao Yan"
    # Emergency opens reading only, and only for the purpose 'emergency'.
    assert bed.get("screener_b", url, "treatment").status_code == 404
    # The privacy officer sees it to review, with the reason.
    pending = bed.get("privacy", "/break-glass").json()
    assert [g["id"] for g in pending] == [grant["id"]]
    assert pending[0]["reason"] == "Unconscious at our clinic after a fall"
    reviewed = bed.post("privacy", f"/break-glass/{grant['id']}/review", {"note": "justified"})
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_at"]
    assert bed.get("privacy", "/break-glass").json() == []
    with bed.site.transaction() as session:
        outcomes = session.scalars(select(AuditEntry.outcome)).all()
    assert outcomes.count("break_glass") == 2  # opening and the emergency read


def test_break_glass_expires(bed: Bed) -> None:
    from brightline.store.security_models import BreakGlassGrant

    person = bed.register()
    bed.post(
        "screener_b",
        "/break-glass",
        {"person_id": person["id"], "reason": "Brought in by family, needs history"},
    )
    with bed.site.transaction() as session:
        grant = session.scalars(select(BreakGlassGrant)).one()
        grant.expires_at = grant.opened_at
    assert bed.get("screener_b", f"/people/{person['id']}", "emergency").status_code == 404


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("\u200b" * 10, 422),  # ten zero-width spaces: long enough by length, no words at all
        ("?!?!?!?!?!?!", 422),
        ("12345678901234", 422),
        ("病人昏迷", 201),  # "the patient is unconscious"
        ("Brought in unconscious", 201),
    ],
)
def test_break_glass_needs_a_reason_in_words(bed: Bed, reason: str, status: int) -> None:
    person = bed.register(name="Gao Yan")
    opened = bed.post("screener_b", "/break-glass", {"person_id": person["id"], "reason": reason})
    assert opened.status_code == status, opened.text
    record = bed.get("screener_b", f"/people/{person['id']}", "emergency")
    assert record.status_code == (200 if status == 201 else 404)
    if status == 422:
        assert "reason" in opened.text
