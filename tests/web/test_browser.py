"""The whole pathway through the web UI in real Chromium (Playwright), over a real server.

The screenshots of docs/ are taken from a served demo by scripts/screenshots.py, not here.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from brightline.analytics.snapshot import take_snapshot
from brightline.chromium import CHROMIUM as CHROMIUM_PATH
from brightline.chromium import HEADLESS_FLAGS
from tests.web.conftest import PASSWORD, WebBed

CHROMIUM = Path(CHROMIUM_PATH)
pytestmark = [
    # ibis 12 calls DuckDB's deprecated fetch_arrow_table (the analytics engines' concern).
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}


@pytest.fixture(scope="module")
def server(web: WebBed) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module (Debian's; never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=list(HEADLESS_FLAGS),
        )
        yield chromium
        chromium.close()


def failed_for_real(request: Any) -> bool:
    """A request that failed, not one the browser cancelled because the page moved on (an
    in-flight favicon when a test navigates or closes the page: net::ERR_ABORTED)."""
    return request.failure != "net::ERR_ABORTED"


def follow(target: Any) -> None:
    """Click a link or a form's button and wait until the page it opens has loaded: Playwright's
    click returns once the navigation commits, while the new page may still be parsing."""
    target.click()
    target.page.wait_for_load_state()


def sign_in(browser: Any, server: str, username: str, **options: Any) -> Any:
    page = browser.new_page(**options)
    page.goto(f"{server}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))
    return page


@pytest.mark.slow
def test_the_whole_pathway_in_chromium(web: WebBed, server: str, browser: Any) -> None:
    # The screener registers and screens a person, who is referred.
    screener = sign_in(browser, server, "screener_a", viewport={"width": 360, "height": 740})
    assert screener.url.endswith("/screener")
    screener.get_by_role("link", name="Register a person").first.click()
    screener.get_by_label("Name").fill("Huang Guiying")
    screener.get_by_label("Female").check()
    screener.get_by_label("Year of birth").fill("1946")
    screener.get_by_label("Phone").fill("13912345678")
    screener.get_by_role("button", name="Register").click()
    screener.get_by_role("link", name="Record a screening").click()
    right = screener.locator("fieldset", has_text="Right eye")
    left = screener.locator("fieldset", has_text="Left eye")
    right.get_by_label("Presenting VA").fill("6/0")
    follow(screener.get_by_role("button", name="Save and triage"))
    assert screener.locator("#right_presenting_va-error").is_visible()
    right.get_by_label("Presenting VA").fill("CF 1m")
    right.get_by_label("Lens").select_option("opacity")
    left.get_by_label("Presenting VA").fill("6/60")
    left.get_by_label("Pinhole VA").fill("6/60")
    left.get_by_label("Lens").select_option("opacity")
    follow(screener.get_by_role("button", name="Save and triage"))
    assert "Online review by an eye doctor" in screener.locator("#triage-decision").inner_text()
    code = screener.locator("#referral-code").inner_text()
    pin = screener.locator("#access-pin").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code) and len(pin) == 8
    # The code's QR for the centre, and the access report's address as a QR for the patient.
    assert screener.locator(".slip-body .qr svg").count() == 1
    assert screener.locator(".qr-report svg").count() == 1
    screener.close()

    # A screener of another county cannot see the person.
    other = sign_in(browser, server, "screener_b")
    other.goto(f"{server}/screener?name=Huang")
    assert "Huang Guiying" not in other.content()
    other.close()

    # The reviewer diagnoses cataract and recommends surgery on both eyes.
    reviewer = sign_in(browser, server, "reviewer")
    follow(reviewer.get_by_role("link", name=code))
    assert "Huang Guiying" not in reviewer.content()
    reviewer.locator("fieldset", has_text="Right eye").get_by_label("ICD-10").fill("H25.1")
    reviewer.locator("fieldset", has_text="Left eye").get_by_label("ICD-10").fill("H25.1")
    reviewer.get_by_label("Cataract surgery").check()
    reviewer.locator("input[name=surgery_eyes][value=right]").check()
    reviewer.locator("input[name=surgery_eyes][value=left]").check()
    follow(reviewer.get_by_role("button", name="Save and go to the next case"))
    assert code not in reviewer.content()
    reviewer.close()

    # The centre records attendance, surgery and follow-up; the outcome is shown.
    centre = sign_in(browser, server, "surgeon")
    centre.get_by_role("link", name="Huang Guiying").click()
    centre.get_by_role("button", name="Confirm arrival").click()
    centre.locator("#operation-form input[name=eye][value=right]").check()
    centre.locator("#anaesthesia").select_option("topical")
    centre.get_by_role("button", name="Save operation").click()
    centre.get_by_label("Presenting VA").fill("6/9")
    follow(centre.get_by_role("button", name="Save follow-up"))
    assert "Good" in centre.locator("#outcome").inner_text()
    centre.close()

    # The manager's dashboard counts them, from a de-identified snapshot.
    take_snapshot(web.site)
    manager = sign_in(browser, server, "manager")
    funnel = manager.locator("#funnel").inner_text()
    assert re.search(r"Eyes operated: 1\b", funnel), funnel
    assert re.search(r"Good outcome: 1\b", funnel), funnel
    # Trends by month: the month of today's screening shows one person screened.
    trends = manager.locator("#trends")
    assert trends.locator("svg").count() == 3
    assert date.today().strftime("%Y-%m") in trends.inner_text()
    manager.close()

    # The patient sees who accessed the record, when and why.
    patient = browser.new_page()
    patient.goto(f"{server}/patient")
    patient.get_by_label("Referral code").fill(code)
    patient.get_by_label("PIN").fill(pin)
    follow(patient.get_by_role("button", name="Show my access report"))
    report = patient.locator("#access-report").inner_text()
    for phrase in (
        "registered you",
        "recorded an eye doctor's review of your case",
        "recorded your operation",
        "eye doctor (online review)",
        "surgical centre staff",
    ):
        assert phrase in report
    patient.close()


def test_chinese_ui(server: str, browser: Any) -> None:
    page = browser.new_page(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    page.goto(f"{server}/")
    assert "登录" in page.content()
    page.goto(f"{server}/sign-in")
    page.get_by_label("用户名").fill("screener_a")
    page.get_by_label("密码").fill(PASSWORD)
    follow(page.get_by_role("button", name="登录"))
    assert "登记新人员" in page.content()
    follow(page.get_by_role("link", name="English"))
    assert "Register a person" in page.content()
    page.close()


def test_keyboard_only_sign_in(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{server}/sign-in")
    page.get_by_label("Username").focus()
    page.keyboard.type("reviewer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reviewer$"))
    page.close()
