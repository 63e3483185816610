"""Canary identifiers never leak; every error is JSON with a code, a message and the field."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from brightline.store.models import Base
from tests.api.conftest import Bed

CANARY = {
    "name": "Canary Xylophone-Quux",
    "phone": "+86 139 7777 1234",
    "national_id": "CANARY-990011",
    "address": "17 Canary Lane, Nowhere Township",
}


def _database_bytes(bed: Bed) -> bytes:
    """The SQLite file and its WAL as bytes, or every stored row for PostgreSQL."""
    url = bed.site.engine.url
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        base = Path(url.database)
        return b"".join(p.read_bytes() for p in base.parent.glob(base.name + "*"))
    rows = []
    with bed.site.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows.extend(repr(tuple(row)) for row in connection.execute(select(table)))
    return "\n".join(rows).encode()


def test_canary_identifiers_never_leak(bed: Bed, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    person = bed.register(**CANARY)
    screening = bed.screen(person["id"])
    assert (
        bed.get("screener_a", f"/people/{person['id']}", "treatment").json()["name"]
        == (CANARY["name"])
    )
    outsiders = [
        bed.get("screener_b", f"/people/{person['id']}", "treatment"),
        bed.get("reviewer", f"/people/{person['id']}", "review"),
        bed.get("reviewer", "/review-queue"),
        bed.get("manager", f"/people/{person['id']}", "quality"),
        bed.get("admin", "/users"),
        bed.get("screener_b", "/people?name=Canary"),
        bed.get("screener_b", f"/screenings/{screening['id']}", "treatment"),
        bed.post(
            "screener_a", "/screenings", {"person_id": person["id"], "right_presenting_va": "x"}
        ),
    ]
    stored = _database_bytes(bed)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for value in CANARY.values():
        needle = value.encode()
        assert needle not in stored, f"{value} found in the database file"
        assert value not in logs
        for response in outsiders:
            assert value not in response.text
    # A second registration with the same national ID is recognised without storing it.
    again = bed.register(national_id="canary 990011", sex="female", birth_year=1948)
    assert again["id"] == person["id"]


def test_search_by_name_only_within_own_facility(bed: Bed) -> None:
    bed.register(name="Liu Canary")
    found = bed.get("screener_a", "/people?name=canary").json()
    assert [p["name"] for p in found] == ["Liu Canary"]
    assert bed.get("screener_b", "/people?name=canary").json() == []
    assert bed.get("reviewer", "/people?name=canary").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sex": "x", "birth_year": 1950}, "sex"),
        ({"sex": "male", "birth_year": 1700}, "birth_year"),
        ({"sex": "male", "birth_year": "old"}, "birth_year"),
        ({"sex": "male", "birth_year": 1950, "colour": "blue"}, "colour"),
        ({"sex": "male", "birth_year": 1950, "township": "NOPE"}, "township"),
        ({"birth_year": 1950}, "sex"),
    ],
)
def test_bad_person_input_names_the_field(bed: Bed, body: dict[str, object], field: str) -> None:
    response = bed.post("screener_a", "/people", body)
    assert response.status_code in (404, 422), response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"] and error["code"]


@pytest.mark.parametrize(
    ("va", "message"),
    [
        ("6/0", "6/0"),
        ("abc", "abc"),
        ("20/", "20/"),
        ("-1", "-1"),
        ("9" * 5000, "at most 20 characters"),
    ],
)
def test_bad_va_is_422_never_500(bed: Bed, va: str, message: str) -> None:
    person = bed.register()
    response = bed.post(
        "screener_a", "/screenings", {"person_id": person["id"], "left_presenting_va": va}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "left_presenting_va"
    assert message in response.json()["error"]["message"]


def test_malformed_json_and_unknown_routes_are_json_errors(bed: Bed) -> None:
    broken = bed.client.post(
        "/api/v1/people",
        content=b"{not json",
        headers={**bed.as_("screener_a"), "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "invalid_input"
    missing = bed.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    no_token = bed.client.get("/api/v1/worklist")
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "unauthenticated"
    assert "Traceback" not in broken.text


def test_openapi_is_published(bed: Bed) -> None:
    spec = bed.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/screenings" in spec["paths"]
    assert "/api/v1/sync" in spec["paths"]
