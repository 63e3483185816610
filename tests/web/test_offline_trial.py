"""What a new screener's trial of the offline app found, in real Chromium: the forms' Cancel
button visible, a refusal said as one, the correction form named as such, and a locked phone
that tells the next screener only how many records it keeps."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import CHROMIUM, browser, server
from tests.web.test_offline_browser import (
    PIN,
    TOO_LONG_PHONE,
    draft_written,
    expect_waiting,
    go_offline_after_one_sign_in,
    register,
    unlock,
)
from tests.web.test_offline_device import online_app

__all__ = ["browser", "server"]  # the module's Chromium and uvicorn fixtures, shared

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not at /usr/bin/chromium"),
    pytest.mark.slow,
]

ACCENT = "rgb(10, 90, 140)"  # brightline.css --accent, the links' colour on white


def expect_visible_cancel(form: Any) -> None:
    """The form's Cancel is shown in the links' colour on the page's white, not white on it."""
    cancel = form.locator("[data-cancel]")
    expect(cancel).to_be_visible()
    assert cancel.evaluate("button => getComputedStyle(button).color") == ACCENT
    background = "button => getComputedStyle(button).backgroundColor"
    assert cancel.evaluate(background) == "rgba(0, 0, 0, 0)"  # on the page's white


def test_cancel_is_visible_and_abandons_the_form_and_its_draft(server: str, browser: Any) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    page.get_by_role("button", name="Register a person").click()
    form = page.locator("#register")
    expect_visible_cancel(form)
    with draft_written(page, "register"):
        form.get_by_label("Name").fill("Guo Lan")  # kept as a draft as it is typed
    form.get_by_role("button", name="Cancel").click()
    expect(form).to_be_hidden()
    page.reload()
    unlock(page)
    # The summary is drawn after the drafts are restored: only then can the form's staying
    # hidden mean anything.
    expect_waiting(page, "Nothing waiting to send.")
    expect(form).to_be_hidden()  # abandoned: the draft went with it
    register(page, "Guo Lan", "Female", "1950")
    expect_visible_cancel(page.locator("#screen"))
    page.locator("#screen").get_by_role("button", name="Cancel").click()
    expect(page.locator("#screen")).to_be_hidden()
    expect_waiting(page, "1 person waiting to send")  # the registration stays
    # The header's own link-styled button keeps the header's white.
    assert page.locator("#sign-out").evaluate("b => getComputedStyle(b).color") == (
        "rgb(255, 255, 255)"
    )
    context.close()


def test_a_refusal_is_said_and_its_correction_form_is_named_in_both_languages(
    server: str, browser: Any
) -> None:
    context, page = online_app(browser, server)
    register(page, "Tang Yi", "Male", "1947", phone=TOO_LONG_PHONE)
    page.locator("#screen #right_presenting_va").fill("6/6")
    page.locator("#screen #left_presenting_va").fill("6/6")
    page.locator("#screen").get_by_role("button", name="Save and triage").click()
    refused = page.locator("#refused")
    expect(refused).to_have_text("1 record was refused: correct it below and it is sent again.")
    expect_waiting(page, "1 screening waiting to send")  # it waits for its person
    expect(page.locator("#sync-message")).to_have_text("")  # not "everything was sent"

    page.locator("#queue li[data-kind=person]").get_by_role("button", name="Correct").click()
    form = page.locator("#register")
    expect(form.locator("h2")).to_have_text("Correct the record")
    expect(form.locator("button[type=submit]")).to_have_text("Save the correction")
    expect_visible_cancel(form)
    form.get_by_label("Phone").fill("13800000002")
    form.get_by_role("button", name="Save the correction").click()
    expect_waiting(page, "Nothing waiting to send.")
    expect(refused).to_be_hidden()
    expect(page.locator("#sync-message")).to_have_text("Everything that could be sent was sent.")
    page.get_by_role("button", name="Register a person").click()
    expect(form.locator("h2")).to_have_text("Register a person")  # a new person again
    expect(form.locator("button[type=submit]")).to_have_text("Register")
    form.get_by_role("button", name="Cancel").click()

    context.add_cookies([{"name": "lang", "value": "zh_Hans", "url": server}])
    page.goto(f"{server}/screener/app/")
    page.locator("#pin").fill(PIN)
    page.locator("#pin-unlock button").click()
    context.set_offline(True)
    page.locator("#new-person").click()
    form.locator("#name").fill("Tang Mei")
    form.locator("input[name=sex]").first.check()
    form.locator("#birth_year").fill("1951")
    form.locator("#phone").evaluate("input => input.removeAttribute('maxlength')")
    form.locator("#phone").fill(TOO_LONG_PHONE)
    form.locator("button[type=submit]").click()
    page.locator("#screen #right_presenting_va").fill("6/6")
    page.locator("#screen #left_presenting_va").fill("6/6")
    page.locator("#screen button[type=submit]").click()
    expect_waiting(page, "1 人，1 次筛查等待发送")  # no space before the verb
    context.set_offline(False)
    page.locator("#send").click()
    expect(refused).to_have_text("1 条记录被拒收：请在下方更正，更正后会重新发送。")
    expect_waiting(page, "1 次筛查等待发送")
    page.locator("#queue li[data-kind=person] button").click()
    expect(form.locator("h2")).to_have_text("更正记录")
    expect(form.locator("button[type=submit]")).to_have_text("保存更正")
    context.close()


def test_a_locked_phone_says_only_how_many_records_it_keeps(server: str, browser: Any) -> None:
    context, page = go_offline_after_one_sign_in(browser, server)
    lock = page.locator("#lock-summary")
    register(page, "Zhou Ming", "Male", "1944")
    page.locator("#screen #right_presenting_va").fill("6/60")
    page.locator("#screen #left_presenting_va").fill("6/9")
    page.locator("#screen").get_by_role("button", name="Save and triage").click()
    expect_waiting(page, "1 person, 1 screening waiting to send")
    page.reload()  # the next screener picks the phone up: locked
    expect(lock).to_have_text("2 records are waiting on this device.")
    assert "person" not in lock.inner_text() and "screening" not in lock.inner_text()
    assert "Zhou Ming" not in page.locator("#lock").inner_text()
    unlock(page)  # after unlocking, the account's own queue as before
    expect_waiting(page, "1 person, 1 screening waiting to send")
    context.close()
