"""Every page in Chinese: each role's pages walked by their links, no English word left.

A small demo installation (with a snapshot and published releases) is signed into as each
role with the language cookie set to Chinese; every same-site page reachable from the role's
start page is fetched and its visible text checked. Data — names, codes, pseudonyms, VA
notations, numbers — is marked ``translate="no"`` in the templates and skipped; what remains
may hold only the few Latin words of ``ALLOWED`` (docs/ui.md, "Languages").
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brightline.access.policy import ACTIONS
from brightline.analytics.periods import PERIOD_FORMS
from brightline.analytics.snapshot import take_snapshot
from brightline.api.app import create_app
from brightline.demo import ACCOUNTS_FILE, build_demo
from brightline.settings import Settings
from brightline.site import Site
from brightline.web.error_words import worded
from brightline.web.i18n import translations
from brightline.web.render import ROLE_HOME
from brightline.web.words import ACCESS_ACTION
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.web.conftest import csrf_of

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
# Latin words a Chinese page may keep: the product's name, and abbreviations Chinese eye care
# writes in Latin letters too (WHO, ICD, VA notations, the lens implant, file formats, the
# date format YYYY-MM-DD).
ALLOWED = frozenset(
    {
        "Brightline",
        "VA",
        "ICD",
        "WHO",
        "IOL",
        "logMAR",
        "CSV",
        "JSON",
        "QR",
        "PIN",
        "UTC",
        "ID",
        "MSICS",
        "ECCE",
        "CF",
        "HM",
        "LP",
        "NLP",
        "RAAB",
        "cm",
        "D",
        "YYYY",
        "MM",
        "DD",
    }
)
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Elements whose content is never read as words on the page; the tab's <title> repeats the
# page's heading (checked in the page) or a record's name or code.
SKIPPED = {"script", "style", "code", "pre", "textarea", "template", "title"}
# Attributes a user reads or hears as words.
SPOKEN = ("placeholder", "title", "aria-label", "alt")
# The admin page's settings section (the BRIGHTLINE_* settings and what each does) is the one
# element not read here: its descriptions are checked in both languages by their own test.
SKIPPED_IDS = {"settings"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
PAGES_PER_ROLE = 60
SHAPES_PER_ROLE = 2
UUID_OR_NUMBER = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")
NOT_WALKED = ("/static/", "/lang/", "/sign-out", "/api/", "/photos/", "/screener/app/")
CHINESE = {"lang": "zh_Hans"}


class VisibleText(HTMLParser):
    """The words a reader sees or hears on a page, without data marked ``translate="no"``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        hidden = (
            tag in SKIPPED
            or values.get("translate") == "no"
            or "hidden" in values
            or values.get("id") in SKIPPED_IDS
        )
        if not (hidden or self._hidden()):
            self.words += [values[name] for name in SPOKEN if values.get(name)]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.words.append(values.get("value", ""))
        if tag not in VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag (HTML lets some end tags be left out).
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.words.append(data)


def english_in(html: str, data: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """The English words of a page outside data and ``ALLOWED``, and the page's links."""
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.words)
    for known in data:  # the programme's own name is data wherever it is shown
        text = text.replace(known, " ")
    found = sorted({w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED})
    return found, parser.links


def test_the_parser_reads_words_and_skips_data() -> None:
    page = (
        '<p title="Open it">Hello <span translate="no">Wang Fang</span> 6/18'
        "<script>var x</script><code>brightline snapshot</code>"
        '<input type="submit" value="Save now"><input name="n" value="Typed"></p>'
        '<a href="/next">下一个</a>'
    )
    found, links = english_in(page)
    assert found == ["Hello", "Open", "Save", "it", "now"]
    assert links == ["/next"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict[str, str]]]:
    """A 300-person demo with a snapshot, one published and one proposed release."""
    home = tmp_path_factory.mktemp("chinese-walk") / "home"
    settings = Settings(home=home, database_url=None)
    build_demo(settings, people=300, seed=11)
    site = Site.open(settings)
    take_snapshot(site)
    accounts: dict[str, str] = {}
    passwords: dict[str, str] = {}
    for account in json.loads(Path(home / ACCOUNTS_FILE).read_text(encoding="utf-8")):
        accounts.setdefault(account["role"], account["username"])
        passwords[account["username"]] = account["password"]
    app = create_app(site)
    _publish_releases(app, accounts, passwords)
    try:
        yield site, {role: f"{u}\n{passwords[u]}" for role, u in accounts.items()}
    finally:
        site.close()


