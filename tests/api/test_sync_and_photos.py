"""Offline sync (idempotent replay, partial failure) and eye photos over HTTP."""

from __future__ import annotations

import io
import uuid
from datetime import date

from PIL import Image
from sqlalchemy import func, select

from brightline.store.models import Person, Screening
from tests.api.conftest import Bed


def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def _counts(bed: Bed) -> tuple[int, int]:
    with bed.site.transaction() as session:
        people = session.scalar(select(func.count()).select_from(Person)) or 0
        screenings = session.scalar(select(func.count()).select_from(Screening)) or 0
    return people, screenings


def test_sync_replay_changes_nothing_and_answers_the_same(bed: Bed) -> None:
    person_id, screening_id, bad_id = _ids(3)
    batch = {
        "records": [
            {"uuid": person_id, "kind": "person", "data": {"sex": "male", "birth_year": 1950}},
            {
                "uuid": bad_id,
                "kind": "screening",
                "data": {"person_id": person_id, "right_presenting_va": "6/0"},
            },
            {
                "uuid": screening_id,
                "kind": "screening",
                "data": {
                    "person_id": person_id,
                    "right_presenting_va": "6/60",
                    "left_presenting_va": "6/9",
                },
            },
        ]
    }
    first = bed.post("screener_a", "/sync", batch)
    assert first.status_code == 200, first.text
    results = first.json()
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[0]["id"] == person_id and results[2]["id"] == screening_id
    assert results[1]["error"]["field"] == "right_presenting_va"
    assert "6/0" in results[1]["error"]["message"]
    counts = _counts(bed)
    assert counts == (1, 1)

    again = bed.post("screener_a", "/sync", batch).json()
    assert again == results
    part = bed.post("screener_a", "/sync", {"records": batch["records"][2:]}).json()
    assert part == results[2:]
    assert _counts(bed) == counts


def test_sync_uuid_reused_by_someone_else_is_refused(bed: Bed) -> None:
    person_id = str(uuid.uuid4())
    record = {"uuid": person_id, "kind": "person", "data": {"sex": "male", "birth_year": 1950}}
    bed.post("screener_a", "/sync", {"records": [record]})
    other = bed.post("screener_b", "/sync", {"records": [record]}).json()
    assert other[0]["status"] == "rejected"
    assert other[0]["error"]["code"] == "conflict"


def test_sync_rejects_unknown_fields_and_bad_kinds(bed: Bed) -> None:
    person_id = str(uuid.uuid4())
    results = bed.post(
        "screener_a",
        "/sync",
        {
            "records": [
                {"uuid": person_id, "kind": "person", "data": {"sex": "m", "birth_year": 1950}}
            ]
        },
    ).json()
    assert results[0]["error"]["field"] == "sex"
    bad_kind = bed.post(
        "screener_a", "/sync", {"records": [{"uuid": person_id, "kind": "x", "data": {}}]}
    )
    assert bad_kind.status_code == 422
    assert bed.client.post("/api/v1/sync", json={"records": []}).status_code == 401


