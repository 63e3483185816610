"""The manager's, patient's, privacy officer's and admin's pages in real Chromium, at phone
and desktop width, in English and Chinese: no console error, no missing asset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brightline.analytics.snapshot import take_snapshot
from brightline.store.analytics_models import SnapshotJob
from tests.conftest import ADMIN_PASSWORD, PASSWORD
from tests.web.conftest import WebBed
from tests.web.test_browser import CHROMIUM, SIZES, browser, failed_for_real, server
from tests.web.test_pages import register_and_screen

__all__ = ["browser", "server"]  # the module's fixtures, shared with the pathway test
pytestmark = [
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]
CASES = [(size, language) for size in SIZES for language in ("en", "zh_Hans")]
WORDS = {
    "en": {"sign_in": "Sign in", "username": "Username", "password": "Password"},
    "zh_Hans": {"sign_in": "登录", "username": "用户名", "password": "密码"},
}


class Watched:
    """A page whose console errors and failed or missing requests are collected."""

    def __init__(self, browser: Any, size: str) -> None:
        width, height = SIZES[size]
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        self.page.on(
            "requestfailed",
            lambda r: failed_for_real(r) and self.problems.append(f"failed: {r.url}"),
        )
        self.page.on(
            "response",
            lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status == 404 else None,
        )

    def sign_in(self, server: str, language: str, username: str, password: str = PASSWORD) -> None:
        words = WORDS[language]
        self.page.goto(f"{server}/lang/{language}?next=/sign-in")
        self.page.get_by_label(words["username"]).fill(username)
        self.page.get_by_label(words["password"]).fill(password)
        self.page.get_by_role("button", name=words["sign_in"]).click()
        self.page.wait_for_load_state()

    def fits(self) -> None:
        """Nothing wider than the screen except inside a scrolling box."""
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow}px wider than the screen"

    def close(self) -> None:
        self.page.close()
        assert self.problems == [], self.problems


@pytest.fixture(scope="module")
def case(web: WebBed) -> dict[str, Any]:
    """A person screened and referred, in the snapshot the dashboard reads."""
    found = register_and_screen(web, web.signed_in("screener_a"), "Browser Person")
    take_snapshot(web.site)
    return found


@pytest.mark.parametrize(("size", "language"), CASES)
def test_the_manager_dashboard(
    case: dict[str, Any], server: str, browser: Any, size: str, language: str
) -> None:
    watched = Watched(browser, size)
    watched.sign_in(server, language, "manager")
    page = watched.page
    assert page.url.endswith("/manager")
    cards = page.locator("#indicator-cards").inner_text()
    assert ("People screened" if language == "en" else "筛查人数") in cards
    assert page.locator("figure.chart-figure figcaption").count() >= 6
    assert page.locator("#trends svg").count() == 3
    assert not re.search(r"(Category|类别) ?\d", page.locator("#vi-chart").inner_html())
    region_table = page.locator("#region-table").inner_text()
    assert "County A" in region_table
    # Choose a county: its townships by name.
    page.locator("#region").select_option("CA")
    page.locator("#filters button").click()
    page.wait_for_load_state()
    assert "Township A" in page.locator("#region-table").inner_text()
    watched.fits()
    watched.close()


def test_a_snapshot_taken_from_the_page_shows_its_progress(
    web: WebBed, case: dict[str, Any], server: str, browser: Any
) -> None:
    watched = Watched(browser, "phone")
    watched.sign_in(server, "en", "manager")
    page = watched.page
    before = page.locator("#snapshot-taken").inner_text()
    take = page.get_by_role("button", name="Take a new snapshot now")
    take.click()
    page.wait_for_load_state()
    # The page refreshes itself (every 3 s) while the job runs, until it is done. The button
    # comes back only on a page drawn once the job has ended: waited for, as no count of the
    # progress line can be (a count during a refresh reads an unparsed or no page as 0).
    expect(take).to_be_visible(timeout=60_000)
    with web.site.transaction() as session:
        job = session.scalars(select(SnapshotJob).order_by(SnapshotJob.id.desc())).first()
        assert job is not None and job.state == "done", (job.state, job.message) if job else None
    assert page.locator("#snapshot-progress").count() == 0
    # The time is shown to the minute: the new snapshot is the job's, taken after the old.
    assert before.startswith("Figures from the snapshot taken")
    shown = page.locator("#snapshot-taken").inner_text()
    assert job.started_at and job.finished_at
    assert any(t.strftime("%H:%M") in shown for t in (job.started_at, job.finished_at)), shown
    assert take.is_visible()
    watched.close()


@pytest.mark.parametrize(("size", "language"), CASES)
def test_the_patient_access_report(
    case: dict[str, Any], server: str, browser: Any, size: str, language: str
) -> None:
    watched = Watched(browser, size)
    page = watched.page
    page.goto(f"{server}/lang/{language}?next=/patient?code={case['code']}")
    assert page.locator("#code").input_value() == case["code"]  # the slip's QR fills it in
    page.locator("#pin").fill(case["pin"])
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator("#access-summary").inner_text()
    expected = "Your record was opened" if language == "en" else "您的记录被打开了"
    assert summary.startswith(expected), summary
    assert page.locator("#access-report > li").count() >= 1
    watched.fits()
    watched.close()


@pytest.mark.parametrize(("size", "language"), CASES)
def test_the_privacy_page(server: str, browser: Any, size: str, language: str) -> None:
    watched = Watched(browser, size)
    watched.sign_in(server, language, "privacy")
    page = watched.page
    transparency = page.locator("#transparency").inner_text()
    assert ("Treatment" if language == "en" else "治疗") in transparency
    assert "treatment" not in transparency
    assert page.locator("#by-action tbody tr").count() >= 1
    watched.fits()
    watched.close()


@pytest.mark.parametrize(("size", "language"), CASES)
def test_the_admin_creates_an_account_and_its_holder_sets_a_password(
    server: str, browser: Any, size: str, language: str
) -> None:
    username = f"br_{size}_{language.lower()}"
    admin = Watched(browser, size)
    admin.sign_in(server, language, "admin", ADMIN_PASSWORD)
    page = admin.page
    assert page.locator("#settings").is_visible()
    page.locator("#new-username").fill(username)
    page.locator("#new-role").select_option("manager")
    page.locator("#new-scope").select_option("region:P1")
    page.locator("#new-account button").click()
    page.wait_for_load_state()
    code = page.locator("#one-time-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code), code
    admin.fits()
    admin.close()

    holder = Watched(browser, size)
    page = holder.page
    page.goto(f"{server}/lang/{language}?next=/sign-in")
    page.locator("a[href='/reset-password']").click()
    page.locator("#username").fill(username)
    page.locator("#code").fill(code)
    page.locator("#new").fill("a phrase only I know well")
    page.locator("#again").fill("a phrase only I know well")
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#password-changed").is_visible()
    holder.close()
    signed = Watched(browser, size)
    signed.sign_in(server, language, username, "a phrase only I know well")
    assert signed.page.url.endswith("/manager")
    signed.close()
