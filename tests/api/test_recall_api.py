"""The recall loop over HTTP: contact attempts on the worklist, their effect, their audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from brightline.store.models import AuditEntry, Referral
from tests.api.conftest import Bed


def _waiting(bed: Bed, name: str, days: int = 30) -> dict[str, Any]:
    """A person screened and referred ``days`` ago at clinic A: on its worklist."""
    person = bed.register(name=name, phone="13900000009")
    when = (date.today() - timedelta(days=days)).isoformat() + "T09:00:00"
    screening: dict[str, Any] = bed.screen(person["id"], screened_at=when)
    return screening["referral"]


def _attempt(bed: Bed, referral_id: str, who: str = "screener_a", **body: Any) -> Any:
    return bed.post(who, f"/referrals/{referral_id}/contact-attempts", body)


def _listed(bed: Bed, query: str = "") -> list[str]:
    return [w["referral"]["id"] for w in bed.get("screener_a", f"/worklist{query}").json()]


def _audit_count(bed: Bed, action: str) -> int:
    with bed.site.transaction() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            )
            or 0
        )


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"outcome": "declined", "decline_reason": "cost"}, "closed", "declined"),
        ({"outcome": "moved"}, "closed", "moved"),
        ({"outcome": "died"}, "closed", "died"),
        ({"outcome": "attended_elsewhere"}, "closed", "attended_elsewhere"),
        ({"outcome": "not_reachable"}, "open", None),
    ],
)
def test_each_outcome_closes_the_referral_or_keeps_it_listed(
    bed: Bed, body: dict[str, Any], status: str, reason: str | None
) -> None:
    referral = _waiting(bed, "Li Na")
    before = _audit_count(bed, "contact_attempt.create")
    answer = _attempt(bed, referral["id"], **body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == body["outcome"]
    assert answer.json()["attempted_by"] == "screener_a"
    assert _audit_count(bed, "contact_attempt.create") == before + 1
    with bed.site.transaction() as session:
        stored = session.get(Referral, referral["id"])
        assert stored is not None
        assert (stored.status, stored.close_reason) == (status, reason)
    assert (referral["id"] in _listed(bed)) is (status == "open")
    again = _attempt(bed, referral["id"], outcome="not_reachable")
    assert again.status_code == (201 if status == "open" else 409), again.text


def test_will_attend_leaves_the_list_until_the_day_has_passed(bed: Bed) -> None:
    referral = _waiting(bed, "Zhao Lei")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    answer = _attempt(bed, referral["id"], outcome="will_attend", will_attend_on=tomorrow)
    assert answer.status_code == 201, answer.text
    assert referral["id"] not in _listed(bed)
    # A promise whose day has passed: recorded a week ago for three days ago.
    past = (date.today() - timedelta(days=7)).isoformat() + "T10:00:00"
    three_days_ago = (date.today() - timedelta(days=3)).isoformat()
    other = _waiting(bed, "Sun Yu")
    kept = _attempt(
        bed, other["id"], outcome="will_attend", will_attend_on=three_days_ago, attempted_at=past
    )
    assert kept.status_code == 201, kept.text
    assert _listed(bed) == [other["id"]]
    assert _listed(bed, "?outcome=will_attend") == [other["id"]]
    assert _listed(bed, "?outcome=not_tried") == []


def test_filter_by_outcome_and_sort_by_days_waiting(bed: Bed) -> None:
    old = _waiting(bed, "Old One", days=60)
    young = _waiting(bed, "Young One", days=20)
    assert _listed(bed) == [old["id"], young["id"]]
    assert _listed(bed, "?sort=shortest_waiting") == [young["id"], old["id"]]
    assert _attempt(bed, old["id"], outcome="not_reachable").status_code == 201
    assert _listed(bed, "?outcome=not_reachable") == [old["id"]]
    assert _listed(bed, "?outcome=not_tried") == [young["id"]]
    items = bed.get("screener_a", "/worklist").json()
    assert [(i["last_outcome"], i["attempts"]) for i in items] == [
        ("not_reachable", 1),
        (None, 0),
    ]
    assert bed.get("screener_a", "/worklist?outcome=died").status_code == 422


def test_attempts_are_listed_on_the_entry_with_who_and_when(bed: Bed) -> None:
    referral = _waiting(bed, "Wu Hua")
    assert _attempt(bed, referral["id"], outcome="not_reachable").status_code == 201
    answer = _attempt(
        bed, referral["id"], outcome="declined", decline_reason="other", note="harvest season"
    )
    assert answer.status_code == 201, answer.text
    listed = bed.get("screener_a", f"/referrals/{referral['id']}/contact-attempts").json()
    assert [(a["outcome"], a["decline_reason"], a["note"], a["attempted_by"]) for a in listed] == [
        ("not_reachable", None, None, "screener_a"),
        ("declined", "other", "harvest season", "screener_a"),
    ]
    assert all(a["attempted_at"].endswith("Z") for a in listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "will_attend"}, "will_attend_on"),
        ({"outcome": "declined"}, "decline_reason"),
        ({"outcome": "declined", "decline_reason": "other"}, "note"),
        ({"outcome": "moved", "decline_reason": "cost"}, "decline_reason"),
        ({"outcome": "moved", "will_attend_on": "2030-01-01"}, "will_attend_on"),
        ({"outcome": "will_attend", "will_attend_on": "2000-01-01"}, "will_attend_on"),
        ({"outcome": "not_reachable", "note": "words"}, "note"),
    ],
)
def test_an_attempt_missing_what_its_outcome_needs_names_the_field(
    bed: Bed, body: dict[str, Any], field: str
) -> None:
    referral = _waiting(bed, "Ma Li")
    answer = _attempt(bed, referral["id"], **body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    with bed.site.transaction() as session:
        stored = session.get(Referral, referral["id"])
        assert stored is not None and stored.status == "open"


def test_only_the_referring_clinic_records_attempts(bed: Bed) -> None:
    referral = _waiting(bed, "Qian Bo")
    for who in ("screener_b", "surgeon", "reviewer", "manager"):
        answer = _attempt(bed, referral["id"], who=who, outcome="moved")
        assert answer.status_code in (403, 404), (who, answer.text)
        listed = bed.get(who, f"/referrals/{referral['id']}/contact-attempts")
        assert listed.status_code in (403, 404), (who, listed.text)
    assert _attempt(bed, "no-such-referral", outcome="moved").status_code == 404
    with bed.site.transaction() as session:
        denied = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "contact_attempt.create", AuditEntry.outcome == "denied")
        )
    assert denied == 5
    assert referral["id"] in _listed(bed)
