"""The offline screener app in real Chromium: device rules against the server's vectors, and
a day of screening with no connection, sent once when the connection returns."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from brightline.chromium import wait_in_page
from tests.conftest import PASSWORD
from tests.web.conftest import WebBed
from tests.web.test_browser import CHROMIUM, browser, follow, server

__all__ = ["browser", "server"]  # the module's Chromium and uvicorn fixtures, shared

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not at /usr/bin/chromium")
VECTORS = Path(__file__).with_name("device_vectors.json")
PIN = "246810"
# A phone the device lets through (10 digits, written as a phone is) but longer than the
# server's 32 characters: only the server refuses it, so the record reaches the server.
TOO_LONG_PHONE = "0871" + " " * 25 + "234 567"

COMPARE = """async (table) => {
  const { acuityReader, AcuityError } = await import('/static/offline/acuity.js');
  const { triage } = await import('/static/offline/triage.js');
  const { entryProblems, registrationProblems } = await import('/static/offline/entry.js');
  const canon = (v) => JSON.stringify(v, (k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x);
  const wrong = [];
  const readers = {};
  for (const [name, rules] of Object.entries(table.rule_sets)) {
    readers[name] = acuityReader(rules.acuity);
  }
  for (const vector of table.va) {
    let got;
    try { got = readers.default.parse(vector.text); }
    catch (error) { if (!(error instanceof AcuityError)) throw error; got = { error: error.code }; }
    if (canon(got) !== canon(vector.expect)) wrong.push({ vector, got });
  }
  for (const vector of table.triage) {
    const reader = readers[vector.rules];
    const va = (text) => (text === null ? null : reader.parse(text));
    const input = vector.input;
    const eye = (side) => ({ presenting: va(input[side + '_presenting_va']),
      pinhole: va(input[side + '_pinhole_va']), lens: input[side + '_lens'],
      untestable: input[side + '_untestable'] });
    const findings = { right: eye('right'), left: eye('left'), symptoms: input.symptoms };
    const got = { ...triage(findings, table.rule_sets[vector.rules]),
      who_category: reader.personCategory(findings.right.presenting, findings.left.presenting),
      h54: reader.h54(findings.right.presenting, findings.left.presenting) };
    if (canon(got) !== canon(vector.expect)) wrong.push({ vector, got });
  }
  for (const vector of table.entry) {
    const reasons = table.rule_sets.default.vocabulary.untestable;
    const got = entryProblems(vector.input, readers.default, reasons).problems;
    if (canon(got) !== canon(vector.expect)) wrong.push({ vector, got });
  }
  for (const vector of table.registration) {
    const got = registrationProblems(vector.input, vector.this_year);
    if (canon(got) !== canon(vector.expect)) wrong.push({ vector, got });
  }
  return wrong;
}"""


@pytest.mark.slow
def test_the_device_reads_va_and_triages_exactly_like_the_server(server: str, browser: Any) -> None:
    table = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert len(table["va"]) > 400 and len(table["triage"]) > 1000 and len(table["entry"]) > 300
    assert len(table["registration"]) > 40
    page = browser.new_page()
    page.goto(f"{server}/sign-in")
    wrong = page.evaluate(COMPARE, table)
    assert wrong == [], json.dumps(wrong[:5], indent=1)
    page.close()


def camera_photo() -> bytes:
    """A phone-camera-sized JPEG (2400 x 1800), for the device to make smaller."""
    out = io.BytesIO()
    Image.effect_noise((2400, 1800), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def api_headers(web: WebBed) -> dict[str, str]:
    token = web.client().post(
        "/api/v1/auth/token", data={"username": "screener_a", "password": PASSWORD}
    )
    return {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "X-Purpose-Of-Use": "treatment",
    }


def server_side(web: WebBed, name: str) -> dict[str, Any]:
    """What the server holds for people of that name: through the API, as any client sees it."""
    client, headers = web.client(), api_headers(web)
    people = client.get("/api/v1/people", params={"name": name}, headers=headers).json()
    found: dict[str, Any] = {"people": people, "screenings": [], "photos": []}
    for person in people:
        url = f"/api/v1/people/{person['id']}/screenings"
        found["screenings"] += client.get(url, headers=headers).json()
    for screening in found["screenings"]:
        url = f"/api/v1/screenings/{screening['id']}/images"
        found["photos"] += client.get(url, headers=headers).json()
    return found


def unlock(page: Any) -> None:
    page.get_by_label("Device PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.locator("#app").wait_for()


def register(page: Any, name: str, sex: str, year: str, phone: str = "") -> None:
    page.get_by_role("button", name="Register a person").click()
    form = page.locator("#register")
    form.get_by_label("Name").fill(name)
    form.get_by_label(sex, exact=True).check()
    form.get_by_label("Year of birth").fill(year)
    if phone:
        # Longer than the field allows: only the server refuses it (the input's maxlength
        # is lifted, as an older cached page or a pasted value would).
        form.locator("#phone").evaluate("input => input.removeAttribute('maxlength')")
        form.locator("#phone").fill(phone)
    form.get_by_role("button", name="Register").click()
    page.locator("#screen").wait_for()


def screen(page: Any, right: str, left: str, lens: str, photo: bytes | None = None) -> str:
    form = page.locator("#screen")
    form.locator("#right_presenting_va").fill(right)
    form.locator("#right_lens").select_option(lens)
    form.locator("#left_presenting_va").fill(left)
    form.locator("#left_pinhole_va").fill(left)
    form.locator("#left_lens").select_option(lens)
    if photo is not None:
        form.locator("#photo_right").set_input_files(
            {"name": "eye.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
    form.get_by_role("button", name="Save and triage").click()
    decision: str = page.locator("#device-decision").inner_text()
    return decision


# The nonce of a form's stored draft (AES-GCM takes a fresh one per write, vault.js), or null.
DRAFT_NONCE = """async () => {
  const { Vault } = await import('/static/offline/vault.js');
  const vault = await Vault.open();
  const row = (await vault.rows()).find((r) => r.uuid === %s);
  vault.db.close();
  return row ? Array.from(row.sealed.iv).join(',') : null;
}"""


@contextmanager
def draft_written(page: Any, form: str, account: str = "screener_a") -> Iterator[None]:
    """Until the form's draft is written anew: the app saves it on each input, encrypting first,
    so the write lands a moment after the keystroke (a reload before it would find none)."""
    nonce = DRAFT_NONCE % json.dumps(f"draft-{form}-{account}")
    before = page.evaluate(nonce)
    yield
    wait_in_page(page, f"async () => (await ({nonce})()) !== {json.dumps(before)}")


def expect_waiting(page: Any, text: str) -> None:
    """The queue's summary line, once the app has drawn it (a sync's round trips may take a
    while on a loaded machine: the tests check what is sent, not how fast)."""
    expect(page.locator("#queue-summary")).to_have_text(text, timeout=15_000)


def go_offline_after_one_sign_in(browser: Any, server: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.on("pageerror", lambda e: print("PAGEERROR", e))
    page.goto(f"{server}/sign-in?next=/screener/app/")
    page.get_by_label("Username").fill("screener_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("New PIN (at least 6 digits)").fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    page.locator("#app").wait_for()
    wait_in_page(page, "() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    unlock(page)
    assert page.locator("#network").inner_text() == "Offline"
    return context, page


@pytest.mark.slow
def test_a_day_offline_is_sent_once_when_the_connection_returns(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Ma Xiuying", "Female", "1947")
    assert screen(page, "CF 1m", "6/60", "opacity", camera_photo()) == (
        "Online review by an eye doctor"
    )
    assert "Provisional" in page.locator("#result").inner_text()
    # A year of birth the server would refuse is refused on the device, beside its field.
    page.get_by_role("button", name="Register a person").click()
    page.locator("#register").get_by_label("Male", exact=True).check()
    page.locator("#register").get_by_label("Year of birth").fill("1850")
    page.locator("#register").get_by_role("button", name="Register").click()
    low, high = date.today().year - 120, date.today().year
    expect(page.locator("#birth_year-error")).to_have_text(f"Give a year from {low} to {high}.")
    # So is a phone no one could call (5 to 15 digits, ITU-T E.164), beside its own field.
    page.locator("#register").get_by_label("Year of birth").fill("1950")
    page.locator("#register").get_by_label("Phone").fill("banana")
    page.locator("#register").get_by_role("button", name="Register").click()
    expect(page.locator("#phone-error")).to_have_text(
        "Write the phone number with 5 to 15 digits; spaces, hyphens, dots, brackets and "
        "a leading + are allowed."
    )
    expect(page.locator("#birth_year-error")).to_be_hidden()
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    page.locator("#register").get_by_role("button", name="Cancel").click()
    register(page, "Guo Ming", "Male", "1950", phone=TOO_LONG_PHONE)  # the server refuses the phone
    assert screen(page, "6/6", "6/6", "clear") == "No referral needed"
    page.reload()
    unlock(page)
    expect_waiting(page, "2 people, 2 screenings, 1 photo waiting to send")
    # After a reload each queued screening still shows the device's provisional triage, and
    # a photo says whose it is.
    screenings = page.locator("#queue li[data-kind=screening]")
    expect(screenings.first).to_contain_text("Provisional: Online review by an eye doctor")
    expect(screenings.nth(1)).to_contain_text("Provisional: No referral needed")
    expect(page.locator("#queue li[data-kind=photo]")).to_contain_text(
        "Photo: Ma Xiuying · Female · 1947, Right eye"
    )

    # A half-filled form is a draft: a reload finds it where it was left.
    page.get_by_role("button", name="Register a person").click()
    with draft_written(page, "register"):
        page.locator("#register").get_by_label("Name").fill("Draft Person")
    page.reload()
    unlock(page)
    # The drafts are restored after the app is shown: a waiting assertion, not a plain read.
    expect(page.locator("#register").get_by_label("Name")).to_have_value("Draft Person")
    page.locator("#register").get_by_role("button", name="Cancel").click()

    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data) if r.url.endswith("/screener/app/sync") else None,
    )
    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    refused = page.locator("#queue li[data-kind=person]")
    refused.locator(".state.rejected").wait_for()
    expect(refused.locator(".problems")).to_have_text("Phone: Write at most 32 characters.")
    assert "String should" not in refused.inner_text()
    expect_waiting(page, "1 screening waiting to send")  # the refused person waits to be corrected
    expect(page.locator("#refused")).to_have_text(
        "1 record was refused: correct it below and it is sent again."
    )

    first = server_side(web, "Ma Xiuying")
    assert len(first["people"]) == 1 and len(first["screenings"]) == 1
    assert first["screenings"][0]["triage"]["decision"] == "review"
    assert first["screenings"][0]["referral"] is not None
    assert len(first["photos"]) == 1
    assert (first["photos"][0]["width"], first["photos"][0]["height"]) == (1600, 1200)
    assert server_side(web, "Guo Ming")["people"] == []

    # Corrected and sent again: the person, then the screening that waited for them.
    refused.get_by_role("button", name="Correct").click()
    expect(page.locator("#phone-error")).to_have_text("Write at most 32 characters.")
    page.locator("#register").get_by_label("Phone").fill("0871 555 0199")
    page.locator("#register").get_by_label("Year of birth").fill("1951")
    page.locator("#register").get_by_role("button", name="Save the correction").click()
    expect_waiting(page, "Nothing waiting to send.")
    # The screening that waited went with the corrected year, and says so in "Sent".
    expect(page.locator("#sent li").first).to_have_text(
        "Guo Ming · Male · 1951: No referral needed"
    )
    second = server_side(web, "Guo Ming")
    assert len(second["people"]) == 1 and len(second["screenings"]) == 1
    assert second["people"][0]["birth_year"] == 1951
    assert second["screenings"][0]["referral"] is None

    # Re-sending every batch the device sent changes nothing.
    for body in list(sent):  # the re-sends below are requests too
        status = page.evaluate(
            """async (body) => {
                const session = await (await fetch('/screener/app/session')).json();
                const r = await fetch('/screener/app/sync', {method: 'POST', body,
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf}});
                return r.status;
            }""",
            body,
        )
        assert status == 200
    assert server_side(web, "Ma Xiuying") == first
    assert len(server_side(web, "Guo Ming")["screenings"]) == 1

    # The slip's code opens the patient's access report.
    page.get_by_role("link", name=re.compile("Referral slip")).click()
    follow(page.get_by_role("button", name="New PIN"))
    code = page.locator("#referral-code").inner_text()
    pin = page.locator("#access-pin").inner_text()
    patient = browser.new_page()
    patient.goto(f"{server}/patient")
    patient.get_by_label("Referral code").fill(code)
    patient.get_by_label("PIN").fill(pin)
    follow(patient.get_by_role("button", name="Show my access report"))
    assert "registered you" in patient.locator("#access-report").inner_text()
    patient.close()
    context.close()


@pytest.mark.slow
def test_an_ended_session_keeps_the_records_until_the_screener_signs_in_again(
    web: WebBed, server: str, browser: Any
) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    register(page, "Yao Shufen", "Female", "1952")
    screen(page, "6/18", "6/24", "clear")
    # The session ends on the server (revoked, as at expiry) while the device is offline.
    token = next(c["value"] for c in context.cookies() if c["name"] == "brightline_session")
    web.client().post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    page.get_by_role("link", name="Sign in again").wait_for()
    assert "Sign in again" in page.locator("#sync-message").inner_text()
    # Signed out, and it looks it: no account in the header, a way to sign in.
    expect(page.locator("#who")).to_have_text("Signed out")
    expect(page.locator("#sign-in-link")).to_be_visible()
    expect(page.locator("#sign-out")).to_be_hidden()
    expect_waiting(page, "1 person, 1 screening waiting to send")
    assert server_side(web, "Yao Shufen")["people"] == []
    page.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Username").fill("screener_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    unlock(page)
    expect_waiting(page, "Nothing waiting to send.")
    assert len(server_side(web, "Yao Shufen")["screenings"]) == 1
    context.close()
