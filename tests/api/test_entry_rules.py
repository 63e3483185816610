"""Data that is right at entry, through the API and offline sync: every problem at once."""

from __future__ import annotations

import uuid
from typing import Any

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
