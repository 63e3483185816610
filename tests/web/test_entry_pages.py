"""Data that is right at entry, through the web forms: every problem beside its field."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import WebBed, submit, unmarked
from tests.web.test_pages import register_and_screen


def _register(client: TestClient, **data: str) -> Any:
    return submit(client, "/screener/register", "/screener/register", data)


def _screen(client: TestClient, person_url: str, **data: str) -> Any:
    return submit(client, f"{person_url}/screen", f"{person_url}/screen", data)


def test_the_age_stands_in_for_an_unknown_year_of_birth(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    registered = _register(client, sex="female", age="70", name="Age Only")
    assert registered.status_code == 303, registered.text
    page = client.get(registered.headers["location"])
    year = web.site.today().year - 70
    assert f"<dd>{year}</dd>" in page.text
    neither = _register(client, sex="female")
    assert neither.status_code == 422
    assert 'id="birth_year-error"' in neither.text
    assert "Give the year of birth, or the age in years if it is unknown." in neither.text
    too_old = _register(client, sex="female", age="121")
    assert 'id="age-error"' in too_old.text and "Give an age from 0 to 120 years." in too_old.text
    clash = _register(client, sex="female", birth_year="1950", age="30")
    assert 'id="age-error"' in clash.text


def test_a_phone_that_cannot_be_one_is_refused_beside_its_field(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    refused = _register(client, sex="female", birth_year="1950", name="Wrong Phone", phone="+")
    assert refused.status_code == 422
    assert re.search(
        r'id="phone-error">Write the phone number with 5 to 15 digits; spaces, hyphens, dots, '
        r"brackets and a leading \+ are allowed\.<",
        html.unescape(refused.text),
    )
    assert 'value="Wrong Phone"' in refused.text  # what was typed stays in the form
    client.cookies.set("lang", "zh_Hans")
    chinese = _register(client, sex="female", birth_year="1950", phone="banana")
    assert "电话号码应为 5 至 15 位数字；可含空格、连字符、点、括号和开头的 +。" in chinese.text
    client.cookies.set("lang", "en")
    typed = _register(client, sex="female", birth_year="1950", phone="(0871) 234.567")
    assert typed.status_code == 303, typed.text
    assert "(0871) 234.567" in client.get(typed.headers["location"]).text
    person_url = typed.headers["location"]
    correction = {"sex": "female", "birth_year": "1950", "phone": "1" * 32, "version": "1"}
    correction["reason"] = "the phone was written down wrongly"
    corrected = submit(client, person_url + "/correct", person_url + "/correct", correction)
    assert corrected.status_code == 422
    assert 'id="phone-error">Write the phone number with 5 to 15 digits' in corrected.text


def test_a_known_national_id_opens_the_person_and_says_so(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    first = _register(client, sex="male", birth_year="1951", name="Known Person", national_id="W-1")
    again = _register(client, sex="male", birth_year="1951", national_id="w 1")
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"] + "?known=national_id"
    page = client.get(again.headers["location"])
    shown = html.unescape(unmarked(page.text))
    assert "This national ID is already registered as Known Person" in shown
    assert "already registered" not in client.get(first.headers["location"]).text


def test_another_clinics_national_id_is_refused_without_the_person(web: WebBed) -> None:
    theirs = _register(
        web.signed_in("screener_a"),
        sex="male",
        birth_year="1952",
        name="Hidden Canary",
        national_id="W-2",
    )
    person_id = theirs.headers["location"].rsplit("/", 1)[1]
    other = web.signed_in("screener_b")
    refused = _register(other, sex="female", birth_year="1960", national_id="W-2")
    assert refused.status_code == 422
    assert 'id="national_id-error"' in refused.text
    assert "ask the programme office" in refused.text
    assert "Hidden Canary" not in refused.text and person_id not in refused.text


def test_the_search_box_finds_by_exact_phone_or_national_id(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    _register(
        client,
        sex="female",
        birth_year="1953",
        name="Phone Canary",
        phone="0733 111 222",
        national_id="W-3",
    )
    for typed in ("0733111222", "W3", "w-3"):
        found = client.get("/screener", params={"name": typed})
        assert "Phone Canary" in found.text, typed
    assert "Phone Canary" not in client.get("/screener", params={"name": "0733"}).text
    other = web.signed_in("screener_b")
    assert "Phone Canary" not in other.get("/screener", params={"name": "0733111222"}).text


def test_a_second_screening_says_it_joined_the_open_referral(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    person_url = _register(client, sex="female", birth_year="1940").headers["location"]
    first = _screen(
        client,
        person_url,
        right_presenting_va="CF 1m",
        left_presenting_va="6/60",
        right_lens="opacity",
        left_lens="opacity",
    )
    assert first.status_code == 201
    code = re.search(r'id="referral-code">([A-Z0-9-]+)<', first.text)
    assert code and 'id="attached-referral"' not in first.text
    second = _screen(
        client,
        person_url,
        right_presenting_va="6/60",
        left_presenting_va="6/60",
        right_lens="opacity",
        left_lens="opacity",
    )
    assert second.status_code == 201, second.text
    assert 'id="attached-referral"' in second.text
    assert f"open referral (code {code.group(1)})" in html.unescape(unmarked(second.text))
    assert 'id="access-pin"' not in second.text


def test_an_untestable_eye_through_the_form(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    person_url = _register(client, sex="male", birth_year="1945").headers["location"]
    refused = _screen(client, person_url, left_presenting_va="6/3000")
    assert refused.status_code == 422
    assert 'id="right_presenting_va-error"' in refused.text
    assert 'id="left_presenting_va-error"' in refused.text
    assert "off the chart (6/3 to 1/60)" in refused.text
    recorded = _screen(client, person_url, right_untestable="eye_absent", left_presenting_va="6/6")
    assert recorded.status_code == 201, recorded.text
    assert "absent or a prosthesis" in recorded.text
    # The person's page names why the eye has no VA, instead of a bare "–".
    person = client.get(person_url).text
    assert "could not be tested: eye absent or prosthesis" in person


def _reviewed(web: WebBed, name: str, review: dict[str, str]) -> tuple[TestClient, str, Any]:
    """A case screened at Clinic A and sent through the reviewer's form; returns the centre's
    client, the case's centre page and the review's answer."""
    case = register_and_screen(web, web.signed_in("screener_a"), name)
    reviewer = web.signed_in("reviewer")
    queue = reviewer.get("/reviewer").text
    link = re.search(rf'href="(/reviewer/cases/[^"]+)">{case["code"]}<', queue)
    assert link
    answer = submit(reviewer, link.group(1), link.group(1), review)
    centre = web.signed_in("surgeon")
    opened = centre.get("/centre/find", params={"code": case["code"]})
    return centre, opened.headers.get("location", ""), answer


def test_unknown_review_codes_are_all_shown_beside_their_fields(web: WebBed) -> None:
    review = {
        "recommendation": "surgery",
        "surgery_eyes": "right",
        "right_icd10": "XYZ",
        "right_icd11": "banana",
        "left_icd10": "H25.1",
    }
    _, _, refused = _reviewed(web, "Icd Canary", review)
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert 'id="right_icd10-error">"XYZ" is not an eye-related ICD-10 code.<' in page
    assert 'id="right_icd11-error">"banana" is not an eye-related ICD-11 code.<' in page
    assert 'id="left_icd10-error"' not in page
    assert '<option value="H25.0">H25.0' in page  # the datalist offers listed codes by title
    assert "Senile incipient cataract" in page or "Age-related incipient cataract" in page


def _operated_today(web: WebBed, name: str) -> tuple[TestClient, str, str, str]:
    review = {"recommendation": "surgery", "surgery_eyes": "right"}
    centre, url, _ = _reviewed(web, name, review)
    assert submit(centre, url, f"{url}/attendance", {}).status_code == 303
    today = web.site.today().isoformat()
    body = {"eye": "right", "operated_on": today, "technique": "MSICS", "iol": "yes"}
    assert submit(centre, url, f"{url}/surgery", body).status_code == 303
    action = re.search(r'action="(/centre/surgeries/[^"]+/follow-up)"', centre.get(url).text)
    assert action
    return centre, url, action.group(1), today


def test_the_centre_form_refuses_bcva_worse_by_more_than_a_line(web: WebBed) -> None:
    centre, url, action, today = _operated_today(web, "Bcva Canary")
    visit = {"referral_id": url.rsplit("/", 1)[1], "examined_on": today}
    worse = {**visit, "presenting_va": "logMAR 0.30", "best_corrected_va": "logMAR 0.41"}
    refused = submit(centre, url, action, worse)
    assert refused.status_code == 422
    assert "is worse than presenting VA" in refused.text
    before = {**visit, "examined_on": "1900-01-01", "presenting_va": "6/9"}
    early = submit(centre, url, action, before)
    assert early.status_code == 422
    assert f"This date is before the surgery on {today}." in early.text
    within = {**worse, "best_corrected_va": "logMAR 0.40"}
    saved = submit(centre, url, action, within)
    assert saved.status_code == 303
    # On the day of surgery: stored and shown, but flagged outside the 28-84 day window.
    shown = centre.get(saved.headers["location"]).text
    assert 'id="outside-window"' in shown
    assert "Outside the follow-up window (28 to 84 days after surgery)" in shown
    assert "outside the follow-up window" in shown


def test_the_centre_form_dates_run_from_1900_to_tomorrow(web: WebBed) -> None:
    review = {"recommendation": "surgery", "surgery_eyes": "right"}
    centre, url, _ = _reviewed(web, "Date Canary", review)
    submit(centre, url, f"{url}/attendance", {})
    today = web.site.today()
    body = {"eye": "right", "technique": "MSICS", "iol": "yes"}
    for day, shown in (
        ("1899-12-31", "Give a date from 1900-01-01"),
        ("1900-01-01", f"This date is before the attendance on {today}."),
        ((today + timedelta(days=2)).isoformat(), "Give a date from 1900-01-01"),
    ):
        refused = submit(centre, url, f"{url}/surgery", {**body, "operated_on": day})
        assert refused.status_code == 422, day
        assert shown in html.unescape(refused.text), day
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert (
        submit(centre, url, f"{url}/surgery", {**body, "operated_on": tomorrow}).status_code == 303
    )