def _signed_in(app: object, username: str, password: str) -> TestClient:
    client = TestClient(app, follow_redirects=False, cookies=CHINESE)  # type: ignore[arg-type]
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303, answer.text
    return client


def _post(client: TestClient, page: str, action: str, data: dict[str, str]) -> str:
    """Post a form of ``page`` as a browser would; the answer's page (after a redirect)."""
    answer = client.post(action, data={**data, "csrf_token": csrf_of(client.get(page).text)})
    if answer.status_code == 303:
        return client.get(answer.headers["location"]).text
    return answer.text


def _publish_releases(app: object, accounts: dict[str, str], passwords: dict[str, str]) -> None:
    """A manager proposes two releases of the last year; the privacy officer publishes one."""
    manager = _signed_in(app, accounts["manager"], passwords[accounts["manager"]])
    today = date.today()
    start = date(today.year - 1, today.month, 1).isoformat()
    for title in ("Published", "Waiting"):
        form = {"title": title, "level": "county", "from": start, "to": today.isoformat()}
        _post(manager, "/manager/releases", "/manager/releases", form | {"epsilon_screened": "1"})
    privacy = _signed_in(app, accounts["privacy_officer"], passwords[accounts["privacy_officer"]])
    desk = privacy.get("/privacy/releases").text
    first = re.search(r'action="(/privacy/releases/[^"/]+/approve)"', desk)
    assert first, "no release waiting on the privacy officer's desk"
    _post(privacy, "/privacy/releases", first.group(1), {"note": "ok"})


def _shape(url: str) -> str:
    """A page's kind: its path with record ids and numbers left out."""
    return UUID_OR_NUMBER.sub("#", url.split("#", 1)[0])


def walk(client: TestClient, starts: list[str], data: tuple[str, ...]) -> dict[str, list[str]]:
    """Every page reachable from ``starts`` (bounded), with the English words each one shows."""
    queue, seen, shapes = deque(starts), set(starts), dict[str, int]()
    found: dict[str, list[str]] = {}
    while queue and len(found) < PAGES_PER_ROLE:
        url = queue.popleft()
        answer = client.get(url)
        if answer.status_code in (301, 302, 303, 307):
            answer = client.get(answer.headers["location"])
        assert answer.status_code < 500, f"{url}: {answer.status_code}"
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        english, links = english_in(answer.text, data)
        found[url] = english
        for link in links:
            link = link.split("#", 1)[0]
            shape = _shape(link)
            walkable = link.startswith("/") and not link.startswith("//")
            if not walkable or link in seen or link.startswith(NOT_WALKED):
                continue
            if shapes.get(shape, 0) >= SHAPES_PER_ROLE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(link)
            queue.append(link)
    return found


def _failures(found: dict[str, list[str]]) -> str:
    """One line per page with English words left, for the assertion's message."""
    return "\n".join(f"{url}: {' '.join(words)}" for url, words in found.items() if words)


# Pages a role reaches by a search or a form, not a link, added to its start page.
EXTRA_STARTS = {
    "screener": ["/screener?name=Wang", "/screener/register", "/screener/worklist"],
    "reviewer": ["/reviewer?urgent=1"],
    "surgeon": ["/centre"],
    "manager": ["/manager/report", "/manager?period=2026-13"],
    "privacy_officer": ["/privacy/releases"],
    "admin": ["/admin"],
}


@pytest.mark.parametrize("role", list(ROLE_HOME))
def test_every_page_of_a_role_is_in_chinese(
    demo_app: tuple[Site, dict[str, str]], role: str
) -> None:
    site, accounts = demo_app
    username, password = accounts[role].split("\n")
    client = _signed_in(create_app(site), username, password)
    found = walk(client, [ROLE_HOME[role], *EXTRA_STARTS[role], "/account"], (site_name(site),))
    assert len(found) >= 2, sorted(found)
    failures = _failures(found)
    assert not failures, failures


def site_name(site: Site) -> str:
    """The programme's name: data, shown as it is written in every language."""
    return site.programme.name


def test_the_public_pages_are_in_chinese(demo_app: tuple[Site, dict[str, str]]) -> None:
    site, _ = demo_app
    client = TestClient(create_app(site), follow_redirects=False, cookies=CHINESE)
    starts = ["/", "/sign-in", "/patient", "/public/releases", "/reset-password", "/nowhere"]
    found = walk(client, starts, (site_name(site),))
    assert any(url.startswith("/public/releases/") for url in found), sorted(found)
    failures = _failures(found)
    assert not failures, failures


