"""Releases in real Chromium at phone width: proposed, approved and read by anyone, in English
and Chinese.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from brightline.api.app import create_app
from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.conftest import PASSWORD
from tests.releases.conftest import PREFIX
from tests.web.test_browser import CHROMIUM, browser, follow  # noqa: F401

pytestmark = [
    pytest.mark.filterwarnings(DUCKDB_DEPRECATION),
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def server(release_site: Site) -> Iterator[str]:
    """The app over the demo copy, served by uvicorn on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(release_site), host="127.0.0.1", port=port, log_level="warning"
    )
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


def signed_in(browser: Any, server: str, username: str) -> Any:  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server}/sign-in")
    page.get_by_label("Username").fill(PREFIX + username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def fits_the_phone(page: Any) -> bool:
    """Nothing wider than the screen but what scrolls inside its own box (the tables)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.slow
def test_a_release_proposed_approved_and_read_at_phone_width(
    server: str,
    browser: Any,  # noqa: F811
) -> None:
    manager = signed_in(browser, server, "manager")
    manager.goto(f"{server}/manager/releases")
    manager.get_by_label("Title").fill("First half of 2025")
    manager.get_by_label("Figures by").select_option("county")
    manager.get_by_label("From (first day)").fill("2025-01-01")
    manager.get_by_label("To (the day after the last)").fill("2025-07-01")
    follow(manager.get_by_role("button", name="Propose"))
    # Every problem at once: no ε given for any table.
    assert manager.locator("#tables-error").is_visible()
    manager.get_by_label("People screened, by the WHO category").fill("0.5")
    manager.get_by_label("People referred, by whether").fill("0.5")
    manager.get_by_label("Eyes operated").fill("0.5")
    follow(manager.get_by_role("button", name="Propose"))
    assert "Waiting for a decision" in manager.locator("#releases").inner_text()
    assert fits_the_phone(manager)
    manager.close()

    privacy = signed_in(browser, server, "privacy")
    privacy.goto(f"{server}/privacy/releases")
    follow(privacy.get_by_role("button", name="Approve and publish"))
    assert "No release waiting for a decision." in privacy.locator("#waiting").inner_text()
    assert "0.50" in privacy.locator("#ledger").inner_text()
    privacy.close()

    reader = browser.new_page(viewport=PHONE)
    reader.goto(f"{server}/")
    reader.get_by_role("link", name="Published figures").click()
    follow(reader.get_by_role("link", name="First half of 2025"))
    noise = reader.locator("#table-screened .within").inner_text()
    assert "within ±" in noise and "of the true count 95% of the time" in noise
    assert "ε = 1.50" in reader.locator("#noise").inner_text()
    assert reader.locator("#table-screened tbody tr").count() >= 2
    assert fits_the_phone(reader)
    url = reader.url
    reader.close()

    chinese = browser.new_page(
        viewport=PHONE, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}
    )
    chinese.goto(url)
    assert "的时候与真实计数相差不超过 ±" in chinese.locator("#table-screened .within").inner_text()
    assert "差分隐私" in chinese.locator("#noise").inner_text()
    assert fits_the_phone(chinese)
    follow(chinese.get_by_role("link", name="English"))
    assert "What these figures are" in chinese.content()
    chinese.close()
