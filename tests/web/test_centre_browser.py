"""The surgical centre's workstation in real Chromium, at phone and desktop width, in English
and Chinese: search, appointment on the reprinted slip, arrival on a chosen day, the review
with ICD titles, the theatre record, an eye not operated, follow-up with both outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, WebBed
from tests.web.test_browser import CHROMIUM, SIZES, browser, failed_for_real, follow, server

__all__ = ["browser", "server"]
pytestmark = [
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]
WORDS = {
    "en": {
        "accept": "en",
        "title": "Age-related nuclear cataract",
        "notes": "Reviewer's notes",
        "other": "Other complication",
        "borderline": "Borderline",
        "good": "Good",
        "declined": "Declined on the day",
        "appointment": "Appointment",
    },
    "zh": {
        "accept": "zh-CN",
        "title": "年龄相关性核性白内障",
        "notes": "审阅医生备注",
        "other": "其他并发症",
        "borderline": "临界",
        "good": "良好",
        "declined": "当天拒绝手术",
        "appointment": "预约",
    },
}


def _api(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _referred_and_reviewed(web: WebBed, name: str) -> dict[str, Any]:
    """A person screened at clinic A and reviewed: surgery on both eyes, with codes and notes."""
    client = web.client()
    screener, reviewer = _api(client, "screener_a"), _api(client, "reviewer")
    person = client.post(
        "/api/v1/people", json={"sex": "female", "birth_year": 1947, "name": name}, headers=screener
    ).json()
    screening = client.post(
        "/api/v1/screenings",
        json={
            "person_id": person["id"],
            "right_presenting_va": "CF 1m",
            "left_presenting_va": "3/60",
        },
        headers=screener,
    ).json()
    referral: dict[str, Any] = screening["referral"]
    review = client.post(
        f"/api/v1/referrals/{referral['id']}/reviews",
        json={
            "recommendation": "surgery",
            "surgery_eyes": ["right", "left"],
            "right_icd10": "H25.1",
            "right_icd11": "9B10.00",
            "left_icd10": "H25.1",
            "notes": "Dense nuclear cataract; check blood pressure before surgery.",
        },
        headers=reviewer,
    )
    assert review.status_code == 201, review.text
    return referral


def _watched(page: Any) -> list[str]:
    """Console errors, failed requests and error responses of a page, as they happen."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: failed_for_real(r) and problems.append(f"failed {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def _sign_in(browser: Any, server: str, username: str, lang: str, size: str) -> Any:
    width, height = SIZES[size]
    accept = WORDS[lang]["accept"]
    page = browser.new_page(
        viewport={"width": width, "height": height},
        locale=accept,
        extra_http_headers={"Accept-Language": accept},
    )
    page.goto(f"{server}/sign-in")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page.locator("form[action='/sign-in'] button[type=submit]"))
    return page


@pytest.mark.slow
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", list(WORDS))
def test_the_centre_workstation(
    web: WebBed, server: str, browser: Any, size: str, lang: str
) -> None:
    words = WORDS[lang]
    name = f"Ma Xiulan {size} {lang}"
    referral = _referred_and_reviewed(web, name)
    centre = _sign_in(browser, server, "surgeon", lang, size)
    problems = _watched(centre)

    # Find the patient by part of the name on the expected list, and open them.
    centre.goto(f"{server}/centre")
    centre.locator("#q").fill(f"xiulan {size} {lang}")
    follow(centre.locator("form.find button"))
    assert "1" in centre.locator("#search-result").inner_text()
    follow(centre.get_by_role("link", name=name))

    # The review as the reviewer wrote it: diagnosis with titles, notes.
    review = centre.locator("#review").inner_text()
    assert "H25.1" in review and words["title"] in review and "9B10.00" in review
    assert words["notes"] in review and "blood pressure" in review

    # An appointment in ten days; the clinic's reprinted slip shows it.
    day = date.today() + timedelta(days=10)
    centre.locator("#appointment_on").fill(day.isoformat())
    centre.locator("#appointment form button").click()
    assert centre.locator("#appointment_on").input_value() == day.isoformat()
    screener = _sign_in(browser, server, "screener_a", lang, size)
    screener.goto(f"{server}/screener/referrals/{referral['id']}/slip")
    assert screener.locator("#appointment-on").is_visible()
    assert words["appointment"] in screener.locator(".slip").inner_text()
    screener.close()

    # The arrival day is chosen, then confirmed: not before the referral (made today).
    yesterday = date.today() - timedelta(days=1)
    centre.locator("#attended_on").fill(yesterday.isoformat())
    follow(centre.locator("#arrival form button"))
    assert centre.locator("#attended_on-error").is_visible()
    problems.clear()  # the refusal answered 422, as it should
    centre.locator("#attended_on").fill(date.today().isoformat())
    follow(centre.locator("#arrival form button"))
    assert centre.locator("#operation-form").is_visible()

    # The theatre record of the right eye.
    form = centre.locator("#operation-form")
    form.locator("input[name=eye][value=right]").check()
    form.locator("#anaesthesia").select_option("peribulbar")
    form.locator("#iol_power").fill("21.5")
    form.locator("#iol_position").select_option("bag")
    form.locator("input[name=complications][value=other]").check()
    form.locator("#complication_note").fill("wound leak")
    follow(form.locator("button[type=submit]"))
    operated = centre.locator("section.surgery").first.inner_text()
    assert "+21.50 D" in operated and words["other"] in operated and "wound leak" in operated

    # The left eye is not operated today: declined.
    centre.locator("#not-operated-form summary").click()
    centre.locator("#not-operated-form input[name=reason][value=declined]").check()
    follow(centre.locator("#not-operated-form button[type=submit]"))
    assert words["declined"] in centre.locator("#not-operated").inner_text()

    # Follow-up: presenting 6/24 (borderline), best corrected 6/9 (good), both shown.
    surgery = centre.locator("section.surgery").first
    surgery.locator("input[name=presenting_va]").fill("6/24")
    surgery.locator("input[name=best_corrected_va]").fill("6/9")
    follow(surgery.locator("button[type=submit]"))
    shown = centre.locator("#outcome").inner_text()
    assert words["borderline"] in shown and words["good"] in shown
    table = centre.locator("table.follow-ups").inner_text()
    assert words["borderline"] in table and words["good"] in table
    width = centre.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size][0], f"the page scrolls sideways at {size} width ({width}px)"
    assert problems == []
    centre.close()
