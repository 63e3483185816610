"""Refusals that tell nothing: another clinic's record answers like a missing one, byte for
byte; ids of the wrong kind are 404, never 500; client-chosen ids are UUIDs, and a clash is a
409 that does not say whose record holds the id."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from brightline.store.models import Person
from tests.api.conftest import Bed

MISSING = "00000000-0000-4000-8000-000000000000"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 60, 60)).save(out, "JPEG")
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    """Clinic A's person, screening (with a photo) and referral."""

    person: str
    screening: str
    referral: str
    photo: str


def _case(bed: Bed) -> Case:
    person = bed.register(name="Wang Lan")["id"]
    screening = bed.screen(person)
    uploaded = bed.client.post(
        f"/api/v1/screenings/{screening['id']}/images",
        files={"image": ("eye.jpg", _jpeg(), "image/jpeg")},
        headers=bed.as_("screener_a"),
    )
    assert uploaded.status_code == 201, uploaded.text
    return Case(person, screening["id"], screening["referral"]["id"], uploaded.json()["id"])


def _call(bed: Bed, who: str, method: str, url: str) -> Any:
    headers = bed.as_(who, "treatment")
    if url.endswith("/images") and method == "POST":
        files = {"image": ("eye.jpg", _jpeg(), "image/jpeg")}
        return bed.client.post(f"/api/v1{url}", files=files, headers=headers)
    return bed.client.request(method, f"/api/v1{url}", headers=headers)


# (method, url with {id}, which of the case's ids it takes)
REFUSED_LIKE_MISSING = [
    ("GET", "/screenings/{id}", "screening"),
    ("GET", "/screenings/{id}/images", "screening"),
    ("POST", "/screenings/{id}/images", "screening"),
    ("GET", "/images/{id}", "photo"),
    ("GET", "/referrals/{id}", "referral"),
    ("POST", "/referrals/{id}/access-pin", "referral"),
    ("GET", "/people/{id}", "person"),
]


@pytest.mark.parametrize(("method", "url", "kind"), REFUSED_LIKE_MISSING)
def test_another_clinics_record_answers_exactly_like_a_missing_one(
    bed: Bed, method: str, url: str, kind: str
) -> None:
    theirs = getattr(_case(bed), kind)
    refused = _call(bed, "screener_b", method, url.format(id=theirs))
    missing = _call(bed, "screener_b", method, url.format(id=MISSING))
    assert refused.status_code == missing.status_code == 404
    assert refused.content.replace(theirs.encode(), b"ID") == missing.content.replace(
        MISSING.encode(), b"ID"
    )
    assert dict(refused.headers) == dict(missing.headers)
    assert b"Clinic A" not in refused.content and b"CL-A" not in refused.content


# A person's id sent where a record of another kind is expected.
WRONG_KIND = [
    ("screener_a", "GET", "/referrals/{person}", None),
    ("screener_a", "GET", "/screenings/{person}", None),
    ("screener_a", "GET", "/screenings/{person}/images", None),
    ("screener_a", "GET", "/images/{person}", None),
    ("screener_a", "GET", "/images/{referral}", None),
    ("screener_a", "POST", "/referrals/{person}/access-pin", None),
    ("reviewer", "POST", "/referrals/{screening}/reviews", {"recommendation": "surgery"}),
    ("surgeon", "POST", "/referrals/{person}/attendance", {}),
    (
        "surgeon",
        "POST",
        "/surgeries",
        {
            "referral_id": "{person}",
            "eye": "right",
            "operated_on": "{today}",
            "technique": "MSICS",
            "iol": True,
        },
    ),
    (
        "surgeon",
        "POST",
        "/surgeries/{referral}/follow-ups",
        {"examined_on": "{today}", "presenting_va": "6/9"},
    ),
]


def _filled(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("who", "method", "url", "body"), WRONG_KIND)
def test_an_id_of_the_wrong_kind_is_not_found_never_a_server_error(
    bed: Bed, who: str, method: str, url: str, body: dict[str, Any] | None
) -> None:
    case = _case(bed)
    ids = {**case.__dict__, "today": date.today().isoformat()}
    response = bed.client.request(
        method,
        f"/api/v1{_filled(url, ids)}",
        json=_filled(body, ids),
        headers=bed.as_(who, "treatment"),
    )
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["code"] in ("not_found", "invalid_input")


BAD_IDS = ["x", "a/b", " ", "\x00", "z" * 5000, "3f2b8c1e-9a47-4d2e-8b1f-6c0d5e7a9b2"]


