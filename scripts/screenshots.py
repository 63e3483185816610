"""Take every screenshot of docs/ui.md and README.md from a served demo, in real Chromium.

The pictures show the demo as a programme would see it (100,000 people by default): the demo
is built (or reused with ``--home``), served by ``brightline serve`` on a free loopback port,
and each role signs in with the demo's accounts file. What the demo lacks (a case with eye
photos, a published release, a record the server refuses) is made through the app's own
pages first, as its users would. Pages are found by URL, role and label only.

    python scripts/screenshots.py                      # a fresh 100,000-person demo
    python scripts/screenshots.py --people 300         # a small one, to try the script
    python scripts/screenshots.py --home ./demo-data   # reuse (or build into) this directory
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from brightline.chromium import CHROMIUM as CHROMIUM_PATH
from brightline.chromium import HEADLESS_FLAGS, wait_in_page
from brightline.demo import read_accounts, read_marker
from brightline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path(CHROMIUM_PATH)
CHROMIUM_FLAGS = list(HEADLESS_FLAGS)
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}
MAX_BYTES = 250_000
# The two demo accounts of the screener's clinic and of a clinic in another county (docs/demo.md).
SCREENER = "screener-shuikou"
OTHER_SCREENER = "screener-shangba"
SURGEON = "surgeon-baihe"
# A national ID the other clinic registers first, so the offline app's copy is refused.
TAKEN_NATIONAL_ID = "DEMO-900000001"
OFFLINE_PIN = "246810"


@dataclass(frozen=True)
class Shot:
    """One picture: its file stem, who signs in (None: nobody), the page, and where it shows."""

    name: str
    username: str | None
    url: str
    sizes: tuple[str, ...] = ("phone", "desktop")
    language: str = "en"


@dataclass
class Demo:
    """The served demo: its address, the accounts' passwords and the state made for the shots."""

    server: str
    passwords: dict[str, str]
    as_of: date
    case_code: str = ""
    patient_code: str = ""
    patient_pin: str = ""
    release_url: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def brightline(home: Path, *arguments: str) -> list[str]:
    """The CLI of this virtual environment, on the demo's data directory."""
    return [str(Path(sys.executable).with_name("brightline")), "--home", str(home), *arguments]


def build(home: Path, people: int, seed: int) -> None:
    """Build the demo and its first snapshot exactly as ``make demo`` does, without serving."""
    if read_marker(Settings(home=home)) is not None:
        print(f"reusing the demo in {home}")
        return
    started = time.perf_counter()
    command = brightline(home, "demo", "--people", str(people), "--seed", str(seed), "--no-serve")
    # Our own CLI with arguments this script made, never a shell.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    print(f"built a demo of {people:,} people in {time.perf_counter() - started:.0f} s")


@contextmanager
def served(home: Path) -> Iterator[str]:
    """``brightline serve`` on a free loopback port, stopped when the shots are taken; its
    log goes to server.log beside the data directory."""
    port = free_port()
    log = (home.parent / "server.log").open("w")
    command = brightline(home, "serve", "--port", str(port))
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{address}/sign-in", timeout=5):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the demo server did not start: see {log.name}") from None
                time.sleep(0.3)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def save_png(picture: bytes, path: Path) -> None:
    """Write a screenshot losslessly optimised, in 256 colours only if it would be too big."""
    image = Image.open(io.BytesIO(picture))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() > MAX_BYTES:
        out = io.BytesIO()
        image.convert("RGB").quantize(256).save(out, "PNG", optimize=True)
    path.write_bytes(out.getvalue())
    print(f"{path.name}  {out.tell() / 1024:.0f} KB")


def eye_photo(opacity: int, seed: int) -> bytes:
    """A synthetic anterior-segment photo (sclera, iris, a lens as grey as ``opacity``), with
    enough texture to be worth zooming; never a real patient's eye."""
    draw_random = random.Random(seed)
    width, height = 1600, 1200
    image = Image.new("RGB", (width, height), (196, 150, 130))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 250, 1450, 950), fill=(236, 228, 222))  # the open eye and its sclera
    for _ in range(40):  # conjunctival vessels
        x, y = draw_random.randint(200, 1400), draw_random.randint(330, 870)
        draw.line(
            (x, y, x + draw_random.randint(-90, 90), y + draw_random.randint(-40, 40)),
            fill=(200, 90, 90),
            width=2,
        )
    centre, radius = (800, 600), 330
    draw.ellipse(_box(centre, radius), fill=(92, 70, 52))
    for _ in range(400):  # iris crypts and fibres
        angle = draw_random.uniform(0, 6.283)
        inner, outer = draw_random.uniform(130, 200), draw_random.uniform(230, radius)
        shade = draw_random.randint(50, 130)
        draw.line(
            (_polar(centre, inner, angle), _polar(centre, outer, angle)),
            fill=(shade + 20, shade, shade - 30),
            width=2,
        )
    draw.ellipse(_box(centre, 140), fill=(opacity, opacity, opacity - 10))
    draw.ellipse(_box((740, 540), 28), fill=(250, 250, 250))  # the flash's reflex
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _box(centre: tuple[int, int], radius: int) -> tuple[int, int, int, int]:
    return (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)


