"""The reviewer's workstation in-process: triage rows, filters, the viewer page, sending back."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import event, select

from brightline.store.models import AuditEntry, Referral
from tests.web.conftest import WebBed, csrf_of, submit, unmarked
from tests.web.test_pages import register_and_screen


def _jpeg(colour: tuple[int, int, int] = (180, 60, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def _screen_with_photos(client: TestClient, person_url: str, **fields: str) -> Any:
    """A screening posted from the form, with one photo of each eye."""
    page = client.get(f"{person_url}/screen")
    data = {
        "right_presenting_va": "CF 1m",
        "left_presenting_va": "6/60",
        "right_lens": "opacity",
        "left_lens": "opacity",
        **fields,
        "csrf_token": csrf_of(page.text),
    }
    files = [
        ("photo_right", ("r.jpg", _jpeg(), "image/jpeg")),
        ("photo_left", ("l.jpg", _jpeg((60, 60, 180)), "image/jpeg")),
    ]
    answer = client.post(f"{person_url}/screen", data=data, files=files)
    assert answer.status_code == 201, answer.text
    return answer


def _case_url(queue_html: str, code: str) -> str:
    link = re.search(rf'href="(/reviewer/cases/[^"]+)">{code}<', queue_html)
    assert link, f"{code} is not in the queue"
    return link.group(1)


def _row(queue_html: str, code: str) -> str:
    rows = [r for r in queue_html.split("<tr") if f">{code}<" in r]
    assert len(rows) == 1
    return rows[0]


def test_a_queue_row_shows_what_a_doctor_triages_by(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Row Person")
    row = _row(web.signed_in("reviewer").get("/reviewer").text, case["code"])
    age = web.site.now().year - 1949
    assert f">{age} · Female<" in row
    # Better eye 6/60 (WHO category 1, moderate); worse eye CF 1 m, about 1/60: category 3.
    assert "6/60" in row and "cat. 1 · moderate impairment" in row
    assert "CF 1m" in row and "cat. 3 · blindness" in row
    assert "Clinic A" in row and "County A" in row
    assert 'data-label="Photos" class="num">0<' in row
    assert "Row Person" not in row and "13800001111" not in row


def test_filters_narrow_the_queue_and_search_finds_a_code(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    plain = register_and_screen(web, screener, "Filter Plain")
    registered = submit(
        screener,
        "/screener/register",
        "/screener/register",
        {"name": "Filter Photo", "sex": "male", "birth_year": "1950"},
    )
    photographed = _screen_with_photos(screener, registered.headers["location"])
    photo_code = re.search(r'id="referral-code">([A-Z0-9-]+)<', photographed.text)
    assert photo_code
    reviewer = web.signed_in("reviewer")
    with_photos = reviewer.get("/reviewer", params={"photos": "yes"}).text
    assert photo_code.group(1) in with_photos and plain["code"] not in with_photos
    assert 'data-label="Photos" class="num">2<' in _row(with_photos, photo_code.group(1))
    without = reviewer.get("/reviewer", params={"photos": "no"}).text
    assert plain["code"] in without and photo_code.group(1) not in without
    typed = plain["code"].lower().replace("-", " ")
    found = reviewer.get("/reviewer", params={"code": typed}).text
    assert plain["code"] in found and photo_code.group(1) not in found
    assert re.search(r'id="queue-count">1<', found)
    assert plain["code"] not in reviewer.get("/reviewer", params={"county": "CB"}).text
    assert plain["code"] in reviewer.get("/reviewer", params={"county": "CA"}).text
    clinic = web.world.clinic_b
    assert plain["code"] not in reviewer.get("/reviewer", params={"clinic": clinic}).text
    assert plain["code"] not in reviewer.get("/reviewer", params={"urgent": "1"}).text
    unknown = reviewer.get("/reviewer", params={"county": "NOPE"})
    assert unknown.status_code == 422 and 'id="county-error"' in unknown.text


def test_a_queue_page_costs_the_same_statements_for_more_cases(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    reviewer = web.signed_in("reviewer")
    engine = web.site.engine
    counts = []
    for batch in range(2):
        for n in range(3 * (batch + 1)):
            register_and_screen(web, screener, f"Many {batch} {n}")
        statements: list[str] = []

        def count(*args: Any, seen: list[str] = statements) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert reviewer.get("/reviewer").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        # The audit log appends one entry per person shown (by design): count the page's reads.
        reads = [s for s in statements if s.lstrip().startswith("SELECT") and "audit_" not in s]
        counts.append(len(reads))
    assert counts[0] == counts[1], counts


def test_an_ungradable_photo_goes_back_to_the_clinic_and_returns_with_new_photos(
    web: WebBed,
) -> None:
    screener = web.signed_in("screener_a")
    case = register_and_screen(web, screener, "Send Back Photo")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, case["code"])
    sent = submit(
        reviewer,
        url,
        f"{url}/return",
        {"return_reason": "ungradable_photo", "return_note": "Blurred, retake in focus"},
    )
    assert sent.status_code == 303 and "returned=1" in sent.headers["location"]
    assert case["code"] not in reviewer.get("/reviewer").text
    worklist = screener.get("/screener/worklist").text
    assert "Sent back by the eye doctor" in worklist
    assert "Ungradable photo — retake" in worklist and "Blurred, retake in focus" in worklist
    assert "Send Back Photo" in worklist
    with web.site.transaction() as session:
        referral = session.scalar(select(Referral).where(Referral.code == case["code"]))
        assert referral is not None and referral.return_reason == "ungradable_photo"
        logged = session.scalars(select(AuditEntry.action)).all()
    assert "review.return" in logged
    # A new screening without photos does not answer a photo retake …
    submit(
        screener,
        f"{case['person_url']}/screen",
        f"{case['person_url']}/screen",
        {"right_presenting_va": "6/60", "left_presenting_va": "6/60"},
    )
    assert case["code"] not in reviewer.get("/reviewer").text
    # … one with photos does: the case is back, marked.
    _screen_with_photos(screener, case["person_url"])
    back = reviewer.get("/reviewer").text
    assert "Back from clinic" in _row(back, case["code"])
    assert "Send Back Photo" not in screener.get("/screener/worklist").text.split("Not attended")[0]
    page = reviewer.get(url).text
    assert "Back from the clinic on" in page
    assert "Earlier screenings" in page


def test_a_va_retest_returns_after_the_clinic_screens_again(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    case = register_and_screen(web, screener, "Send Back VA")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, case["code"])
    submit(reviewer, url, f"{url}/return", {"return_reason": "retest_va"})
    assert case["code"] not in reviewer.get("/reviewer").text
    assert "Re-test visual acuity" in screener.get("/screener/worklist").text
    again = reviewer.get(url).text
    assert "Sent back to the clinic on" in again and 'id="send-back"' not in again
    submit(
        screener,
        f"{case['person_url']}/screen",
        f"{case['person_url']}/screen",
        {"right_presenting_va": "6/60", "left_presenting_va": "3/60"},
    )
    assert case["code"] in reviewer.get("/reviewer").text


def test_sending_back_needs_a_reason_named_in_the_answer(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Send Back Bad")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, case["code"])
    answer = submit(reviewer, url, f"{url}/return", {"return_reason": "blurry"})
    assert answer.status_code == 422
    assert 'id="return_reason-error"' in answer.text and "ungradable_photo" in answer.text
    assert case["code"] in reviewer.get("/reviewer").text


def test_after_saving_the_next_case_confirms_and_the_reviewed_case_shows_its_review(
    web: WebBed,
) -> None:
    screener = web.signed_in("screener_a")
    first = register_and_screen(web, screener, "Confirm One")
    register_and_screen(web, screener, "Confirm Two")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, first["code"])
    saved = submit(
        reviewer,
        url,
        url,
        {"recommendation": "surgery", "surgery_eyes": "right", "right_icd10": "H25.1"},
    )
    following = reviewer.get(saved.headers["location"], follow_redirects=True)
    assert f"Review of case {first['code']} saved." in unmarked(following.text)
    shown = reviewer.get(url).text
    assert "Recorded review" in shown and "H25.1" in shown and "by you" in shown
    assert "Amend your review" in shown  # the earlier review stays amendable


def test_the_case_page_shows_both_eyes_in_the_viewer_with_its_script(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    registered = submit(
        screener,
        "/screener/register",
        "/screener/register",
        {"name": "Viewer Person", "sex": "female", "birth_year": "1940"},
    )
    result = _screen_with_photos(screener, registered.headers["location"])
    code = re.search(r'id="referral-code">([A-Z0-9-]+)<', result.text)
    assert code
    reviewer = web.signed_in("reviewer")
    page = reviewer.get(_case_url(reviewer.get("/reviewer").text, code.group(1))).text
    assert page.count('class="eye-photo"') == 2
    assert '<script src="/static/viewer.js" defer></script>' in page
    assert "data-viewer-tools hidden" in page  # shown only when the script runs
    full = re.findall(r'<img src="(/photos/[^"?]+)" alt="(Right eye|Left eye)"', page)
    assert [eye for _, eye in full] == ["Right eye", "Left eye"]
    assert reviewer.get(full[0][0]).headers["content-type"] == "image/jpeg"
    script = reviewer.get("/static/viewer.js")
    assert script.status_code == 200 and "brightness(" in script.text


def test_the_queue_speaks_chinese(web: WebBed) -> None:
    register_and_screen(web, web.signed_in("screener_a"), "Chinese Queue")
    reviewer = web.signed_in("reviewer")
    reviewer.cookies.set("lang", "zh_Hans")
    page = reviewer.get("/reviewer").text
    assert "较好眼" in page and "仅紧急" in page


def test_the_case_pages_tab_title_is_the_case_and_its_code_in_both_languages(
    web: WebBed,
) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Title Person")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, case["code"])
    for language, word in (("en", "Case"), ("zh_Hans", "病例")):
        reviewer.cookies.set("lang", language)
        page = reviewer.get(url).text
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title and title.group(1) == f"{word} {case['code']} · Brightline"
        head = page.split("</head>", 1)[0]
        assert '<script src="/static/viewer.js" defer></script>' in head
        assert page.count("/static/viewer.js") == 1


def _field_errors(page: str) -> dict[str, str]:
    """Each error shown beside its field on a page, by field."""
    found = re.findall(r'<span class="error" id="([a-z_0-9]+)-error">(.*?)</span>', page, re.S)
    return {field: html.unescape(unmarked(text)) for field, text in found}


def test_a_review_names_every_problem_at_once_beside_its_field_in_both_languages(
    web: WebBed,
) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Every Problem")
    reviewer = web.signed_in("reviewer")
    url = _case_url(reviewer.get("/reviewer").text, case["code"])
    wrong = {"recommendation": "surgery", "right_icd11": "banana", "left_icd10": "h99.x"}
    refused = submit(reviewer, url, url, wrong)
    assert refused.status_code == 422
    errors = _field_errors(refused.text)
    assert errors == {
        "surgery_eyes": "A surgery recommendation must name the eye(s) to operate: "
        "right, left or both.",
        # What the reviewer typed is quoted as typed, not as the codes are compared.
        "right_icd11": '"banana" is not an eye-related ICD-11 code.',
        "left_icd10": '"h99.x" is not an eye-related ICD-10 code.',
    }
    reviewer.cookies.set("lang", "zh_Hans")
    chinese = _field_errors(submit(reviewer, url, url, wrong).text)
    assert chinese == {
        "surgery_eyes": "建议手术时必须注明手术眼：右眼、左眼或双眼。",
        "right_icd11": "“banana”不是眼科相关的 ICD-11 编码。",
        "left_icd10": "“h99.x”不是眼科相关的 ICD-10 编码。",
    }
    reviewer.cookies.set("lang", "en")
    eyes_only = {"recommendation": "glasses", "surgery_eyes": "left", "right_icd10": "h25.1"}
    assert _field_errors(submit(reviewer, url, url, eyes_only).text) == {
        "surgery_eyes": "Eyes to operate go only with a surgery recommendation; "
        "recommend surgery or clear them."
    }