def test_problems_on_forms_are_in_chinese(demo_app: tuple[Site, dict[str, str]]) -> None:
    """Wrong input answered in Chinese next to its field: registration, screening, releases."""
    site, accounts = demo_app
    app = create_app(site)
    data = (site_name(site),)
    screener = _signed_in(app, *accounts["screener"].split("\n"))
    pages = {
        "register": _post(
            screener, "/screener/register", "/screener/register", {"birth_year": "1700"}
        ),
        "search": screener.get("/screener", params={"name": "W"}).text,
    }
    manager = _signed_in(app, *accounts["manager"].split("\n"))
    pages["release"] = _post(
        manager,
        "/manager/releases",
        "/manager/releases",
        {"title": "", "level": "county", "from": "2025-13-01", "to": "x", "epsilon_screened": "0"},
    )
    pages["period"] = manager.get("/manager", params={"period": "2026-13"}).text
    english = {name: english_in(page, data)[0] for name, page in pages.items()}
    failures = _failures(english)
    assert not failures, failures


def test_older_error_sentences_are_worded_in_chinese() -> None:
    """An English error sentence with a typed value reads in Chinese, the value kept as typed."""
    gettext = translations("zh_Hans").gettext
    dated = worded("give a date as YYYY-MM-DD, not '2025-13-01'", gettext)
    assert dated == "请按 YYYY-MM-DD 填写日期，而不是 '2025-13-01'"
    period = worded(f"'2026-13' is not a real date; write it as {PERIOD_FORMS}", gettext)
    assert "'2026-13'" in period and " or " not in period and "或" in period
    assert worded("type at least 2 letters of the name", gettext) != "type at least 2 letters"
    assert worded("an unknown sentence", gettext) == "an unknown sentence"


def test_every_policy_action_has_words_for_the_privacy_page() -> None:
    assert [name for name in ACTIONS if name not in ACCESS_ACTION] == []


# Chinese writes its colon and parentheses full width (：（）); an ASCII one beside a Chinese
# character is a slip. Placeholders, URLs and times are not text and are left out first.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
# A closing one only when it closes Chinese words: "0 (0%)" beside the next label is figures.
ASCII_BESIDE_CJK = re.compile(rf"[{CJK}]\s*[:(]|[:(]\s*[{CJK}]|[{CJK}]\)")
NOT_TEXT = re.compile(r"%\([a-z_]+\)[sd]|https?://\S+|\b\d{1,2}:\d{2}\b|<[^>]+>")


def ascii_punctuation_beside_chinese(text: str) -> list[str]:
    """The places in ``text`` where an ASCII colon or parenthesis touches a Chinese character."""
    return [m.group(0) for m in ASCII_BESIDE_CJK.finditer(NOT_TEXT.sub(" ", text))]


def chinese_messages() -> dict[str, str]:
    """Every translated message of the Chinese catalogue, by its English message."""
    from babel.messages.pofile import read_po

    from brightline.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str)}


def test_the_scan_finds_ascii_punctuation_beside_chinese() -> None:
    assert ascii_punctuation_beside_chinese("按地区 (县)") == ["区 (", "县)"]
    assert ascii_punctuation_beside_chinese("范围: all") == ["围:"]
    assert ascii_punctuation_beside_chinese("按地区（%(level)s）10:30，见 https://who.int") == []
    assert ascii_punctuation_beside_chinese("良好0 (0%)临界") == []


def test_no_chinese_message_has_ascii_colons_or_parentheses() -> None:
    slips = {
        english: chinese
        for english, chinese in chinese_messages().items()
        if ascii_punctuation_beside_chinese(chinese)
    }
    assert slips == {}


def visible_text(html: str) -> str:
    """A page's words as a reader sees them, data (``translate="no"``) left out."""
    parser = VisibleText()
    parser.feed(html)
    return "".join(parser.words)


# The Chinese glossary of docs/ui.md ("Languages"): one term for each notion, its rivals never.
GLOSSARY = {
    "Presenting VA": ("日常生活视力", ("日常视力",)),  # WHO "presenting visual acuity"
    "Attended": ("就诊", ("到院", "到诊")),  # a referred person came to the centre
    "Referral uptake": ("转诊就诊率", ("到院率", "到诊率")),
}


def test_the_chinese_catalogue_keeps_to_its_glossary() -> None:
    messages = chinese_messages()
    for english, (chosen, rejected) in GLOSSARY.items():
        assert chosen in messages[english], english
        rivals = {en: zh for en, zh in messages.items() if any(r in zh for r in rejected)}
        assert rivals == {}, english
