"""The manager's dashboard shows review turnaround per reviewer and per clinic, suppressed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from brightline.analytics.snapshot import take_snapshot
from brightline.store.models import User
from tests.web.conftest import WebBed, submit
from tests.web.test_pages import register_and_screen

# ibis 12 still calls DuckDB's deprecated fetch_arrow_table() when it reads a schema.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def test_the_dashboard_shows_turnaround_by_reviewer_and_by_clinic(web: WebBed) -> None:
    screener = web.signed_in("screener_a")
    reviewer = web.signed_in("reviewer")
    for n in range(12):
        case = register_and_screen(web, screener, f"Turnaround {n}")
        link = re.search(
            rf'href="(/reviewer/cases/[^"]+)">{case["code"]}<', reviewer.get("/reviewer").text
        )
        assert link
        submit(reviewer, link.group(1), link.group(1), {"recommendation": "glasses"})
    take_snapshot(web.site)
    with web.site.transaction() as session:
        pseudonym = session.scalar(select(User.pseudonym).where(User.username == "reviewer"))
    assert pseudonym
    for language, heading in (("en", "Review turnaround"), ("zh_Hans", "审阅周转时间")):
        manager = web.signed_in("manager")
        manager.cookies.set("lang", language)
        page = manager.get("/manager").text
        assert heading in page
        by_reviewer = page.split('id="turnaround-reviewer"')[1].split("</table>")[0]
        assert f"<code>{pseudonym[:8]}</code>" in by_reviewer and pseudonym not in by_reviewer
        assert "reviewer" not in by_reviewer.split("<tbody>")[1]  # no username
        by_clinic = page.split('id="turnaround-clinic"')[1].split("</table>")[0]
        row = by_clinic.split("<tbody>")[1]
        # 12 or more cases reviewed the same day they were referred: median and p90 are 0.
        assert "CL-A" in row and re.search(r'class="num">(1[2-9]|[2-9]\d)<', row)
        assert row.count('class="num">0<') == 2 or row.count('class="num">0.0<') == 2