def _bodies(case: Case) -> dict[str, tuple[str, str, dict[str, Any]]]:
    today = date.today().isoformat()
    return {
        "person": ("screener_a", "/people", {"sex": "male", "birth_year": 1950}),
        "screening": ("screener_a", "/screenings", {"person_id": case.person}),
        "review": (
            "reviewer",
            f"/referrals/{case.referral}/reviews",
            {"recommendation": "surgery", "surgery_eyes": ["right"]},
        ),
        "attendance": ("surgeon", f"/referrals/{case.referral}/attendance", {}),
        "surgery": (
            "surgeon",
            "/surgeries",
            {
                "referral_id": case.referral,
                "eye": "right",
                "operated_on": today,
                "technique": "MSICS",
                "iol": True,
            },
        ),
    }


@pytest.mark.parametrize("kind", ["person", "screening", "review", "attendance", "surgery"])
def test_client_ids_must_be_uuids(bed: Bed, kind: str) -> None:
    who, url, body = _bodies(_case(bed))[kind]
    for bad in BAD_IDS:
        response = bed.post(who, url, {**body, "id": bad})
        assert response.status_code == 422, (bad[:20], response.text)
        error = response.json()["error"]
        assert error["field"] == "id" and "UUID" in error["message"]
        assert len(response.content) < 1000  # the 5,000 characters are not echoed


def test_follow_up_and_sync_ids_must_be_uuids(bed: Bed) -> None:
    case = _case(bed)
    bed.post("reviewer", f"/referrals/{case.referral}/reviews", _bodies(case)["review"][2])
    bed.post("surgeon", f"/referrals/{case.referral}/attendance", {})
    surgery = bed.post("surgeon", "/surgeries", _bodies(case)["surgery"][2])
    assert surgery.status_code == 201, surgery.text
    follow_up = {"examined_on": date.today().isoformat(), "presenting_va": "6/9"}
    for bad in BAD_IDS:
        answer = bed.post(
            "surgeon", f"/surgeries/{surgery.json()['id']}/follow-ups", {**follow_up, "id": bad}
        )
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "id"
        record = {"uuid": bad, "kind": "person", "data": {"sex": "male", "birth_year": 1950}}
        synced = bed.post("screener_a", "/sync", {"records": [record]})
        assert synced.status_code == 422, synced.text
        assert synced.json()["error"]["field"] == "records.0.uuid"


def _people(bed: Bed) -> int:
    with bed.site.transaction() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_a_colliding_id_is_a_409_that_does_not_say_whose_record_it_is(bed: Bed) -> None:
    mine = bed.register("screener_b")["id"]
    theirs = bed.register("screener_a")["id"]
    before = _people(bed)
    answers = [
        bed.post("screener_b", "/people", {"id": taken, "sex": "male", "birth_year": 1950})
        for taken in (mine, theirs)
    ]
    assert [a.status_code for a in answers] == [409, 409]
    assert answers[0].json()["error"]["field"] == "id"
    assert answers[0].content.replace(mine.encode(), b"ID") == answers[1].content.replace(
        theirs.encode(), b"ID"
    )
    assert _people(bed) == before
    case = _case(bed)
    again = bed.post("screener_a", "/screenings", {"id": case.screening, "person_id": case.person})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_one_colliding_sync_record_is_rejected_and_the_rest_are_saved(bed: Bed) -> None:
    taken = bed.register("screener_b")["id"]  # another clinic's person
    before, fresh, after = (str(uuid.uuid4()) for _ in range(3))
    person = {"sex": "female", "birth_year": 1951}
    batch = {
        "records": [
            {"uuid": before, "kind": "person", "data": person},
            {"uuid": taken, "kind": "person", "data": person},
            {
                "uuid": fresh,
                "kind": "screening",
                "data": {
                    "person_id": before,
                    "right_presenting_va": "6/6",
                    "left_untestable": "eye_absent",
                },
            },
            {"uuid": after, "kind": "person", "data": person},
        ]
    }
    first = bed.post("screener_a", "/sync", batch)
    assert first.status_code == 200, first.text
    results = first.json()
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"]
    assert results[1]["error"]["code"] == "conflict"
    assert results[1]["error"]["field"] == "uuid"
    assert "Clinic B" not in results[1]["error"]["message"]
    # The device re-sends its queue: the same answers, nothing stuck, nothing doubled.
    people = _people(bed)
    resent = bed.post("screener_a", "/sync", batch)
    assert resent.status_code == 200 and resent.json() == results
    assert _people(bed) == people
