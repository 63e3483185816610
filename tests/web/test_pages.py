"""Each role's pages in-process: they render, show only the caller's scope, and speak Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from brightline.store.models import AuditEntry, Screening
from brightline.web.i18n import choose_language, translations
from tests.web.conftest import WebBed, csrf_of, submit

MISSING = "00000000-0000-4000-8000-000000000000"


def register_and_screen(web: WebBed, client: TestClient, name: str) -> dict[str, Any]:
    """A person registered and screened at Clinic A, referred for review."""
    registered = submit(
        client,
        "/screener/register",
        "/screener/register",
        {"name": name, "sex": "female", "birth_year": "1949", "phone": "13800001111"},
    )
    assert registered.status_code == 303, registered.text
    person_url = registered.headers["location"]
    result = submit(
        client,
        f"{person_url}/screen",
        f"{person_url}/screen",
        {
            "right_presenting_va": "CF 1m",
            "left_presenting_va": "6/60",
            "right_lens": "opacity",
            "left_lens": "opacity",
        },
    )
    assert result.status_code == 201, result.text
    code = re.search(r'id="referral-code">([A-Z0-9-]+)<', result.text)
    pin = re.search(r'id="access-pin">(\d+)<', result.text)
    assert code and pin
    return {"person_url": person_url, "code": code.group(1), "pin": pin.group(1), "page": result}


def test_screener_registers_screens_and_gets_triage_and_slip(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    case = register_and_screen(web, client, "Zhou Guilan")
    page = case["page"].text
    assert "Online review by an eye doctor" in page
    assert "suspected cataract" in page
    assert "<svg" in page and 'class="segno"' in page  # the QR code, inline
    assert "County A Hospital" in page
    assert client.get(case["person_url"]).status_code == 200
    found = client.get("/screener", params={"name": "guilan"})
    assert "Zhou Guilan" in found.text


def test_va_errors_are_shown_next_to_their_field(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    registered = submit(
        client, "/screener/register", "/screener/register", {"sex": "male", "birth_year": "1950"}
    )
    url = registered.headers["location"] + "/screen"
    response = submit(client, url, url, {"right_presenting_va": "6/0", "left_pinhole_va": "banana"})
    assert response.status_code == 422
    assert 'id="right_presenting_va-error"' in response.text
    assert 'id="left_pinhole_va-error"' in response.text
    assert 'value="6/0"' in response.text  # what was typed stays in the form


def test_registration_errors_name_the_field(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    response = submit(
        client, "/screener/register", "/screener/register", {"sex": "female", "birth_year": "18"}
    )
    assert response.status_code == 422
    assert 'id="birth_year-error"' in response.text


def test_a_screener_of_another_county_gets_the_not_found_page(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Tang Xiulan")
    other = web.signed_in("screener_b")
    theirs = other.get(case["person_url"])
    missing = other.get(f"/screener/people/{MISSING}")
    assert theirs.status_code == missing.status_code == 404
    person_id = case["person_url"].rsplit("/", 1)[1]
    assert theirs.text.replace(person_id, "ID") == missing.text.replace(MISSING, "ID")
    assert "Tang Xiulan" not in other.get("/screener", params={"name": "Tang"}).text


def test_an_unknown_address_in_a_browser_gets_the_web_page_and_the_api_keeps_json(
    web: WebBed,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = web.client().get("/no-such-page", headers=browser)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text and '"code"' not in page.text
    # A program (no HTML asked for) and anything under the API still get the API's JSON.
    assert web.client().get("/no-such-page").json()["error"]["code"] == "not_found"
    api = web.client().get("/api/v1/no-such-endpoint", headers=browser)
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_reviewer_sees_the_case_without_identifiers_and_reviews_it(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Cao Meiying")
    reviewer = web.signed_in("reviewer")
    queue = reviewer.get("/reviewer")
    assert case["code"] in queue.text
    link = re.search(rf'href="(/reviewer/cases/[^"]+)">{case["code"]}<', queue.text)
    assert link
    page = reviewer.get(link.group(1))
    assert page.status_code == 200
    assert "Cao Meiying" not in page.text and "13800001111" not in page.text
    assert '<datalist id="icd10">' in page.text and "H25.1" in page.text
    done = submit(
        reviewer,
        link.group(1),
        link.group(1),
        {
            "recommendation": "surgery",
            "surgery_eyes": ["right", "left"],
            "urgency": "routine",
            "right_icd10": "H25.1",
            "left_icd10": "H25.1",
        },
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/reviewer")
    assert case["code"] not in reviewer.get("/reviewer").text


def test_centre_records_attendance_surgery_and_follow_up(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Deng Yulan")
    reviewer = web.signed_in("reviewer")
    link = re.search(
        rf'href="(/reviewer/cases/[^"]+)">{case["code"]}<', reviewer.get("/reviewer").text
    )
    assert link
    submit(
        reviewer,
        link.group(1),
        link.group(1),
        {"recommendation": "surgery", "surgery_eyes": "right"},
    )
    centre = web.signed_in("surgeon")
    assert "Deng Yulan" in centre.get("/centre").text
    opened = centre.get("/centre/find", params={"code": case["code"].lower().replace("-", "")})
    assert opened.status_code == 303
    url = opened.headers["location"]
    attended = submit(centre, url, f"{url}/attendance", {})
    assert attended.status_code == 303
    page = centre.get(url).text
    assert "Arrived" in page
    today = re.search(
        r'id="operated_on" name="operated_on" type="date" required value="([^"]+)"', page
    )
    assert today
    operated = submit(
        centre,
        url,
        f"{url}/surgery",
        {"eye": "right", "operated_on": today.group(1), "technique": "MSICS", "iol": "yes"},
    )
    assert operated.status_code == 303, operated.text
    page = centre.get(url).text
    action = re.search(r'action="(/centre/surgeries/[^"]+/follow-up)"', page)
    assert action
    saved = submit(
        centre,
        url,
        action.group(1),
        {
            "referral_id": url.rsplit("/", 1)[1],
            "examined_on": today.group(1),
            "presenting_va": "6/9",
        },
    )
    assert saved.status_code == 303
    shown = centre.get(saved.headers["location"]).text
    assert 'id="outcome"' in shown and "Good" in shown


@pytest.mark.parametrize(
    ("username", "url", "marker"),
    [
        ("screener_a", "/screener", "Register a person"),
        ("screener_a", "/screener/worklist", "Follow-up worklist"),
        ("reviewer", "/reviewer", "Review queue"),
        ("surgeon", "/centre", "Expected patients"),
        ("manager", "/manager", "Dashboard"),
        ("privacy", "/privacy", "Transparency report"),
    ],
)
def test_each_role_main_page_renders(web: WebBed, username: str, url: str, marker: str) -> None:
    response = web.signed_in(username).get(url)
    assert response.status_code == 200, response.text
    assert marker in response.text


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("reviewer", "/screener"),
        ("screener_a", "/reviewer"),
        ("manager", "/privacy"),
        ("privacy", "/centre"),
        ("surgeon", "/manager"),
    ],
)
def test_pages_of_another_role_are_refused(web: WebBed, username: str, url: str) -> None:
    assert web.signed_in(username).get(url).status_code in (403, 404)


def test_privacy_officer_verifies_the_audit_log(web: WebBed) -> None:
    client = web.signed_in("privacy")
    response = submit(client, "/privacy", "/privacy/verify", {})
    assert response.status_code == 303
    assert "Intact" in client.get("/privacy").text


def test_patient_page_shows_the_accesses_with_code_and_pin(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Pan Shulan")
    client = web.client()
    wrong = submit(client, "/patient", "/patient", {"code": case["code"], "pin": "00000000"})
    assert wrong.status_code == 401
    shown = submit(client, "/patient", "/patient", {"code": case["code"], "pin": case["pin"]})
    assert shown.status_code == 200
    assert "registered you" in shown.text and "screening health worker" in shown.text
    assert "screener_a" not in shown.text


def test_language_switch_and_accept_language(web: WebBed) -> None:
    client = web.client()
    assert "登录" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "登录" not in client.get("/", headers={"Accept-Language": "en-GB"}).text
    switched = client.get("/lang/zh_Hans", params={"next": "/patient"})
    assert switched.status_code == 303 and switched.headers["location"] == "/patient"
    page = client.get("/patient").text
    assert "谁查看了我的档案？" in page and 'lang="zh-Hans"' in page
    client.get("/lang/en")
    assert "Who looked at my record?" in client.get("/patient").text


def test_language_choice_rules() -> None:
    assert choose_language(None, "fr, zh-Hans;q=0.5, en;q=0.4") == "zh_Hans"
    assert choose_language(None, "zh-TW") == "en"
    assert choose_language("zh_Hans", "en") == "zh_Hans"
    assert choose_language("xx", None) == "en"


def test_every_message_has_a_chinese_translation() -> None:
    from babel.messages.pofile import read_po

    from brightline.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    # A message with a context (pgettext) is its own entry: looked up with that context.
    untranslated = [
        (m.context, m.id)
        for m in template
        if m.id and not ((found := catalog.get(m.id, m.context)) and found.string)
    ]
    assert untranslated == []
    # …and nothing beside the template: a message the template dropped leaves the catalogue.
    extra = {(m.context, m.id) for m in catalog if m.id} - {(m.context, m.id) for m in template}
    assert sorted(extra, key=str) == []
    assert translations("zh_Hans").gettext("Sign in") == "登录"


def test_the_message_template_is_exactly_what_the_code_marks() -> None:
    """messages.pot holds every marked message and no other, so no translation is missing and
    none is kept for a sentence the UI no longer says (babel.cfg says where they are marked)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from brightline.web.i18n import LOCALE_DIR

    root = Path(__file__).resolve().parents[2]
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}

    def singular(message: str | tuple[str, ...]) -> str:
        return message if isinstance(message, str) else message[0]

    marked = {
        (context, singular(message))
        for _, _, message, _, context in extract_from_dir(
            root,
            method_map,
            options_map,
            keywords=keywords,
            directory_filter=lambda path: Path(path).resolve().is_relative_to(root / "src"),
        )
    }
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {(m.context, singular(m.id)) for m in read_po(handle) if m.id}
    assert sorted(marked - template, key=str) == []  # marked, not in the template: extract
    assert sorted(template - marked, key=str) == []  # in the template, said nowhere: remove


