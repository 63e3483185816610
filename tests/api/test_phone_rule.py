"""A phone number no one could call is refused, coded and beside its field, in every API road:
registration, the person correction and the offline app's sync (5 to 15 digits, ITU-T E.164)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from brightline.store.models import Person
from tests.api.conftest import Bed

REASON = "the phone was written down wrongly at registration"
ACCEPTED = (
    "+86 138-0013-8000",
    "(0871) 234.567",
    "０８７１２３４５６７",  # full-width digits, as typed on a Chinese keyboard
    "12345",
    "123456789012345",
)
REFUSED = ("banana", "1" * 32, "+", "1234", "1234567890123456", "0871 234 567 ext 2")


def people(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def problems(answer: Any) -> list[tuple[str, str]]:
    return [(p["field"], p["code"]) for p in answer.json()["error"]["problems"]]


def test_registration_refuses_a_phone_that_cannot_be_one_and_keeps_written_forms(bed: Bed) -> None:
    before = people(bed)
    for phone in REFUSED:
        refused = bed.post(
            "screener_a", "/people", {"sex": "male", "birth_year": 1950, "phone": phone}
        )
        assert refused.status_code == 422, phone
        assert problems(refused) == [("phone", "phone_form")], phone
        assert refused.json()["error"]["message"] == (
            "Write the phone number with 5 to 15 digits; spaces, hyphens, dots, brackets and "
            "a leading + are allowed."
        )
    assert people(bed) == before  # nothing half-written
    for phone in ACCEPTED:
        registered = bed.register(phone=phone)
        assert registered["phone"] == phone
    assert bed.register(phone="")["phone"] is None  # the phone stays optional
    found = bed.get("screener_a", "/people?name=0871234567").json()
    assert len(found) == 2  # "(0871) 234.567" and the full-width one are the same number


def test_a_correction_refuses_a_phone_that_cannot_be_one(bed: Bed) -> None:
    person = bed.register(name="Li Mei", phone="13800000001")
    url = f"/people/{person['id']}"
    body = {"version": 1, "reason": REASON, "phone": "banana"}
    refused = bed.client.patch(f"/api/v1{url}", json=body, headers=bed.as_("screener_a"))
    assert refused.status_code == 422, refused.text
    assert problems(refused) == [("phone", "phone_form")]
    body["phone"] = "+86 138-0013-8000"
    corrected = bed.client.patch(f"/api/v1{url}", json=body, headers=bed.as_("screener_a"))
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["phone"] == "+86 138-0013-8000"


def test_sync_refuses_the_record_with_the_phone_named(bed: Bed) -> None:
    before = people(bed)
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "person",
        "data": {"sex": "female", "birth_year": 1950, "phone": "banana"},
    }
    answer = bed.post("screener_a", "/sync", {"records": [record]})
    assert answer.status_code == 200, answer.text
    [result] = answer.json()
    assert result["status"] == "rejected"
    assert result["error"]["field"] == "phone"
    assert [(p["field"], p["code"]) for p in result["error"]["problems"]] == [
        ("phone", "phone_form")
    ]
    assert people(bed) == before
