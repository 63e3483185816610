"""Bounded input: paging, dates, body sizes; sign-in checked before anything is validated;
times sent in UTC with their zone; every error status in the OpenAPI; docs served locally."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from brightline.api.body_limit import JSON_LIMIT, SYNC_LIMIT
from brightline.api.sign_in_first import PUBLIC_PATHS
from tests.api.conftest import Bed

HUGE = "9223372036854775808"  # one more than SQL's largest integer


@pytest.mark.parametrize(
    ("who", "url"), [("screener_a", "/worklist"), ("surgeon", "/centre/expected")]
)
def test_a_huge_offset_is_refused_naming_the_field(bed: Bed, who: str, url: str) -> None:
    for offset in (HUGE, "1000001", "-1"):
        response = bed.get(who, f"{url}?offset={offset}")
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "offset"
    assert bed.get(who, f"{url}?offset=1000000").status_code == 200


def _dated(bed: Bed) -> list[tuple[str, str, dict[str, Any], str]]:
    person = bed.register()["id"]
    referral = bed.screen(person)["referral"]["id"]
    surgery = {"referral_id": referral, "eye": "right", "technique": "MSICS", "iol": True}
    return [
        ("screener_a", "/screenings", {"person_id": person}, "screened_at"),
        (
            "reviewer",
            f"/referrals/{referral}/reviews",
            {"recommendation": "surgery"},
            "reviewed_at",
        ),
        ("surgeon", f"/referrals/{referral}/attendance", {}, "attended_at"),
        ("surgeon", "/surgeries", surgery, "operated_on"),
        ("surgeon", "/surgeries/x/follow-ups", {"presenting_va": "6/9"}, "examined_on"),
    ]


def test_dates_before_1900_or_after_tomorrow_are_refused(bed: Bed) -> None:
    for who, url, body, field in _dated(bed):
        for day in ("0001-01-01", "1899-12-31", "9999-12-31", "2999-01-01"):
            value = day if field.endswith("_on") else f"{day}T10:00:00"
            response = bed.post(who, url, {**body, field: value})
            assert response.status_code == 422, (field, day, response.text)
            error = response.json()["error"]
            assert error["field"] == field and "1900-01-01" in error["message"], error


def test_texts_and_lists_are_bounded(bed: Bed) -> None:
    person = bed.register()["id"]
    for field, value in (
        ("person_id", "p" * 100_000),
        ("right_presenting_va", "6" * 21),
        ("symptoms", ["pain"] * 50),
    ):
        body = {"person_id": person, field: value}
        response = bed.post("screener_a", "/screenings", body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"]["field"] == field
        assert len(response.content) < 1000  # nothing sent is echoed whole
    assert bed.get("screener_a", "/people/" + "p" * 65, "treatment").status_code == 422


def test_a_body_over_the_limit_is_refused_before_sign_in(bed: Bed) -> None:
    big = b'{"sex": "female", "birth_year": 1950, "name": "' + b"x" * JSON_LIMIT + b'"}'
    for headers in ({}, bed.as_("screener_a")):
        response = bed.client.post(
            "/api/v1/people", content=big, headers={**headers, "content-type": "application/json"}
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"


def test_a_streamed_body_is_cut_off_at_the_limit(bed: Bed) -> None:
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(SYNC_LIMIT // 65536 + 10):
            sent.append(1)
            yield b" " * 65536

    response = bed.client.post(
        "/api/v1/sync",
        content=chunks(),
        headers={**bed.as_("screener_a"), "content-type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_sync_batch_may_be_larger_than_a_json_body(bed: Bed) -> None:
    padding = " " * (JSON_LIMIT + 1000)
    body = '{"records": []' + padding + "}"
    response = bed.client.post(
        "/api/v1/sync",
        content=body.encode(),
        headers={**bed.as_("screener_a"), "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


def _operations(bed: Bed) -> Iterator[tuple[str, str, dict[str, Any]]]:
    spec = bed.client.get("/api/v1/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_signed_in_endpoint_answers_401_first_whatever_else_is_wrong(bed: Bed) -> None:
    checked = 0
    for method, path, operation in _operations(bed):
        if "401" not in operation["responses"] or path.endswith(("/auth/token", "/access-report")):
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            # A body and parameters that are all wrong: sign-in is still checked first.
            response = bed.client.request(
                method, url, json={"nonsense": True}, params={"offset": "-1"}, headers=headers
            )
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"]["code"] == "unauthenticated"
        checked += 1
    assert checked > 30
    assert bed.client.get("/api/v1/people").status_code == 401


def test_a_malformed_body_without_a_token_is_refused_before_it_is_parsed(bed: Bed) -> None:
    for url, content, kind in (
        ("/api/v1/people", b"{not json", "application/json"),
        ("/api/v1/screenings/x/images", b"garbage", "multipart/form-data; boundary=zz"),
        ("/api/v1/sync", b"[" * 10_000, "application/json"),
    ):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = bed.client.post(
                url, content=content, headers={**headers, "content-type": kind}
            )
            assert response.status_code == 401, (url, response.text)
            assert response.json()["error"]["code"] == "unauthenticated"
    signed_in = bed.client.post(
        "/api/v1/people",
        content=b"{not json",
        headers={**bed.as_("screener_a"), "content-type": "application/json"},
    )
    assert signed_in.status_code == 422


def test_the_public_paths_are_exactly_the_operations_that_need_no_sign_in(bed: Bed) -> None:
    public = {
        path.removeprefix("/api/v1")
        for method, path, operation in _operations(bed)
        if path.startswith("/api/v1/") and "401" not in operation["responses"]
    }
    throttled = {"/auth/token", "/patient/access-report"}  # public, but 401 for a wrong secret
    assert public | throttled == PUBLIC_PATHS
    assert bed.client.get("/api/v1/openapi.json").status_code == 200
    assert bed.client.get("/api/v1/docs").status_code == 200
    assert bed.client.get("/api/v1/no-such-endpoint").status_code == 404


def test_logout_with_a_bogus_token_is_refused(bed: Bed) -> None:
    bogus = bed.client.post("/api/v1/auth/logout", headers={"Authorization": "Bearer bogus"})
    assert bogus.status_code == 401
    assert bed.client.post("/api/v1/auth/logout").status_code == 401
    signed_in = bed.as_("screener_a")
    assert bed.get("screener_a", "/auth/me").status_code == 200
    assert bed.client.post("/api/v1/auth/logout", headers=signed_in).status_code == 204
    # At once after: the front door saw this token live a moment ago, the request still not.
    assert bed.get("screener_a", "/auth/me").status_code == 401
    assert bed.client.post("/api/v1/auth/logout", headers=signed_in).status_code == 401


def test_times_are_sent_in_utc_with_their_zone(bed: Bed) -> None:
    person = bed.register()["id"]
    screening = bed.screen(person, screened_at="2026-03-01T08:30:00+08:00")
    assert screening["screened_at"] == "2026-03-01T00:30:00Z"
    assert screening["referral"]["referred_at"].endswith("Z")
    read = bed.get("screener_a", f"/screenings/{screening['id']}", "treatment").json()
    assert read["screened_at"] == "2026-03-01T00:30:00Z"
    stamp = datetime.fromisoformat(read["referral"]["referred_at"])
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert date.fromisoformat(read["screened_at"][:10]) == date(2026, 3, 1)


def test_every_error_status_is_declared_with_the_error_schema(bed: Bed) -> None:
    for method, path, operation in _operations(bed):
        if not path.startswith("/api/v1/"):
            continue  # the health check takes no input
        responses = operation["responses"]
        assert "422" in responses, (method, path)
        for status, answer in responses.items():
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method == "POST":
            assert "413" in responses, (method, path)


def test_the_docs_page_loads_nothing_from_elsewhere(bed: Bed) -> None:
    page = bed.client.get("/api/v1/docs")
    assert page.status_code == 200
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page.text), page.text
    assert "cdn" not in page.text.lower()
    for asset in re.findall(r"(?:src|href)=['\"]([^'\"]+)['\"]", page.text):
        served = bed.client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100, asset