def test_sync_whole_pathway(bed: Bed) -> None:
    person = bed.register()
    referral = bed.screen(person["id"])["referral"]
    review_id, attendance_id, surgery_id, follow_up_id = _ids(4)
    reviewed = bed.post(
        "reviewer",
        "/sync",
        {
            "records": [
                {
                    "uuid": review_id,
                    "kind": "review",
                    "data": {
                        "referral_id": referral["id"],
                        "recommendation": "surgery",
                        "surgery_eyes": ["right"],
                    },
                }
            ]
        },
    ).json()
    assert reviewed[0]["status"] == "applied", reviewed
    today = date.today().isoformat()
    centre = bed.post(
        "surgeon",
        "/sync",
        {
            "records": [
                {
                    "uuid": attendance_id,
                    "kind": "attendance",
                    "data": {"referral_id": referral["id"]},
                },
                {
                    "uuid": surgery_id,
                    "kind": "surgery",
                    "data": {
                        "referral_id": referral["id"],
                        "eye": "right",
                        "operated_on": today,
                        "technique": "MSICS",
                        "iol": True,
                    },
                },
                {
                    "uuid": follow_up_id,
                    "kind": "follow_up",
                    "data": {
                        "surgery_id": surgery_id,
                        "examined_on": today,
                        "presenting_va": "6/9",
                    },
                },
            ]
        },
    ).json()
    assert [r["status"] for r in centre] == ["applied"] * 3, centre


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 90), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"  # camera make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_upload_strips_metadata_and_is_served_with_policy(bed: Bed) -> None:
    person = bed.register()
    screening = bed.screen(person["id"])
    original = _jpeg_with_gps()
    assert b"CanaryCam" in original
    uploaded = bed.client.post(
        f"/api/v1/screenings/{screening['id']}/images",
        files={"image": ("eye.jpg", original, "image/jpeg")},
        data={"eye": "right"},
        headers=bed.as_("screener_a"),
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    served = bed.get("reviewer", f"/images/{photo['id']}", "review")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"CanaryCam" not in served.content and b"Exif" not in served.content
    assert not Image.open(io.BytesIO(served.content)).getexif()
    thumb = bed.get("reviewer", f"/images/{photo['id']}?thumbnail=true", "review")
    assert thumb.status_code == 200
    assert bed.get("screener_b", f"/images/{photo['id']}", "treatment").status_code == 404
    assert bed.get("reviewer", f"/images/{photo['id']}").status_code == 400
    listed = bed.get("reviewer", f"/screenings/{screening['id']}/images", "review").json()
    assert [p["id"] for p in listed] == [photo["id"]]


def test_photo_upload_refuses_bad_files(bed: Bed) -> None:
    person = bed.register()
    screening = bed.screen(person["id"])
    url = f"/api/v1/screenings/{screening['id']}/images"
    headers = bed.as_("screener_a")
    polyglot = _jpeg_with_gps() + b"PK\x03\x04" + b"\x00" * 40
    for content, kind in ((polyglot, "image/jpeg"), (b"GIF89a" + b"\x00" * 50, "image/gif")):
        response = bed.client.post(url, files={"image": ("x", content, kind)}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "image"
    big = b"\xff\xd8\xff" + b"\x00" * (bed.site.settings.image_max_bytes + 10)
    response = bed.client.post(url, files={"image": ("x.jpg", big, "image/jpeg")}, headers=headers)
    assert response.status_code == 422 and "MB" in response.json()["error"]["message"]


def test_a_record_that_does_not_fit_its_schema_is_refused_with_coded_problems(bed: Bed) -> None:
    """Pydantic's English never reaches a device: each field's fault is a catalogue code."""
    early, late, missing = _ids(3)
    batch = {
        "records": [
            {"uuid": early, "kind": "person", "data": {"sex": "male", "birth_year": 1850}},
            {
                "uuid": late,
                "kind": "person",
                "data": {"sex": "male", "birth_year": date.today().year + 1},
            },
            {"uuid": missing, "kind": "person", "data": {"birth_year": "x", "phone": "1" * 40}},
        ]
    }
    answers = bed.post("screener_a", "/sync", batch).json()
    assert [a["status"] for a in answers] == ["rejected"] * 3
    problems = [a["error"]["problems"] for a in answers]
    assert problems[0] == [
        {"field": "birth_year", "code": "number_at_least", "parameters": {"low": "1900"}}
    ]
    low, high = str(date.today().year - 120), str(date.today().year)
    assert problems[1] == [
        {
            "field": "birth_year",
            "code": "birth_year_range",
            "parameters": {"low": low, "high": high},
        }
    ]
    assert [(p["field"], p["code"]) for p in problems[2]] == [
        ("sex", "required"),
        ("birth_year", "whole_number"),
        ("phone", "text_too_long"),
    ]
    assert "Input should" not in str(answers)


def test_the_apis_request_validation_answers_with_coded_problems(bed: Bed) -> None:
    refused = bed.post("screener_a", "/people", {"sex": "other", "birth_year": 1850})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["problems"] == [
        {"field": "sex", "code": "one_of", "message": "Choose one of: female, male."},
        {
            "field": "birth_year",
            "code": "number_at_least",
            "message": "Give a number of at least 1900.",
        },
    ]
    assert (error["field"], error["message"]) == ("sex", "Choose one of: female, male.")
