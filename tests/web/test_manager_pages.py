"""The manager's dashboard: names not codes, WHO words, periods and regions, fresh snapshots."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest

from brightline.analytics.population import import_population
from brightline.analytics.report_view import number
from brightline.analytics.snapshot import take_snapshot
from brightline.analytics.snapshot_jobs import refresh_if_due, snapshot_due
from brightline.store.analytics_models import SnapshotJob
from brightline.web.i18n import Formats
from tests.web.conftest import WebBed, submit, unmarked
from tests.web.test_chinese_walk import ascii_punctuation_beside_chinese, visible_text
from tests.web.test_pages import register_and_screen

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


@pytest.fixture(scope="module")
def screened(web: WebBed) -> WebBed:
    """Two people screened at Clinic A (township TA of county CA), then a snapshot."""
    screener = web.signed_in("screener_a")
    register_and_screen(web, screener, "Manager Test One")
    register_and_screen(web, screener, "Manager Test Two")
    take_snapshot(web.site)
    return web


def _wait_for_job(web: WebBed, timeout: float = 30.0) -> SnapshotJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with web.site.transaction() as session:
            job = session.query(SnapshotJob).order_by(SnapshotJob.id.desc()).first()
            if job is not None and job.state in ("done", "failed"):
                session.expunge(job)
                return job
        time.sleep(0.1)
    raise AssertionError("the snapshot job did not finish")


def test_the_dashboard_names_regions_and_who_categories(screened: WebBed) -> None:
    page = screened.signed_in("manager").get("/manager").text
    table = page[page.index('id="region-table"') :]
    assert "County A" in table and "County B" in table  # names, with the code beside
    assert '<th scope="col">County</th>' in table
    assert "Category 0" not in page
    assert "Moderate (&lt; 6/18)" in page or "Blind (&lt; 1/60)" in page
    assert "Figures from the snapshot taken" in page
    # No population imported: the surgical rate says how to get it.
    assert "Import population to see this" in page
    # The current month is marked as to date, never drawn as a drop.
    assert f"{date.today():%Y-%m} (to date)" in page
    assert "chart-line-partial" in page


def test_period_and_region_selectors(screened: WebBed) -> None:
    client = screened.signed_in("manager")
    county = client.get("/manager", params={"region": "CA", "period": str(date.today().year)})
    assert county.status_code == 200
    assert "Dashboard · County A" in unmarked(county.text)
    table = county.text[county.text.index('id="region-table"') :]
    assert "Township A" in table and "County B" not in table
    assert f'<option value="{date.today().year}" selected>' in county.text
    wrong = client.get("/manager", params={"period": "2026-13"})
    assert wrong.status_code == 422 and "is not a real date" in wrong.text
    foreign = client.get("/manager", params={"region": "XX"})
    assert foreign.status_code == 422 and "no region &#39;XX&#39; in your area" in foreign.text


def test_the_dashboard_in_chinese(screened: WebBed) -> None:
    client = screened.signed_in("manager")
    client.get("/lang/zh_Hans")
    page = client.get("/manager").text
    assert "转诊日期" not in page  # "Referred" as a count is not the date of referral
    assert "中度" in page and "近12个月" in page
    assert "Category" not in page and "类别 0" not in page


def test_a_manager_takes_a_snapshot_from_the_page(screened: WebBed) -> None:
    client = screened.signed_in("manager")
    before = client.get("/manager").text
    taken = re.search(r"snapshot taken ([^<]+) UTC", before)
    assert taken
    done = submit(client, "/manager", "/manager/snapshot", {})
    assert done.status_code == 303 and done.headers["location"] == "/manager#snapshot"
    job = _wait_for_job(screened)
    assert job.state == "done", job.message
    assert job.steps_done == job.steps_total > 0
    assert job.message and "Snapshot (incremental)" in job.message
    after = client.get("/manager").text
    assert 'http-equiv="refresh"' not in after  # nothing running any more


def test_only_one_snapshot_at_a_time_and_only_managers(screened: WebBed) -> None:
    with screened.site.transaction() as session:
        session.add(
            SnapshotJob(
                requested_by="someone",
                requested_at=screened.site.now(),
                state="running",
                running_slot=1,
                heartbeat_at=screened.site.now(),
                steps_done=1,
                steps_total=5,
            )
        )
    client = screened.signed_in("manager")
    page = client.get("/manager").text
    assert 'http-equiv="refresh"' in page and "<progress" in page
    refused = submit(client, "/manager", "/manager/snapshot", {})
    assert refused.status_code == 409 and "already being taken" in refused.text
    with screened.site.transaction() as session:
        running = session.query(SnapshotJob).filter_by(requested_by="someone").one()
        running.state, running.running_slot = "failed", None
    surgeon = screened.signed_in("surgeon")
    assert submit(surgeon, "/centre", "/manager/snapshot", {}).status_code == 403


def test_the_schedule_takes_a_snapshot_only_when_due(screened: WebBed) -> None:
    from datetime import timedelta

    assert not snapshot_due(screened.site, timedelta(hours=1))
    assert refresh_if_due(screened.site, timedelta(hours=1)) is None
    job_id = refresh_if_due(screened.site, timedelta(seconds=0))
    assert job_id is not None
    with screened.site.transaction() as session:
        job = session.get(SnapshotJob, job_id)
        assert job is not None and job.state == "done" and job.requested_by == "schedule"


def test_the_surgical_rate_card_has_its_unit_and_the_report_s_digits(
    screened: WebBed, tmp_path: Path
) -> None:
    """The CSR card names its unit (WHO: eyes per million people per year) in both languages."""
    year = date.today().year
    rows = [f"CA,{y},50-54,{sex},1000" for y in (year - 1, year) for sex in ("female", "male")]
    (tmp_path / "population.csv").write_text(
        "region,year,age_band,sex,count\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    import_population(screened.site, tmp_path / "population.csv")
    take_snapshot(screened.site)
    client = screened.signed_in("manager")
    cards = client.get("/manager").text.split('id="indicator-cards"')[1].split("</div>\n")[0]
    assert "Cataract surgical rate (eyes per million people per year)" in cards
    assert "Import population to see this" not in cards
    client.get("/lang/zh_Hans")
    chinese = client.get("/manager").text.split('id="indicator-cards"')[1]
    assert "白内障手术率（每年每百万人手术眼数）" in chinese
    # The same digits as the printed report: at most one decimal, none when whole.
    fmt = Formats("en", screened.site.programme)
    for value in (2501.34, 2501.0, 0.0, 1234567.89):
        assert fmt.rate(value) == number(value)


def test_the_chinese_dashboard_uses_full_width_colons_and_parentheses(screened: WebBed) -> None:
    client = screened.signed_in("manager")
    client.get("/lang/zh_Hans")
    text = visible_text(client.get("/manager").text)
    assert "统计期间：" in text and "已筛查：" in text and "按地区（县）" in text
    assert ascii_punctuation_beside_chinese(text) == []