def _polar(centre: tuple[int, int], distance: float, angle: float) -> tuple[float, float]:
    import math

    return (centre[0] + distance * math.cos(angle), centre[1] + distance * math.sin(angle))


class Browser:
    """One Chromium and a signed-in context per account and screen size."""

    def __init__(self, chromium: Any, demo: Demo) -> None:
        self.chromium = chromium
        self.demo = demo
        self.contexts: dict[tuple[str | None, str], Any] = {}

    def page(self, username: str | None, size: str = "phone", language: str = "en") -> Any:
        """A new page of that account (signed in once per size), in that language."""
        key = (username, size)
        if key not in self.contexts:
            width, height = SIZES[size]
            context = self.chromium.new_context(viewport={"width": width, "height": height})
            self.contexts[key] = context
            if username is not None:
                self._sign_in(context.new_page(), username)
        context = self.contexts[key]
        context.add_cookies([{"name": "lang", "value": language, "url": self.demo.server}])
        return context.new_page()

    def _sign_in(self, page: Any, username: str) -> None:
        page.goto(f"{self.demo.server}/lang/en?next=/sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(self.demo.passwords[username])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if "/sign-in" in page.url:
            raise SystemExit(f"{username} could not sign in with the demo's accounts file")
        page.close()

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def register_and_screen(page: Any, server: str, name: str, photos: bool) -> tuple[str, str]:
    """The screener registers a person and records a referable screening (with both eyes'
    photos if asked); returns the referral code and the patient's PIN from the slip."""
    page.goto(f"{server}/screener/register")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Female").check()
    page.get_by_label("Year of birth").fill("1946")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("link", name="Record a screening").click()
    for eye, va, grey in (("Right eye", "CF 1m", 205), ("Left eye", "6/60", 150)):
        fields = page.locator("fieldset", has_text=eye)
        fields.get_by_label("Presenting VA").fill(va)
        fields.get_by_label("Pinhole VA").fill(va)
        fields.get_by_label("Lens").select_option("opacity")
        if photos:
            picture = {"name": "eye.jpg", "mimeType": "image/jpeg", "buffer": eye_photo(grey, grey)}
            fields.get_by_label("Eye photo").set_input_files(picture)
    page.get_by_role("button", name="Save and triage").click()
    code: str = page.locator("#referral-code").inner_text()
    pin: str = page.locator("#access-pin").inner_text()
    return code, pin


def prepare_case(browser: Browser) -> None:
    """A screening with both eyes' photos, for the reviewer's photo viewer (its slip's code and
    PIN open the access report if the clinic's worklist is empty, as in a small demo)."""
    demo, page = browser.demo, browser.page(SCREENER)
    code, pin = register_and_screen(page, demo.server, "Wang Xiulan", True)
    demo.case_code, demo.patient_code, demo.patient_pin = code, code, pin
    page.close()


def prepare_patient(browser: Browser) -> None:
    """A new PIN for the first person on the clinic's follow-up worklist, as the screener
    gives it at the person's request, so the access report shows a year of the demo."""
    server, page = browser.demo.server, browser.page(SCREENER)
    page.goto(f"{server}/screener/worklist")
    entries = page.locator("main a[href^='/screener/worklist/']")
    if entries.count():
        referral = str(entries.first.get_attribute("href")).rsplit("/", 1)[1]
        page.goto(f"{server}/screener/referrals/{referral}/slip")
        page.get_by_role("button", name="New PIN").click()
        browser.demo.patient_code = page.locator("#referral-code").inner_text()
        browser.demo.patient_pin = page.locator("#access-pin").inner_text()
    page.close()


def prepare_release(browser: Browser) -> None:
    """A published release of the last full quarter: proposed by the manager and approved by
    the privacy officer, unless the demo already has one."""
    demo = browser.demo
    public = browser.page(None)
    public.goto(f"{demo.server}/public/releases")
    published = public.locator("main a[href^='/public/releases/']:not([href$='.csv'])")
    links = [link for link in published.all() if not link.get_attribute("href").endswith(".json")]
    if not links:
        quarter = (demo.as_of.month - 1) // 3
        end = date(demo.as_of.year, 3 * quarter + 1, 1)
        start = date(end.year - (quarter == 0), 3 * ((quarter - 1) % 4) + 1, 1)
        manager = browser.page("manager", "desktop")
        manager.goto(f"{demo.server}/manager/releases")
        last = end - timedelta(days=1)
        manager.get_by_label("Title").fill(f"Lanshui Province, {start:%B} to {last:%B %Y}")
        manager.get_by_label("Figures by").select_option("county")
        manager.get_by_label("From (first day)").fill(start.isoformat())
        manager.get_by_label("To (the day after the last)").fill(end.isoformat())
        manager.get_by_label("People screened, by the WHO category").fill("0.5")
        manager.get_by_label("People referred, by whether").fill("0.5")
        manager.get_by_label("Eyes operated").fill("0.5")
        manager.get_by_role("button", name="Propose").click()
        manager.close()
        privacy = browser.page("privacy-officer", "desktop")
        privacy.goto(f"{demo.server}/privacy/releases")
        privacy.get_by_role("button", name="Approve and publish").first.click()
        privacy.wait_for_load_state()
        privacy.close()
        public.reload()
        links = [
            link for link in published.all() if not link.get_attribute("href").endswith(".json")
        ]
    if not links:
        raise SystemExit("no published release after the privacy officer's approval")
    demo.release_url = links[0].get_attribute("href")
    public.close()


def offline_shots(browser: Browser) -> None:
    """A phone's queue after a day with no signal, and the record the server refused: the
    other county's clinic registers a national ID first, then this clinic's phone registers
    the same ID offline (docs/ui.md, offline screening, step 5)."""
    server = browser.demo.server
    other = browser.page(OTHER_SCREENER)
    other.goto(f"{server}/screener/register")
    other.get_by_label("Name").fill("Zhao Guifang")
    other.get_by_label("Female").check()
    other.get_by_label("Year of birth").fill("1951")
    other.get_by_label("National ID").fill(TAKEN_NATIONAL_ID)
    other.get_by_role("button", name="Register").click()
    other.wait_for_load_state()
    other.close()

    # A context of its own: the app's service worker and encrypted queue belong to it.
    context = browser.chromium.new_context(
        viewport=dict(zip(("width", "height"), SIZES["phone"], strict=True))
    )
    context.add_cookies([{"name": "lang", "value": "en", "url": server}])
    page = context.new_page()
    page.goto(f"{server}/sign-in?next=/screener/app/")
    page.get_by_label("Username").fill(SCREENER)
    page.get_by_label("Password").fill(browser.demo.passwords[SCREENER])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("New PIN (at least 6 digits)").fill(OFFLINE_PIN)
    page.get_by_label("The same PIN again").fill(OFFLINE_PIN)
    page.get_by_role("button", name="Set PIN").click()
    page.locator("#app").wait_for()
    wait_in_page(page, "() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    _unlock(page)
    _offline_person(page, "Zhao Guifang", "1951", TAKEN_NATIONAL_ID, ("6/60", "6/18"), None)
    _offline_person(page, "Liu Yumei", "1943", "", ("CF 1m", "6/60"), eye_photo(200, 7))
    _offline_person(page, "Chen Jianguo", "1958", "", ("6/9", "6/6"), None)
    page.reload()
    _unlock(page)
    page.locator("#queue-summary").filter(has_text="waiting").wait_for()
    save_png(page.screenshot(full_page=True), OUT / "offline-queue-phone.png")
    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    page.get_by_role("button", name="Correct").first.wait_for()
    # The refusal shows as soon as its batch is answered; the picture waits for the last batch.
    wait_in_page(page, "() => document.getElementById('progress').hidden")
    save_png(page.screenshot(full_page=True), OUT / "offline-refused-phone.png")
    context.close()


def _unlock(page: Any) -> None:
    page.get_by_label("Device PIN").fill(OFFLINE_PIN)
    page.get_by_role("button", name="Unlock").click()
    page.locator("#app").wait_for()


def _offline_person(
    page: Any, name: str, year: str, national_id: str, vas: tuple[str, str], photo: bytes | None
) -> None:
    """Register a person in the offline app and screen them (by the forms' stable ids)."""
    page.get_by_role("button", name="Register a person").click()
    form = page.locator("#register")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Female", exact=True).check()
    form.get_by_label("Year of birth").fill(year)
    if national_id:
        form.get_by_label("National ID").fill(national_id)
    form.get_by_role("button", name="Register").click()
    screen = page.locator("#screen")
    screen.wait_for()
    lens = "opacity" if vas[0] != "6/9" else "clear"
    for eye, va in zip(("right", "left"), vas, strict=True):
        screen.locator(f"#{eye}_presenting_va").fill(va)
        screen.locator(f"#{eye}_pinhole_va").fill(va)
        screen.locator(f"#{eye}_lens").select_option(lens)
    if photo is not None:
        picture = {"name": "eye.jpg", "mimeType": "image/jpeg", "buffer": photo}
        screen.locator("#photo_right").set_input_files(picture)
    screen.get_by_role("button", name="Save and triage").click()
    page.locator("#device-decision").wait_for()


def open_case_zoomed(page: Any) -> None:
    """The reviewer opens the case with photos and zooms both eyes in once (150%)."""
    page.locator("table.queue tbody a").first.click()
    page.wait_for_load_state()
    wait_in_page(
        page,
        "() => [...document.querySelectorAll('.frame img')].every("
        "i => i.complete && i.naturalWidth)",
    )
    page.locator("[data-act=in]").click()


def open_first_patient(page: Any) -> None:
    """The surgeon opens the first expected patient."""
    page.locator("a[href^='/centre/referrals/']").first.click()
    page.wait_for_load_state()


def show_access_report(demo: Demo) -> Any:
    def show(page: Any) -> None:
        page.get_by_label("PIN").fill(demo.patient_pin)
        page.get_by_role("button", name="Show my access report").click()
        page.wait_for_load_state()

    return show


def page_shots(demo: Demo) -> list[tuple[Shot, Any]]:
    """Every picture of docs/ui.md and README.md but the offline app's, with what to do on
    the page before it is taken (None: nothing)."""
    phone = ("phone",)
    return [
        (Shot("landing", None, "/"), None),
        (Shot("screener", SCREENER, "/screener/worklist"), None),
        (Shot("reviewer", "reviewer", "/reviewer"), None),
        (Shot("reviewer-case", "reviewer", f"/reviewer?code={demo.case_code}"), open_case_zoomed),
        (Shot("centre", SURGEON, "/centre"), None),
        (Shot("centre-patient", SURGEON, "/centre"), open_first_patient),
        (Shot("manager", "manager", "/manager"), None),
        (Shot("privacy", "privacy-officer", "/privacy"), None),
        (Shot("admin", "demo-admin", "/admin"), None),
        (Shot("patient", None, f"/patient?code={demo.patient_code}"), show_access_report(demo)),
        (Shot("public-release", None, demo.release_url, phone), None),
        (Shot("public-releases", None, "/public/releases", phone), None),
        # The same workstations in Chinese (docs/ui.md, "Languages").
        (Shot("screener-zh", SCREENER, "/screener/worklist", phone, "zh_Hans"), None),
        (Shot("manager-zh", "manager", "/manager", phone, "zh_Hans"), None),
        (Shot("admin-zh", "demo-admin", "/admin#settings", phone, "zh_Hans"), None),
    ]


OFFLINE_FILES = ("offline-queue-phone.png", "offline-refused-phone.png")


def file_names(demo: Demo) -> list[str]:
    """The PNGs this script writes, by name."""
    pages = [f"{shot.name}-{size}.png" for shot, _ in page_shots(demo) for size in shot.sizes]
    return [*pages, *OFFLINE_FILES]


def _header_account_link(page: Any) -> Any:
    # By its address, so that the check holds in every language.
    return page.locator('header.top nav a[href="/account"]')


def take(browser: Browser, shot: Shot, action: Any) -> None:
    """One page at each of its sizes; a signed-in page must show the header's My account."""
    for size in shot.sizes:
        page = browser.page(shot.username, size, shot.language)
        answer = page.goto(f"{browser.demo.server}{shot.url}")
        if answer is None or answer.status != 200:
            raise SystemExit(f"{shot.url} answered {answer and answer.status} for {shot.name}")
        if action is not None:
            action(page)
        if shot.username and not _header_account_link(page).is_visible():
            raise SystemExit(f"{shot.name}-{size}: the header has no 'My account' link")
        save_png(page.screenshot(), OUT / f"{shot.name}-{size}.png")
        page.close()


def take_all(demo: Demo) -> None:
    """Make the missing state through the app, then take every picture."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        browser = Browser(chromium, demo)
        try:
            prepare_case(browser)
            prepare_patient(browser)
            prepare_release(browser)
            OUT.mkdir(parents=True, exist_ok=True)
            offline_shots(browser)
            for shot, action in page_shots(demo):
                take(browser, shot, action)
        finally:
            browser.close()
            chromium.close()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in a new demo")
    parser.add_argument("--seed", type=int, default=7, help="the new demo's seed (make demo's)")
    parser.add_argument("--home", type=Path, help="demo data directory to reuse or build into")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as scratch:
        home = (args.home or Path(scratch) / "demo").resolve()
        build(home, args.people, args.seed)
        settings = Settings(home=home)
        marker = read_marker(settings)
        if marker is None:
            raise SystemExit(f"{home} holds no demo")
        passwords = {account.username: account.password for account in read_accounts(settings)}
        with served(home) as server:
            take_all(Demo(server, passwords, marker.as_of))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
