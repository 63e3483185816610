"""The patient's access report per visit with a summary, the slip's address, and the
privacy officer's counts in words in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

from brightline.audit.reports import AccessReportLine
from brightline.audit.tree import InclusionProof
from brightline.programme import load_programme
from brightline.settings import Settings
from brightline.web.i18n import Formats
from brightline.web.patient_report import summary, visits
from tests.web.conftest import WebBed, submit
from tests.web.test_pages import register_and_screen


def _report(web: WebBed, case: dict[str, str], language: str = "en") -> str:
    client = web.client()
    if language != "en":
        client.get(f"/lang/{language}")
    shown = submit(client, "/patient", "/patient", {"code": case["code"], "pin": case["pin"]})
    assert shown.status_code == 200
    return str(shown.text)


def test_the_access_report_groups_visits_and_says_it_in_one_line(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Wu Lanying")
    page = _report(web, case)
    first = re.search(r'id="access-summary">([^<]+)<', page)
    assert first, page
    # Registering and screening is one visit of the clinic, for the person's care.
    assert first.group(1) == (
        "Your record was opened 1 time: 1 by screening health worker for your care."
    )
    visit = page[page.index('id="access-report"') :]
    assert "registered you" in visit and "recorded an eye screening" in visit
    assert re.search(r"\d{2}:\d{2} UTC · screening health worker", visit)
    assert "verified" in visit and "NOT verified" not in visit
    chinese = _report(web, case, "zh_Hans")
    assert "您的记录被打开了 1 次" in chinese and "screening health worker" not in chinese


def _line(minutes: int, role: str, purpose: str, action: str = "looked at your record") -> Any:
    proof = InclusionProof(0, 1, b"\0" * 32, b"\0" * 32, ())
    at = BASE + timedelta(minutes=minutes)
    return AccessReportLine(0, at.date(), action, purpose, role, "allowed", False, proof, True, at)


from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

BASE = datetime(2026, 11, 3, 9, 0)


def test_visits_split_on_staff_purpose_and_an_hour_apart() -> None:
    lines = [
        _line(0, "screening health worker", "your care", "registered you"),
        _line(5, "screening health worker", "your care", "recorded an eye screening"),
        _line(10, "screening health worker", "your care", "looked at your record"),
        _line(130, "screening health worker", "your care"),  # later that day: a new visit
        _line(200, "eye doctor (online review)", "review of your case"),
        _line(205, "eye doctor (online review)", "review of your case"),
        _line(300, "screening health worker", "your care"),
        _line(301, "screening health worker", "follow-up"),
        _line(60 * 24 + 5, "screening health worker", "follow-up"),  # the next day
    ]
    grouped = visits([(line, True) for line in lines])
    assert [len(v.lines) for v in grouped] == [3, 1, 2, 1, 1, 1]
    fmt = Formats("en", load_programme(Settings().programme_file))
    assert summary(grouped, fmt) == (
        "Your record was opened 6 times: 3 by screening health worker for your care, "
        "2 by screening health worker for follow-up, "
        "1 by eye doctor (online review) for review of your case."
    )
    assert grouped[0].actions == [
        ("registered you", 1),
        ("recorded an eye screening", 1),
        ("looked at your record", 1),
    ]


def test_the_slip_prints_the_full_address_of_the_report_and_its_qr_code(web: WebBed) -> None:
    case = register_and_screen(web, web.signed_in("screener_a"), "Zhao Min")
    page = case["page"].text
    address = re.search(r'id="report-url">([^<]+)<', page)
    assert address and address.group(1) == "http://testserver/patient"
    assert page.count("<svg") >= 2  # the code's QR and the address's QR
    prefilled = web.client().get("/patient", params={"code": case["code"]})
    assert f'value="{case["code"]}"' in prefilled.text


def test_the_privacy_page_words_purposes_outcomes_and_actions(web: WebBed) -> None:
    register_and_screen(web, web.signed_in("screener_a"), "Sun Hua")
    client = web.signed_in("privacy")
    page = client.get("/privacy").text
    transparency = page[page.index('id="transparency"') : page.index('id="by-action"')]
    assert "<td>Treatment</td><td>Allowed</td>" in transparency
    assert "<td>treatment</td>" not in transparency
    by_action = page[page.index('id="by-action"') :]
    assert "Recorded a screening" in by_action and "Registered a person" in by_action
    client.get("/lang/zh_Hans")
    chinese = client.get("/privacy").text
    zh_transparency = chinese[chinese.index('id="transparency"') : chinese.index('id="by-action"')]
    assert "<td>治疗</td><td>允许</td>" in zh_transparency
    assert "手术效果" not in zh_transparency and "结果" in zh_transparency
    assert "记录了筛查" in chinese
    client.get("/lang/en")


def test_access_counts_kept_between_views_equal_a_full_count(web: WebBed) -> None:
    from brightline.audit import access_counts
    from brightline.audit.reports import transparency_report

    def both() -> tuple[list[Any], list[Any]]:
        with web.site.transaction() as session:
            counts = access_counts.monthly_counts(session)
            return access_counts.transparency(counts), transparency_report(session)

    kept, full = both()
    assert kept == full
    register_and_screen(web, web.signed_in("screener_a"), "Counted Later")
    kept, full = both()
    assert kept == full  # only the new entries were counted on top of the kept ones
    # A store whose first entries are not the ones counted (restored, replaced) is counted
    # afresh: their tree root differs.
    for store, (size, _root, counts) in list(access_counts._kept.items()):
        access_counts._kept[store] = (size, b"\1" * 32, {k: n * 100 for k, n in counts.items()})
    kept, full = both()
    assert kept == full