def test_one_web_screening_appends_exactly_one_audit_entry(web: WebBed) -> None:
    """Recording a screening and showing its result and slip is one access, logged once."""
    client = web.signed_in("screener_a")
    registered = submit(
        client, "/screener/register", "/screener/register", {"sex": "male", "birth_year": "1951"}
    )
    url = registered.headers["location"] + "/screen"
    form = client.get(url)

    def entries() -> list[tuple[str, str]]:
        with web.site.transaction() as session:
            rows = session.execute(select(AuditEntry.action, AuditEntry.outcome))
            return [(action, outcome) for action, outcome in rows]

    before = entries()
    result = client.post(
        url,
        data={
            "right_presenting_va": "6/60",
            "left_presenting_va": "6/60",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert result.status_code == 201, result.text
    assert 'id="access-pin"' in result.text  # the slip was shown, with its PIN
    assert entries()[len(before) :] == [("screening.create", "allowed")]


def test_a_screening_form_sent_twice_is_recorded_once(web: WebBed) -> None:
    """A reload or a retry on a bad line re-sends the form: one screening, one referral."""
    client = web.signed_in("screener_a")
    registered = submit(
        client, "/screener/register", "/screener/register", {"sex": "female", "birth_year": "1944"}
    )
    url = registered.headers["location"] + "/screen"
    form = client.get(url).text
    screening_id = re.search(r'name="screening_id" value="([0-9a-f-]{36})"', form)
    assert screening_id
    sent = {
        "right_presenting_va": "6/60",
        "left_presenting_va": "CF",
        "screening_id": screening_id.group(1),
        "csrf_token": csrf_of(form),
    }
    first = client.post(url, data=sent)
    again = client.post(url, data=sent)
    assert first.status_code == 201 and again.status_code == 200
    assert 'id="access-pin"' in first.text and 'id="access-pin"' not in again.text
    assert 'id="recorded-before"' in again.text
    code = re.search(r'id="referral-code">([A-Z0-9-]+)<', first.text)
    assert code and code.group(1) in again.text  # the same referral, shown again
    person_id = registered.headers["location"].rsplit("/", 1)[1]
    with web.site.transaction() as session:
        stored = session.scalars(select(Screening.id).where(Screening.person_id == person_id))
        assert list(stored) == [screening_id.group(1)]


def test_the_screening_pages_are_the_clinics_own(web: WebBed) -> None:
    """A centre may read a referred person's record, but not through the clinic's pages."""
    case = register_and_screen(web, web.signed_in("screener_a"), "Gao Yan")
    surgeon = web.signed_in("surgeon")
    for url in (case["person_url"], case["person_url"] + "/screen"):
        assert surgeon.get(url).status_code == 403
    assert web.signed_in("screener_a").get(case["person_url"]).status_code == 200


def test_the_slip_draws_its_qr_code_to_scale(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "He Ping")
    svg = re.search(r"<svg[^>]*>", case["page"].text)
    assert svg and "viewBox" in svg.group(0) and "width=" not in svg.group(0)
