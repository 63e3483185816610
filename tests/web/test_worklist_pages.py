"""The screener's worklist pages: attempts recorded by form, their effect on the list, the
filter and sort, Chinese, and the manager's dashboard figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brightline.access.operator import acting_as_account
from brightline.analytics.snapshot import take_snapshot
from brightline.records import PersonInput, ScreeningInput
from brightline.store.models import Referral
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.web.conftest import WebBed, csrf_of


def _referred(web: WebBed, name: str, days: int = 30) -> str:
    """A person of clinic A referred ``days`` ago (through the access layer, as screener_a)."""
    with acting_as_account(web.site, "screener_a") as access:
        view, _ = access.register_person(
            PersonInput(sex="female", birth_year=1950, name=name, phone="13911112222")
        )
        recorded = access.record_screening(
            ScreeningInput(
                person_id=view.person.id,
                screened_at=web.site.now() - timedelta(days=days),
                right_presenting_va="CF",
                left_presenting_va="6/60",
            )
        )
    assert recorded.referral is not None
    return recorded.referral.id


def _post_attempt(web: WebBed, referral_id: str, data: dict[str, str]) -> object:
    client = web.signed_in("screener_a")
    page = client.get(f"/screener/worklist/{referral_id}")
    assert page.status_code == 200, page.text
    return client.post(
        f"/screener/worklist/{referral_id}", data={**data, "csrf_token": csrf_of(page.text)}
    )


def test_an_attempt_recorded_on_the_page_is_listed_and_moves_the_entry(web: WebBed) -> None:
    referral_id = _referred(web, "Gao Mei")
    client = web.signed_in("screener_a")
    listing = client.get("/screener/worklist").text
    assert "Gao Mei" in listing and f"/screener/worklist/{referral_id}" in listing
    answer = _post_attempt(web, referral_id, {"outcome": "not_reachable"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    entry = client.get(f"/screener/worklist/{referral_id}").text
    assert 'id="attempts"' in entry and "Not reachable" in entry and "screener_a" in entry
    filtered = client.get("/screener/worklist?outcome=not_reachable").text
    assert "Gao Mei" in filtered
    assert "Gao Mei" not in client.get("/screener/worklist?outcome=not_tried").text
    declined = _post_attempt(
        web, referral_id, {"outcome": "declined", "decline_reason": "distance"}
    )
    assert declined.status_code == 303  # type: ignore[attr-defined]
    assert "Gao Mei" not in client.get("/screener/worklist").text
    closed = client.get(f"/screener/worklist/{referral_id}").text
    assert 'id="entry-closed"' in closed and 'id="attempt-form"' not in closed
    with web.site.transaction() as session:
        stored = session.get(Referral, referral_id)
        assert stored is not None and (stored.status, stored.close_reason) == (
            "closed",
            "declined",
        )


def test_a_promise_leaves_the_list_and_a_bad_form_names_the_field(web: WebBed) -> None:
    referral_id = _referred(web, "Hu Jun")
    missing_date = _post_attempt(web, referral_id, {"outcome": "will_attend"})
    assert missing_date.status_code == 422  # type: ignore[attr-defined]
    assert 'id="will_attend_on-error"' in missing_date.text  # type: ignore[attr-defined]
    tomorrow = (web.site.today() + timedelta(days=1)).isoformat()
    kept = _post_attempt(web, referral_id, {"outcome": "will_attend", "will_attend_on": tomorrow})
    assert kept.status_code == 303  # type: ignore[attr-defined]
    client = web.signed_in("screener_a")
    assert "Hu Jun" not in client.get("/screener/worklist").text


def test_sorted_by_days_waiting_and_other_clinics_refused(web: WebBed) -> None:
    old = _referred(web, "Old Zhou", days=90)
    young = _referred(web, "Young Zhou", days=20)
    client = web.signed_in("screener_a")
    longest = client.get("/screener/worklist").text
    shortest = client.get("/screener/worklist?sort=shortest_waiting").text
    assert longest.index(old) < longest.index(young)
    assert shortest.index(young) < shortest.index(old)
    other = web.signed_in("screener_b")
    assert other.get(f"/screener/worklist/{old}").status_code == 404


def test_the_worklist_in_chinese(web: WebBed) -> None:
    _referred(web, "Lin Xia")
    client = web.signed_in("screener_a")
    client.get("/lang/zh_Hans")
    page = client.get("/screener/worklist").text
    assert "最近一次联系" in page and "等待最久的在前" in page


@pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
def test_the_dashboard_shows_closures_and_barriers(web: WebBed) -> None:
    referral_id = _referred(web, "Deng Ping")
    assert _post_attempt(web, referral_id, {"outcome": "declined", "decline_reason": "fear"})
    take_snapshot(web.site)
    page = web.signed_in("manager").get("/manager").text
    assert 'id="barrier-table"' in page and 'id="closed-table"' in page
    assert "Uptake among those who could attend" in page
    barrier_table = page[page.index('id="barrier-table"') :]
    # Only this test records fear; the dashboard is inside the system, so the count is exact.
    assert '<td>Fear</td><td class="num">1</td>' in barrier_table
