"""The offline app's device-side rules in real Chromium: the form's refusals in the server's
words, findings joining an open referral, a national ID of another clinic, the stale-device
warning, the sign-out dialog and the queue's owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from brightline.chromium import wait_in_page
from tests.conftest import PASSWORD
from tests.web.conftest import WebBed
from tests.web.test_browser import CHROMIUM, browser, server
from tests.web.test_offline_browser import (
    PIN,
    TOO_LONG_PHONE,
    api_headers,
    expect_waiting,
    go_offline_after_one_sign_in,
    register,
    server_side,
    unlock,
)

__all__ = ["browser", "server"]  # the module's Chromium and uvicorn fixtures, shared

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not at /usr/bin/chromium"),
    pytest.mark.slow,
]

SET_LAST_SYNC = """async (when) => {
  const { Vault } = await import('/static/offline/vault.js');
  const vault = await Vault.open();
  await vault.setMeta('last_sync', when);
}"""


def sign_in(page: Any, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def online_app(browser: Any, server: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{server}/sign-in?next=/screener/app/")
    sign_in(page, "screener_a")
    page.get_by_label("New PIN (at least 6 digits)").fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    page.locator("#app").wait_for()
    return context, page


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_a_screening_without_va_or_reason_is_refused_on_the_device_in_the_servers_words(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Lin Fang", "Female", "1949")
    form = page.locator("#screen")
    form.locator("#left_presenting_va").fill("6/3000")
    form.get_by_role("button", name="Save and triage").click()
    right = form.locator("[data-error-for=right_presenting_va]")
    expect(right).to_have_text("Enter the presenting VA or mark the eye as not testable.")
    expect(form.locator("[data-error-for=left_presenting_va]")).to_contain_text("off the chart")
    assert form.locator("#right_presenting_va").get_attribute("aria-invalid") == "true"
    expect_waiting(page, "1 person waiting to send")  # the screening was not queued

    # Marked as not testable with a reason: queued, triaged like the server (category 9 eye).
    form.locator("#right_untestable").select_option("could_not_cooperate")
    form.locator("#left_presenting_va").fill("6/9")
    form.get_by_role("button", name="Save and triage").click()
    expect(page.locator("#device-decision")).to_have_text("Online review by an eye doctor")
    expect_waiting(page, "1 person, 1 screening waiting to send")
    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    expect_waiting(page, "Nothing waiting to send.")
    stored = server_side(web, "Lin Fang")["screenings"]
    assert [s["right"]["untestable"] for s in stored] == ["could_not_cooperate"]
    assert stored[0]["triage"]["decision"] == "review"

    # In Chinese the device words the same problem from the catalogue served with the app.
    context.add_cookies([{"name": "lang", "value": "zh_Hans", "url": server}])
    page.goto(f"{server}/screener/app/")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-unlock button").click()
    page.locator("#new-person").click()
    page.locator("#register #name").fill("Lin Mei")
    page.locator("#register input[name=sex]").first.check()
    page.locator("#register #birth_year").fill("1950")
    page.locator("#register button[type=submit]").click()
    page.locator("#screen button[type=submit]").click()
    chinese = page.locator("#screen [data-error-for=right_presenting_va]").inner_text()
    assert chinese and "Enter the presenting VA" not in chinese
    context.close()


def test_findings_join_an_open_referral_and_another_clinics_national_id_is_refused(
    web: WebBed, server: str, browser: Any
) -> None:
    headers = {**api_headers(web)}
    token = web.client().post(
        "/api/v1/auth/token", data={"username": "screener_b", "password": PASSWORD}
    )
    elsewhere = {**headers, "Authorization": f"Bearer {token.json()['access_token']}"}
    body = {"sex": "male", "birth_year": 1940, "name": "Xu Qiang", "national_id": "B-7731"}
    assert web.client().post("/api/v1/people", json=body, headers=elsewhere).status_code == 201

    context, page = online_app(browser, server)
    sent = page.locator("#sent li")
    for screened in (1, 2):  # the same person registered twice at this clinic, screened twice
        page.get_by_role("button", name="Register a person").click()
        page.locator("#register").get_by_label("Name").fill("Wen Hua")
        page.locator("#register").get_by_label("Female", exact=True).check()
        page.locator("#register").get_by_label("Year of birth").fill("1944")
        page.locator("#register").get_by_label("National ID").fill("A-5512")
        page.locator("#register").get_by_role("button", name="Register").click()
        form = page.locator("#screen")
        form.locator("#right_presenting_va").fill("CF 1m")
        form.locator("#left_presenting_va").fill("6/60")
        form.locator("#right_lens").select_option("opacity")
        form.get_by_role("button", name="Save and triage").click()
        # The summary said "Nothing waiting" already once the person went: the screening's
        # line in "Sent" is the sign that it went too.
        expect(sent).to_have_count(screened)
        expect_waiting(page, "Nothing waiting to send.")
    joined = sent.nth(0)
    found = server_side(web, "Wen Hua")
    assert len(found["people"]) == 1 and len(found["screenings"]) == 2
    first = next(s for s in found["screenings"] if s["attached_referral_id"] is None)
    code = first["referral"]["code"]
    expect(joined.locator(".joined-referral")).to_contain_text(f"joined referral {code}")
    assert joined.get_by_role("link").count() == 0  # no second slip
    # A referral code is data: never translated, never broken across lines at 360 px.
    shown = joined.locator("[translate=no].code")
    assert shown.inner_text() == code
    assert shown.evaluate("element => getComputedStyle(element).whiteSpace") == "nowrap"
    assert sent.nth(1).get_by_role("link", name=f"Referral slip {code}").count() == 1

    page.get_by_role("button", name="Register a person").click()
    page.locator("#register").get_by_label("Name").fill("Xu Qiang")
    page.locator("#register").get_by_label("Male", exact=True).check()
    page.locator("#register").get_by_label("Year of birth").fill("1940")
    page.locator("#register").get_by_label("National ID").fill("B-7731")
    page.locator("#register").get_by_role("button", name="Register").click()
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    refused = page.locator("#queue li[data-kind=person]")
    refused.locator(".state.rejected").wait_for()
    assert "National ID" in refused.inner_text()
    refused.get_by_role("button", name="Correct").click()
    expect(page.locator("#national_id-error")).to_have_text(
        "This national ID is already registered; ask the programme office."
    )
    assert page.locator("#national_id").get_attribute("aria-invalid") == "true"
    context.close()


def test_a_device_that_has_not_sent_for_longer_than_the_setting_warns_loudly(
    server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Qin Yu", "Female", "1951")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    warn_days = 7  # the site's offline_warn_days default
    page.evaluate(SET_LAST_SYNC, days_ago(warn_days - 1))
    page.reload()
    unlock(page)
    expect_waiting(page, "1 person waiting to send")
    # The warning is decided after the summary is drawn; the first sync's answer comes after.
    expect(page.locator("#sync-message")).to_contain_text("No connection")
    expect(page.locator("#stale")).to_be_hidden()
    page.evaluate(SET_LAST_SYNC, days_ago(warn_days + 1))
    page.reload()
    unlock(page)
    stale = page.locator("#stale")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text(f"has not sent its records for {warn_days + 1} days")
    assert stale.get_attribute("role") == "alert"
    context.close()


def test_signing_out_with_unsent_records_never_discards_them(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "He Ping", "Male", "1946")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    dialog = page.locator("#sign-out-dialog")

    page.locator("#sign-out").click()
    expect(dialog).to_contain_text("1 person waiting to send. What should happen to them?")
    expect(page.locator("#sign-out-refused")).to_be_hidden()  # nothing was refused
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect_waiting(page, "1 person waiting to send")

    # "Send them now" with no connection: nothing can go, so the screener stays signed in.
    page.locator("#sign-out").click()
    dialog.get_by_role("button", name="Send them now").click()
    expect(page.locator("#sync-message")).to_have_text(
        "Not everything could be sent, so you are still signed in: the records stay on this device."
    )
    expect_waiting(page, "1 person waiting to send")
    assert page.url.endswith("/screener/app/")

    context.set_offline(False)  # the person goes; one the server refuses stays
    expect_waiting(page, "Nothing waiting to send.")
    register(page, "He An", "Male", "1950", phone=TOO_LONG_PHONE)
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    page.locator("#queue li[data-kind=person] .state.rejected").wait_for()
    page.locator("#sign-out").click()
    # Only a refused record is left: nothing can be sent, so nothing offers to send it.
    expect(page.locator("#sign-out-refused")).to_have_text(
        "1 record refused by the server waits on this device until it is corrected."
    )
    expect(page.locator("#sign-out-question")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Send them now")).to_be_hidden()
    dialog.get_by_role("button", name="Keep them on this device and sign out").click()
    page.wait_for_url("**/sign-in**")
    sign_in(page, "screener_a")
    unlock(page)
    expect(page.locator("#refused")).to_have_text(
        "1 record was refused: correct it below and it is sent again."
    )
    expect(page.locator("#queue li[data-kind=person]")).to_contain_text("He An")
    assert len(server_side(web, "He Ping")["people"]) == 1
    context.close()


def test_another_screener_on_the_same_phone_sees_only_how_many_records_wait_never_whose(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Song Li", "Female", "1953")
    page.locator("#screen #right_presenting_va").fill("6/60")
    page.locator("#screen #left_presenting_va").fill("6/9")
    page.locator("#screen").get_by_role("button", name="Save and triage").click()
    expect_waiting(page, "1 person, 1 screening waiting to send")
    context.clear_cookies()  # screener_a's session is gone from this browser
    context.set_offline(False)
    page.get_by_role("link", name="Sign in again").wait_for()
    page.get_by_role("link", name="Sign in again").click()
    sign_in(page, "screener_b")
    unlock(page)  # the device PIN opens the device, not another screener's records
    others = page.locator("#others")
    expect(others).to_have_text(
        "2 records of another screener are waiting on this device; "
        "they can be sent only when that screener signs in."
    )
    expect_waiting(page, "Nothing waiting to send.")
    expect(page.locator("#queue li")).to_have_count(0)
    assert "Song Li" not in page.content() and "screener_a" not in page.locator("#app").inner_text()
    # screener_b's own record goes; screener_a's stay, with nothing offered that drops them.
    # The sync message and the summary say the same before the registration as after it was
    # sent: the sync's answer is the sign it went (the summary says "waiting" until then).
    with page.expect_response(lambda answer: answer.url.endswith("/screener/app/sync")):
        register(page, "Bai Yun", "Female", "1948")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    expect_waiting(page, "Nothing waiting to send.")
    expect(page.locator("#sync-message")).to_have_text("Everything that could be sent was sent.")
    expect(others).to_contain_text("2 records of another screener")
    token = web.client().post(
        "/api/v1/auth/token", data={"username": "screener_b", "password": PASSWORD}
    )
    theirs = {**api_headers(web), "Authorization": f"Bearer {token.json()['access_token']}"}
    found = web.client().get("/api/v1/people", params={"name": "Bai Yun"}, headers=theirs)
    assert len(found.json()) == 1
    page.locator("#sign-out").click()  # nothing of screener_b's waits: no question asked
    page.wait_for_url("**/sign-in**")
    sign_in(page, "screener_a")
    unlock(page)
    expect_waiting(page, "Nothing waiting to send.")
    expect(others).to_be_hidden()
    found = server_side(web, "Song Li")
    assert len(found["people"]) == 1 and len(found["screenings"]) == 1
    context.close()


def test_a_record_the_server_refuses_shows_its_problem_in_chinese_beside_its_field(
    server: str, browser: Any
) -> None:
    context, page = online_app(browser, server)
    context.add_cookies([{"name": "lang", "value": "zh_Hans", "url": server}])
    page.goto(f"{server}/screener/app/")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-unlock button").click()
    page.locator("#new-person").click()
    form = page.locator("#register")
    form.locator("#name").fill("Lin Mei")
    form.locator("input[name=sex]").first.check()
    form.locator("#birth_year").fill("1950")
    form.locator("#phone").evaluate("input => input.removeAttribute('maxlength')")
    form.locator("#phone").fill(TOO_LONG_PHONE)  # only the server refuses it
    form.locator("button[type=submit]").click()
    page.locator("#screen [data-cancel]").click()
    refused = page.locator("#queue li[data-kind=person]")
    refused.locator(".state.rejected").wait_for()
    expect(refused.locator(".problems")).to_have_text("电话：最多填写 32 个字符。")
    assert "String should" not in refused.inner_text() and "characters" not in refused.inner_text()
    # The name is data: a browser's page translation leaves it alone; the sex is a word.
    assert "Lin Mei · 女 · 1950" in refused.inner_text()
    assert refused.locator("[translate=no]").first.inner_text() == "Lin Mei"
    refused.locator("button").click()
    expect(page.locator("#phone-error")).to_have_text("最多填写 32 个字符。")
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    # Sentences built from parts take the language's own punctuation.
    page.locator("#register [data-cancel]").click()
    page.locator("#new-person").click()
    form.locator("#name").fill("Lin Hua")
    form.locator("input[name=sex]").first.check()
    form.locator("#birth_year").fill("1952")
    context.set_offline(True)
    form.locator("button[type=submit]").click()
    page.locator("#screen #right_presenting_va").fill("6/6")
    page.locator("#screen #left_presenting_va").fill("6/6")
    page.locator("#screen button[type=submit]").click()
    expect(page.locator("#queue-summary")).to_contain_text("，")
    page.locator("#sign-out").click()
    expect(page.locator("#sign-out-question")).to_contain_text("。")
    assert ". " not in page.locator("#sign-out-question").inner_text()
    context.close()


def test_unsent_records_are_sent_when_asked_and_then_the_screener_is_signed_out(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = online_app(browser, server)
    page.route("**/screener/app/sync", lambda route: route.abort())  # the network drops
    register(page, "Fu Lan", "Female", "1945")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    expect(page.locator("#sync-message")).to_contain_text("No connection")
    expect(page.locator("#network")).to_have_text("Offline")  # the last request got no answer
    page.unroute("**/screener/app/sync")
    page.locator("#sign-out").click()
    dialog = page.locator("#sign-out-dialog")
    expect(dialog).to_contain_text("1 person waiting to send. What should happen to them?")
    dialog.get_by_role("button", name="Send them now").click()
    page.wait_for_url("**/sign-in**")
    assert len(server_side(web, "Fu Lan")["people"]) == 1
    sign_in(page, "screener_a")
    unlock(page)
    expect_waiting(page, "Nothing waiting to send.")
    context.close()


WATCH_BADGE = """() => {
  window.badgeWhenOnline = null;
  window.addEventListener('online', () => setTimeout(() => {
    window.badgeWhenOnline = document.getElementById('network').textContent;
  }, 0), { once: true });
}"""


def test_the_badge_says_online_as_soon_as_the_connection_returns(server: str, browser: Any) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Ren Jie", "Male", "1950")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    page.evaluate(WATCH_BADGE)
    context.set_offline(False)
    wait_in_page(page, "() => window.badgeWhenOnline !== null")
    # Read while the records are still being sent, not after.
    assert page.evaluate("window.badgeWhenOnline") == "Online"
    expect_waiting(page, "Nothing waiting to send.")
    context.close()


def test_a_waiting_record_is_worded_in_the_language_the_app_is_in_now(
    server: str, browser: Any
) -> None:
    """A record registered in English shows the person's sex in Chinese once the app is in
    Chinese: the label keeps its parts, worded when shown; the name stays as it was typed."""
    context, page = online_app(browser, server)
    page.route("**/screener/app/sync", lambda route: route.abort())  # the record stays queued
    register(page, "Wu Lan", "Female", "1950")
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    line = page.locator("#queue li[data-kind=person]")
    expect(line).to_contain_text("Wu Lan · Female · 1950")
    context.add_cookies([{"name": "lang", "value": "zh_Hans", "url": server}])
    page.goto(f"{server}/screener/app/")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-unlock button").click()
    expect(line).to_contain_text("Wu Lan · 女 · 1950")
    assert "Female" not in line.inner_text()
    assert line.locator("[translate=no]", has_text="Wu Lan").count() == 1  # the name is data
    context.close()
