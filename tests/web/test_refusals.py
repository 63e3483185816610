"""Web pages refuse like the API: another's record looks missing, byte for byte; ids of the
wrong kind are 404; paging and dates are bounded; a slip's code finds only one's own patients."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from brightline.service.accounts import add_user
from brightline.service.places import add_facility, add_region
from brightline.store.models import Surgery
from tests.conftest import PASSWORD
from tests.web.conftest import WebBed, submit
from tests.web.test_pages import MISSING, register_and_screen

HUGE = "9223372036854775808"


@dataclass(frozen=True)
class WebCase:
    """Clinic A's person screened and referred (code on the slip), with one eye photo."""

    person: str
    referral: str
    photo: str
    code: str


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 60, 60)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def other_province(web: WebBed) -> None:
    """A second province with its own reviewer and surgical centre (and its surgeon)."""
    with web.site.transaction() as session:
        add_region(session, "P2", "Province Two", "province")
        add_facility(session, "SC-2", "Province Two Hospital", "surgical_centre", "P2")
        profile = web.site.settings.argon2_profile
        add_user(session, "reviewer_p2", PASSWORD, "reviewer", "region:P2", profile=profile)
        add_user(session, "surgeon_2", PASSWORD, "surgeon", "facility:SC-2", profile=profile)


