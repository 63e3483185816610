"""Correction pages: every problem at once beside its field, the earlier values in the
history, and each correction one audit entry."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from brightline.store.models import AuditEntry
from tests.web.conftest import WebBed, csrf_of, submit
from tests.web.test_chinese_walk import english_in


def _registered(client: TestClient, name: str) -> str:
    registered = submit(
        client,
        "/screener/register",
        "/screener/register",
        {"name": name, "sex": "female", "birth_year": "1948", "phone": "13800000001"},
    )
    assert registered.status_code == 303, registered.text
    return str(registered.headers["location"])


def _screened(client: TestClient, person_url: str) -> str:
    url = person_url + "/screen"
    form = client.get(url).text
    result = client.post(
        url,
        data={
            "right_presenting_va": "CF",
            "left_presenting_va": "6/60",
            "right_lens": "opacity",
            "csrf_token": csrf_of(form),
        },
    )
    assert result.status_code == 201, result.text
    return person_url


def _actions(web: WebBed) -> list[str]:
    with web.site.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.position)))


def test_correcting_a_person_shows_every_problem_then_keeps_the_earlier_name(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    person_url = _registered(client, "Li Mei")
    page = client.get(person_url + "/correct")
    assert page.status_code == 200 and 'value="Li Mei"' in page.text
    refused = client.post(
        person_url + "/correct",
        data={
            "name": "Li Wei",
            "sex": "female",
            "birth_year": "19x8",
            "phone": "1" * 40,
            "version": re.search(r'name="version" value="(\d+)"', page.text).group(1),  # type: ignore[union-attr]
            "reason": "typo",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert refused.status_code == 422
    for field in ("birth_year", "phone", "reason"):
        assert f'id="{field}-error"' in refused.text, field
    assert 'value="Li Wei"' in refused.text  # what was typed stays in the form
    before = len(_actions(web))
    saved = submit(
        client,
        person_url + "/correct",
        person_url + "/correct",
        {
            "name": "Li Wei",
            "sex": "female",
            "birth_year": "1948",
            "phone": "13800000001",
            "version": "1",
            "reason": "the name was misspelt at registration",
        },
    )
    assert saved.status_code == 303, saved.text
    assert _actions(web)[before + 1 :] == ["person.correct"]  # after the form's own read
    shown = client.get(person_url).text
    assert '<h1><span translate="no">Li Wei</span></h1>' in shown
    assert "Details corrected" in shown and "Changed: Name" in shown
    assert 'before Name = <span translate="no">Li Mei</span>' in shown
    assert "the name was misspelt at registration" in shown
    # In Chinese the history names the fields in words; the earlier name stays as written.
    client.cookies.set("lang", "zh_Hans")
    chinese = client.get(person_url).text
    history = chinese[chinese.index('<h2 id="corrections"') : chinese.index("</main>")]
    assert english_in(history) == ([], []) and "之前 姓名" in history and "Li Mei" in history
    client.cookies.set("lang", "en")
    stale = submit(
        client,
        person_url + "/correct",
        person_url + "/correct",
        {
            "name": "Li Na",
            "sex": "female",
            "birth_year": "1948",
            "version": "1",
            "reason": "the name was misspelt again",
        },
    )
    assert stale.status_code == 422 and 'id="version-error"' in stale.text


def test_voiding_a_screening_from_the_person_page(web: WebBed) -> None:
    client = web.signed_in("screener_a")
    person_url = _screened(client, _registered(client, "Wang Fang"))
    page = client.get(person_url).text
    void_url = re.search(r'href="(/screener/screenings/[0-9a-f-]+/void)"', page)
    assert void_url is not None
    refused = submit(client, void_url.group(1), void_url.group(1), {"reason": "!!"})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.text
    voided = submit(
        client, void_url.group(1), void_url.group(1), {"reason": "entered for the wrong person"}
    )
    assert voided.status_code == 303, voided.text
    shown = client.get(person_url).text
    assert "Voided" in shown and "Screening voided" in shown and "Closed" in shown
    assert void_url.group(1) not in shown


def test_a_centre_undoes_an_arrival(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    person_url = _screened(screener, _registered(screener, "Zhao Lan"))
    # The slip's link on the person page (a bare pattern could match inside the CSRF token).
    [code] = re.findall(
        r'/slip">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</a>', screener.get(person_url).text
    )[:1]
    centre = web.signed_in("surgeon")
    found = centre.get(f"/centre/find?code={code}")
    assert found.status_code == 303
    patient_url = found.headers["location"]
    arrived = submit(centre, patient_url, patient_url + "/attendance", {})
    assert arrived.status_code == 303
    page = centre.get(patient_url).text
    undo = re.search(r'action="(/centre/attendances/[0-9a-f-]+/undo)"', page)
    assert undo is not None
    referral_id = patient_url.rsplit("/", 1)[1]
    refused = submit(
        centre, patient_url, undo.group(1), {"reason": "oops", "referral_id": referral_id}
    )
    assert refused.status_code == 422 and 'id="undo_reason-error"' in refused.text
    undone = submit(
        centre,
        patient_url,
        undo.group(1),
        {"reason": "pressed arrived on the wrong patient", "referral_id": referral_id},
    )
    assert undone.status_code == 303, undone.text
    shown = centre.get(patient_url).text
    assert "Confirm arrival" in shown and "Arrival undone" in shown
    assert "pressed arrived on the wrong patient" in shown


def test_a_reviewer_sees_and_amends_their_earlier_review(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    _screened(screener, _registered(screener, "Sun Hua"))
    reviewer = web.signed_in("reviewer")
    queue = reviewer.get("/reviewer").text
    case_url = re.findall(r'href="(/reviewer/cases/[0-9a-f-]+)"', queue)[-1]
    reviewed = submit(
        reviewer,
        case_url,
        case_url,
        {"recommendation": "glasses", "urgency": "routine", "notes": "try glasses first"},
    )
    assert reviewed.status_code == 303
    page = reviewer.get(case_url).text
    assert "Amend your review" in page and 'id="amend-review"' in page
    assert 'value="glasses" required checked' in page and "try glasses first" in page
    action = re.search(r'action="(/reviewer/reviews/[0-9a-f-]+)"', page)
    assert action is not None
    form = {
        "referral_id": case_url.rsplit("/", 1)[1],
        "version": "1",
        "recommendation": "surgery",
        "urgency": "soon",
        "notes": "dense cataract",
    }
    refused = submit(reviewer, case_url, action.group(1), {**form, "reason": "x"})
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text
    amended = submit(
        reviewer,
        case_url,
        action.group(1),
        {**form, "surgery_eyes": "right", "reason": "the right lens is a dense cataract"},
    )
    assert amended.status_code == 303, amended.text
    shown = reviewer.get(case_url).text
    assert 'value="surgery" required checked' in shown and "Review amended" in shown
