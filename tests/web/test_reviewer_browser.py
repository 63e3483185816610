"""The reviewer's workstation in real Chromium at 360 and 1280 px, in English and Chinese:
the triaged queue, the photo viewer (zoom, pan, brightness, contrast), sending a case back.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from brightline.chromium import wait_in_page
from tests.web.conftest import WebBed, csrf_of, submit
from tests.web.test_browser import CHROMIUM, browser, failed_for_real, follow, server, sign_in
from tests.web.test_pages import register_and_screen

__all__ = ["browser", "server"]  # the fixtures, shared with the pathway's browser test
pytestmark = [
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
LANGUAGES = {"en": "Review queue", "zh_Hans": "待阅病例"}


def _eye_photo(colour: tuple[int, int, int]) -> bytes:
    """A 1024 × 768 'eye': a grey iris with a lens-coloured pupil, enough detail to zoom."""
    image = Image.new("RGB", (1024, 768), (235, 225, 215))
    draw = ImageDraw.Draw(image)
    draw.ellipse((212, 84, 812, 684), fill=(90, 70, 60))
    draw.ellipse((387, 259, 637, 509), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _screen_with_photos(client: TestClient, person_url: str, right_va: str) -> str:
    page = client.get(f"{person_url}/screen")
    answer = client.post(
        f"{person_url}/screen",
        data={
            "right_presenting_va": right_va,
            "left_presenting_va": "6/60",
            "right_lens": "opacity",
            "left_lens": "opacity",
            "csrf_token": csrf_of(page.text),
        },
        files=[
            ("photo_right", ("r.jpg", _eye_photo((200, 200, 190)), "image/jpeg")),
            ("photo_left", ("l.jpg", _eye_photo((120, 120, 110)), "image/jpeg")),
        ],
    )
    assert answer.status_code == 201, answer.text
    code = re.search(r'id="referral-code">([A-Z0-9-]+)<', answer.text)
    assert code
    return code.group(1)


@pytest.fixture(scope="module")
def cases(web: WebBed) -> dict[str, str]:
    """A person screened twice with photos (the earlier screening beside the current one),
    and a few more cases for the queue."""
    screener = web.signed_in("screener_a")
    registered = submit(
        screener,
        "/screener/register",
        "/screener/register",
        {"name": "Browser Viewer", "sex": "female", "birth_year": "1944"},
    )
    person = registered.headers["location"]
    _screen_with_photos(screener, person, "6/36")
    code = _screen_with_photos(screener, person, "CF 1m")
    others = [register_and_screen(web, screener, f"Browser Queue {n}")["code"] for n in range(3)]
    return {"viewer": code, "other": others[0]}


class Watch:
    """Console errors and failed or missing requests of one page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: failed_for_real(r) and self.problems.append(f"failed {r.url}"),
        )
        page.on(
            "response", lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}")
        )


def _open(browser: Any, server: str, size: str, language: str) -> tuple[Any, Watch]:
    page = sign_in(browser, server, "reviewer", viewport=SIZES[size])
    page.context.add_cookies([{"name": "lang", "value": language, "url": server}])
    watch = Watch(page)
    page.goto(f"{server}/reviewer")
    return page, watch


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
def test_queue_and_viewer_in_chromium(
    browser: Any, server: str, cases: dict[str, str], size: str, language: str
) -> None:
    page, watch = _open(browser, server, size, language)
    assert page.locator("h1").inner_text() == LANGUAGES[language]
    row = page.locator("table.queue tbody tr", has_text=cases["viewer"])
    assert row.count() == 1
    assert row.locator("td").nth(6).inner_text().strip().endswith("2")  # photos
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], "the queue must not scroll sideways"
    page.locator("#code").fill(cases["other"].lower())
    follow(page.locator("form.filters button[type=submit]"))
    assert page.locator("#queue-count").inner_text() == "1"
    page.goto(f"{server}/reviewer?code={cases['viewer']}")
    follow(page.locator("table.queue tbody a").first)
    tools = page.locator("[data-viewer-tools]")
    assert tools.is_visible()  # the script ran and showed its controls
    images = page.locator(".frame img")
    assert images.count() == 2
    wait_in_page(
        page,
        "() => [...document.querySelectorAll('.frame img')].every("
        "i => i.complete && i.naturalWidth)",
    )
    assert images.first.evaluate("i => i.naturalWidth") == 1024  # full resolution
    boxes = [images.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] < boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 2
    page.locator("[data-act=in]").click()
    assert page.locator("[data-zoom-level]").inner_text() == "150%"
    transforms = [images.nth(i).evaluate("i => i.style.transform") for i in range(2)]
    assert transforms[0] == transforms[1] and "scale(1.5)" in transforms[0]
    box = page.locator(".frame").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 20)
    page.mouse.up()
    assert images.first.evaluate("i => i.style.transform") != transforms[0]  # panned
    page.locator("[data-filter=b]").fill("150")
    page.locator("[data-filter=c]").fill("180")
    assert images.last.evaluate("i => i.style.filter") == "brightness(150%) contrast(180%)"
    page.locator("[data-act=reset]").click()
    assert "scale(1)" in images.first.evaluate("i => i.style.transform")
    assert page.locator(".earlier .photos img").count() == 2  # the earlier screening's photos
    assert watch.problems == []
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize(("size", "language"), [("phone", "zh_Hans"), ("desktop", "en")])
def test_sending_a_case_back_in_chromium(
    web: WebBed, browser: Any, server: str, size: str, language: str
) -> None:
    code = register_and_screen(web, web.signed_in("screener_a"), f"Browser Back {size}")["code"]
    page, watch = _open(browser, server, size, language)
    page.goto(f"{server}/reviewer?code={code}")
    follow(page.locator("table.queue tbody a").first)
    page.locator("details.send-back summary").click()
    page.locator("input[name=return_reason][value=ungradable_photo]").check()
    page.locator("#return_note").fill("Out of focus")
    follow(page.locator("#send-back button[type=submit]"))
    confirmation = page.locator("[role=status]").first.inner_text()
    assert code in confirmation
    assert page.locator("#queue-count").count() == 0 or code not in page.content()
    page.goto(f"{server}/reviewer?code={code}")
    assert page.locator("#queue-count").inner_text() == "0"
    assert watch.problems == []
    page.close()