def _api_token(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _case(web: WebBed, name: str) -> WebCase:
    screener = web.signed_in("screener_a")
    case = register_and_screen(web, screener, name)
    person = case["person_url"].rsplit("/", 1)[1]
    api = web.client()
    headers = _api_token(api, "screener_a")
    screenings = api.get(
        f"/api/v1/people/{person}/screenings", headers={**headers, "X-Purpose-Of-Use": "treatment"}
    ).json()
    uploaded = api.post(
        f"/api/v1/screenings/{screenings[0]['id']}/images",
        files={"image": ("eye.jpg", _jpeg(), "image/jpeg")},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    referral = screenings[0]["referral"]["id"]
    return WebCase(person, referral, uploaded.json()["id"], case["code"])


# (who is refused, page with {id}, which of the case's ids it takes)
PAGES = [
    ("reviewer_p2", "/reviewer/cases/{id}", "referral"),
    ("surgeon_2", "/centre/referrals/{id}", "referral"),
    ("screener_b", "/screener/referrals/{id}/slip", "referral"),
    ("screener_b", "/photos/{id}", "photo"),
    ("reviewer_p2", "/photos/{id}", "photo"),
    ("screener_b", "/screener/people/{id}", "person"),
    ("screener_b", "/screener/people/{id}/screen", "person"),
]


def _same_page(refused: Any, missing: Any, theirs: str) -> None:
    assert refused.status_code == missing.status_code == 404
    shown = refused.content.replace(theirs.encode(), b"ID")
    assert shown == missing.content.replace(MISSING.encode(), b"ID")
    assert dict(refused.headers) == dict(missing.headers)


@pytest.mark.usefixtures("other_province")
@pytest.mark.parametrize(("who", "page", "kind"), PAGES)
def test_another_record_page_is_exactly_the_missing_page(
    web: WebBed, who: str, page: str, kind: str
) -> None:
    theirs = getattr(_case(web, "Qian Meiling"), kind)
    client = web.signed_in(who)
    # Uncompressed, so that equal pages have equal lengths (gzip of different ids differs).
    plain = {"Accept-Encoding": "identity"}
    refused = client.get(page.format(id=theirs), headers=plain)
    _same_page(refused, client.get(page.format(id=MISSING), headers=plain), theirs)


WRONG_KIND = [
    ("reviewer", "/reviewer/cases/{person}"),
    ("surgeon", "/centre/referrals/{person}"),
    ("screener_a", "/screener/referrals/{person}/slip"),
    ("screener_a", "/photos/{person}"),
    ("screener_a", "/photos/{referral}"),
    ("screener_a", "/screener/people/{referral}"),
]


@pytest.mark.parametrize(("who", "page"), WRONG_KIND)
def test_an_id_of_the_wrong_kind_is_the_not_found_page(web: WebBed, who: str, page: str) -> None:
    case = _case(web, "Sun Huifang")
    response = web.signed_in(who).get(page.format(person=case.person, referral=case.referral))
    assert response.status_code == 404, response.text


def test_forms_with_an_id_of_the_wrong_kind_are_not_found(web: WebBed) -> None:
    case = _case(web, "Zhou Guiying")
    centre = web.signed_in("surgeon")
    page = f"/centre/referrals/{case.referral}"
    today = date.today().isoformat()
    surgery = {"eye": "right", "operated_on": today, "technique": "MSICS", "iol": "yes"}
    wrong = submit(centre, page, f"/centre/referrals/{case.person}/surgery", surgery)
    assert wrong.status_code == 404
    follow_up = {"referral_id": case.referral, "examined_on": today, "presenting_va": "6/9"}
    wrong = submit(centre, page, f"/centre/surgeries/{case.person}/follow-up", follow_up)
    assert wrong.status_code in (404, 422), wrong.text
    follow_up["referral_id"] = case.person
    wrong = submit(centre, page, f"/centre/surgeries/{case.person}/follow-up", follow_up)
    assert wrong.status_code == 404


@pytest.mark.parametrize(
    ("who", "page"), [("screener_a", "/screener/worklist"), ("surgeon", "/centre")]
)
def test_a_huge_offset_is_refused(web: WebBed, who: str, page: str) -> None:
    client = web.signed_in(who)
    for offset in (HUGE, "1000001", "-1"):
        assert client.get(page, params={"offset": offset}).status_code == 422
    assert client.get(page, params={"offset": "1000000"}).status_code == 200


def test_surgery_dates_before_1900_or_after_tomorrow_are_refused(web: WebBed) -> None:
    case = _case(web, "Wu Xiuying")
    reviewer = web.signed_in("reviewer")
    review = {"recommendation": "surgery", "surgery_eyes": "right"}
    submit(reviewer, f"/reviewer/cases/{case.referral}", f"/reviewer/cases/{case.referral}", review)
    centre = web.signed_in("surgeon")
    page = f"/centre/referrals/{case.referral}"
    submit(centre, page, f"{page}/attendance", {})
    for day in ("0001-01-01", "9999-12-31"):
        body = {"eye": "right", "operated_on": day, "technique": "MSICS", "iol": "yes"}
        refused = submit(centre, page, f"{page}/surgery", body)
        assert refused.status_code == 422
        assert "1900-01-01" in refused.text
    with web.site.transaction() as session:
        stored = session.scalars(select(Surgery).where(Surgery.referral_id == case.referral))
        assert list(stored) == []  # nothing half-written


@pytest.mark.usefixtures("other_province")
def test_a_slip_code_of_another_centre_answers_like_an_unknown_code(web: WebBed) -> None:
    case = _case(web, "Zheng Lihua")
    mine = web.signed_in("surgeon").get("/centre/find", params={"code": case.code})
    assert mine.status_code == 303  # the code works at the centre it was sent to
    other = web.signed_in("surgeon_2")
    unknown = re.sub(r"[A-Z0-9]", "7", case.code)
    theirs = other.get("/centre/find", params={"code": case.code})
    missing = other.get("/centre/find", params={"code": unknown})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert dict(theirs.headers) == dict(missing.headers)


def test_review_form_fields_are_bounded_and_not_echoed_whole(web: WebBed) -> None:
    case = _case(web, "He Yufen")
    reviewer = web.signed_in("reviewer")
    page = f"/reviewer/cases/{case.referral}"
    review = {"recommendation": "surgery", "surgery_eyes": "right"}
    refused = submit(reviewer, page, page, {**review, "right_icd10": "H" * 200_000})
    assert refused.status_code == 422
    message = re.search(r'id="right_icd10-error">([^<]*)<', refused.text)
    assert message and "is not an eye-related ICD-10 code" in message.group(1)
    assert len(message.group(1)) < 100  # the form keeps what was typed; the message does not
    notes = submit(reviewer, page, page, {**review, "notes": "n" * 2001})
    assert notes.status_code == 422
    message = re.search(r'id="notes-error">([^<]*)<', notes.text)
    assert message and "at most 2000 characters" in message.group(1)
