"""Who a person is at entry: a re-used national ID, and search by phone or national ID."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from brightline.store.models import AuditEntry, Person
from tests.api.conftest import Bed


def test_a_national_id_of_ones_own_clinic_opens_that_person(bed: Bed) -> None:
    first = bed.post(
        "screener_a",
        "/people",
        {"sex": "male", "birth_year": 1950, "name": "Wu Lei", "national_id": "NI-4455"},
    )
    assert first.status_code == 201
    again = bed.post(
        "screener_a", "/people", {"sex": "male", "birth_year": 1950, "national_id": "ni 4455"}
    )
    assert again.status_code == 200  # not created: the registered person is answered
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "Wu Lei"


def test_another_clinics_national_id_reveals_nothing_and_is_audited(bed: Bed) -> None:
    theirs = bed.register(name="Secret Canary", national_id="NI-7788", phone="13900007788")
    refused = bed.post(
        "screener_b",
        "/people",
        {"sex": "female", "birth_year": 1948, "name": "Someone Else", "national_id": "NI-7788"},
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert [(p["field"], p["code"]) for p in error["problems"]] == [
        ("national_id", "national_id_elsewhere")
    ]
    assert error["message"] == "This national ID is already registered; ask the programme office."
    for secret in (theirs["id"], "Secret Canary", "13900007788", "1948"):
        assert secret not in refused.text
    with bed.site.transaction() as session:
        denied = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "person.create", AuditEntry.outcome == "denied"
            )
        ).all()
        assert len(denied) == 1
        assert "national ID registered at another facility" in denied[0].entry
        assert (
            session.scalar(select(Person).where(Person.facility_id == bed.world.clinic_b)) is None
        )


def test_sync_of_another_clinics_national_id_is_rejected_without_the_person(bed: Bed) -> None:
    theirs = bed.register(name="Synced Canary", national_id="NI-9911")
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "person",
        "data": {"sex": "female", "birth_year": 1950, "national_id": "NI-9911"},
    }
    answer = bed.post("screener_b", "/sync", {"records": [record]})
    assert answer.status_code == 200, answer.text
    [result] = answer.json()
    assert result["status"] == "rejected"
    assert result["error"]["field"] == "national_id"
    assert theirs["id"] not in answer.text and "Synced Canary" not in answer.text


def test_search_by_phone_or_national_id_is_exact_and_within_the_clinic(bed: Bed) -> None:
    person = bed.register(name="Hu Canary", phone="0712 345 678", national_id="ZX 987")
    bed.register(name="Other Canary", phone="0712 345 679")
    for typed in ("0712345678", "0712-345-678", "zx-987", "ZX987"):
        found = bed.get("screener_a", f"/people?name={typed}").json()
        assert [p["id"] for p in found] == [person["id"]], typed
    assert bed.get("screener_a", "/people?name=0712").json() == []  # no partial matches
    assert bed.get("screener_b", "/people?name=0712345678").json() == []
    assert bed.get("screener_b", "/people?name=ZX987").json() == []
    with bed.site.transaction() as session:
        stored = session.get(Person, person["id"])
        assert stored is not None and stored.phone_hmac is not None
        assert "0712345678" not in stored.phone_hmac and len(stored.phone_hmac) == 64


def test_a_person_from_sync_can_be_found_by_phone(bed: Bed) -> None:
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "person",
        "data": {
            "sex": "female",
            "birth_year": 1950,
            "name": "Sync Person",
            "phone": "+86 138 0000 2222",
        },
    }
    [result] = bed.post("screener_a", "/sync", {"records": [record]}).json()
    assert result["status"] == "applied", result
    found = bed.get("screener_a", "/people?name=8613800002222").json()
    assert [p["name"] for p in found] == ["Sync Person"]
