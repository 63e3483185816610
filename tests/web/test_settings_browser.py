"""The admin changes the follow-up window on the admin page in real Chromium, at phone width,
and the surgical centre's next follow-up is judged by the new window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import WebBed, submit
from tests.web.test_browser import CHROMIUM, browser, follow, server
from tests.web.test_entry_pages import _operated_today
from tests.web.test_workstations_browser import Watched

__all__ = ["browser", "server"]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"
)


def _follow_up_tomorrow(web: WebBed, name: str) -> tuple[str, bool]:
    """A right eye operated today and seen again tomorrow (day 1): its page and the flag."""
    centre, url, action, _ = _operated_today(web, name)
    tomorrow = (web.site.today() + timedelta(days=1)).isoformat()
    visit = {"referral_id": url.rsplit("/", 1)[1], "examined_on": tomorrow, "presenting_va": "6/9"}
    saved = submit(centre, url, action, visit)
    assert saved.status_code == 303, saved.text
    return url, 'id="outside-window"' in centre.get(saved.headers["location"]).text


def test_a_new_follow_up_window_set_on_the_phone_counts_the_next_follow_up(
    web: WebBed, server: str, browser: Any
) -> None:
    before_url, flagged_before = _follow_up_tomorrow(web, "Window Before")
    assert flagged_before  # day 1 is outside 28 to 84 days
    watched = Watched(browser, "phone")
    watched.sign_in(server, "en", "admin", ADMIN_PASSWORD)
    page = watched.page
    page.goto(f"{server}/admin#settings")
    page.get_by_label("Follow-up window: first day after surgery").fill("1")
    page.get_by_label("Why this change").fill("Day-one checks count for this outreach camp")
    follow(page.get_by_role("button", name="Save the settings"))
    history = page.locator("#settings-version-1").inner_text()
    assert "Follow-up window: first day after surgery: 1" in history
    assert "Day-one checks count" in history
    watched.fits()
    after_url, flagged_after = _follow_up_tomorrow(web, "Window After")
    assert not flagged_after
    watched.sign_in(server, "en", "surgeon")
    page.goto(f"{server}{after_url}")
    assert page.locator("text=outside the follow-up window").count() == 0
    page.goto(f"{server}{before_url}")
    assert page.locator("text=outside the follow-up window").count() == 1
    watched.fits()
    watched.close()
