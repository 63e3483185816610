"""The printable programme report: ``brightline report`` and brightline.analytics.report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brightline.analytics import report as report_module
from brightline.analytics.engines import connect
from brightline.analytics.indicators import (
    ALL,
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    compute_indicators,
    flows_by_month,
    run_indicators,
    snapshot_tables,
)
from brightline.analytics.periods import ReportPeriod, parse_period
from brightline.analytics.report import (
    build_report,
    find_chromium,
    report_figures,
    write_report,
)
from brightline.analytics.suppression import export
from brightline.cli import app
from brightline.errors import InvalidInput
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DUCKDB_DEPRECATION, SPARK_SOCKET, table_rows
from tests.web.test_chinese_walk import english_in

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
COUNTY = RegionScope("county", "LS01")
OTHER_COUNTIES = ("LS02", "LS03", "LS04")
YEAR = "2025"


class _Cells(HTMLParser):
    """Table cells of a page by section id, with their classes, and every chart value."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.open: list[str] | None = None
        self.text = ""
        self.cells: list[tuple[str, list[str], str]] = []
        self.chart_values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.section = found.get("id") or ""
        if tag in ("td", "text"):
            self.open = (found.get("class") or "").split()
            self.text = ""

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        # A cell's text may hold marked-up data (<span translate="no">): only its end ends it.
        if self.open is None or tag not in ("td", "text"):
            return
        if tag == "td":
            self.cells.append((self.section, self.open, self.text.strip()))
        elif "chart-value" in self.open:
            self.chart_values.append(self.text.strip())
        self.open = None


def _cells(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


def _published(demo: DemoSnapshot, query: IndicatorQuery) -> dict[tuple[str, ...], Any]:
    """The suppressed indicator table as the CSV/JSON export gives it (an independent path)."""
    table = run_indicators(demo.snapshot.parent, query)
    rows = json.loads(export(table, "json"))["rows"]
    return {(r["region"], r["indicator"], r["breakdown"], r["category"]): r for r in rows}


# -- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-07", date(2026, 7, 1), date(2026, 8, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-01-01..2026-06-30", date(2026, 1, 1), date(2026, 7, 1)),
        ("2024-02-29..2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
        (" 2026-07 ", date(2026, 7, 1), date(2026, 8, 1)),
    ],
)
def test_period_forms_accepted(written: str, start: date, end: date) -> None:
    period = parse_period(written)
    assert (period.start, period.end) == (start, end)
    assert period.last_day == end.fromordinal(end.toordinal() - 1)


@pytest.mark.parametrize(
    "written",
    [
        "",
        "26",
        "2026-Q5",
        "2026-Q0",
        "2026-13",
        "2026-00",
        "2026-7",
        "2026/07",
        "2026-07-01",
        "2026-02-30..2026-03-31",
        "2026-06-30..2026-01-01",
        "2026-01-01...2026-06-30",
        "0000",
    ],
)
def test_period_forms_refused_naming_the_field(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(written)
    assert refused.value.field == "period"
    assert "2026, 2026-Q3, 2026-07 or 2026-01-01..2026-06-30" in str(refused.value)


def test_period_months() -> None:
    period = ReportPeriod("x", date(2024, 11, 15), date(2025, 2, 10))
    assert period.months() == [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    assert parse_period("2026-Q3").months() == [(2026, 7), (2026, 8), (2026, 9)]


# -- the per-month definition, on every engine --------------------------------------------


def _flows(demo: DemoSnapshot, engine_name: str, spark: Any = None) -> dict[tuple[Any, ...], int]:
    engine = connect(engine_name, spark=spark)
    query = IndicatorQuery("township", date(2024, 7, 1), date(2025, 7, 1), COUNTY)
    rows = engine.rows(flows_by_month(snapshot_tables(engine, demo.snapshot), query))
    return {(r["flow"], r["year"], r["month"]): r["n"] for r in rows}


def _flows_by_hand(demo: DemoSnapshot) -> dict[tuple[Any, ...], int]:
    """The same counts straight from the Parquet rows, in plain Python."""
    start, end = date(2024, 7, 1), date(2025, 7, 1)
    found: Counter[tuple[Any, ...]] = Counter()
    people: set[tuple[Any, ...]] = set()
    for row in table_rows(demo.snapshot, "screenings"):
        day = row["screened_on"]
        if row["county"] == "LS01" and start <= day < end:
            people.add((day.year, day.month, row["person"]))
    for year, month, _person in people:
        found[("screened", year, month)] += 1
    for flow, table, on in (
        ("referred", "referrals", "referred_on"),
        ("operated", "surgeries", "operated_on"),
    ):
        for row in table_rows(demo.snapshot, table):
            day = row[on]
            if row["county"] == "LS01" and start <= day < end:
                found[(flow, day.year, day.month)] += 1
    return dict(found)


@pytest.mark.parametrize("engine_name", ["duckdb", "polars"])
def test_flows_by_month_counts_each_month(demo_snapshot: DemoSnapshot, engine_name: str) -> None:
    flows = _flows(demo_snapshot, engine_name)
    assert flows == _flows_by_hand(demo_snapshot)
    assert sum(n for (flow, _, _), n in flows.items() if flow == "screened") > 100
    # Referrals and eyes of the months add up to the period's totals.
    engine = connect(engine_name)
    query = IndicatorQuery("township", date(2024, 7, 1), date(2025, 7, 1), COUNTY)
    table = compute_indicators(engine, snapshot_tables(engine, demo_snapshot.snapshot), query)
    counts = table.counts()
    for flow, total in (("referred", ("referred", "total")), ("operated", ("surgeries", "eyes"))):
        months = sum(n for (f, _, _), n in flows.items() if f == flow)
        assert months == counts[(ALL, total[0], "", total[1])]


@pytest.mark.slow
@pytest.mark.filterwarnings(SPARK_SOCKET)
def test_flows_by_month_and_report_same_on_spark(demo_snapshot: DemoSnapshot, spark: Any) -> None:
    assert _flows(demo_snapshot, "spark", spark) == _flows(demo_snapshot, "duckdb")
    on_spark = report_figures(
        demo_snapshot.snapshot.parent, region=COUNTY, period=YEAR, engine="spark", spark=spark
    )
    on_duckdb = report_figures(demo_snapshot.snapshot.parent, region=COUNTY, period=YEAR)
    assert on_spark.shown == on_duckdb.shown


# -- the report -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def county_year(demo_snapshot: DemoSnapshot) -> str:
    """The report of county LS01 for the year 2025."""
    return build_report(
        demo_snapshot.snapshot.parent, region=COUNTY, period=YEAR, region_name="Baihe County"
    )


def test_funnel_shows_the_suppressed_indicators(
    demo_snapshot: DemoSnapshot, county_year: str
) -> None:
    query = IndicatorQuery("township", date(2025, 1, 1), date(2026, 1, 1), COUNTY)
    published = _published(demo_snapshot, query)
    expected = [
        published[(ALL, indicator, "", category)]["count"]
        for indicator, category in (
            ("screened", "people"),
            ("referred", "total"),
            ("referral_uptake", "attended"),
            ("surgeries", "eyes"),
            ("outcome_presenting", "good"),
        )
    ]
    funnel = [text for section, _, text in _cells(county_year).cells if section == "funnel"]
    assert funnel[1::2] == [f"{n:,}" if isinstance(n, int) else n for n in expected]
    assert expected[0] > 100 and "<11" in expected  # both shown and hidden numbers are tested
    backlog = [text for section, _, text in _cells(county_year).cells if section == "backlog"]
    townships = sorted({r for (r, i, _, _) in published if i == "backlog" and r != ALL})
    assert backlog[0::4] == [*townships, "All of LS01"]
    for region, people in zip([*townships, ALL], backlog[1::4], strict=True):
        assert people == str(published[(region, "backlog", "", "people")]["count"])


def test_no_small_count_leaves_unsuppressed(county_year: str) -> None:
    page = _cells(county_year)
    counts = [text for _, classes, text in page.cells if "count" in classes]
    assert len(counts) > 40 and "<11" in counts
    numbers = [text.split()[0] for text in counts + page.chart_values if text]
    shown = [int(n.replace(",", "")) for n in numbers if n.replace(",", "").isdigit()]
    assert shown and not [n for n in shown if 1 <= n <= 10]


def test_months_and_totals_are_suppressed_together(demo_snapshot: DemoSnapshot) -> None:
    figures = report_figures(demo_snapshot.snapshot.parent, region=COUNTY, period=YEAR)
    for indicator, category in (("referred", "total"), ("surgeries", "eyes")):
        group = [
            shown
            for (region, i, breakdown, c), (shown, _) in figures.shown.items()
            if region == ALL
            and i == indicator
            and c == category
            and (breakdown == "" or breakdown.startswith("month:"))
        ]
        assert len(group) == 13  # twelve months and the year
        assert sum(isinstance(n, str) for n in group) != 1  # never one hidden number alone


def test_only_the_region_and_self_contained(county_year: str) -> None:
    assert "Baihe County (LS01)" in county_year and "LS0101" in county_year
    for outside in OTHER_COUNTIES:
        assert outside not in county_year
    for external in ("http://", "https://", "<script", "<link", "<img", "src=", "url("):
        assert external not in county_year
    assert "size: A4" in county_year and "break-before: page" in county_year
    assert county_year.count("<svg") == 6  # funnel, two outcomes, three trends


@pytest.mark.skipif(
    find_chromium() is None, reason="Chromium not installed (apt-get install chromium)"
)
def test_pdf_printed_by_chromium(demo_snapshot: DemoSnapshot, tmp_path: Path) -> None:
    out = write_report(
        demo_snapshot.snapshot.parent, tmp_path / "report.pdf", region=COUNTY, period=YEAR
    )
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", content)) >= 1
    assert b"/MediaBox [0 0 594.9" in content  # A4, from the page's CSS
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def _has_font(family: str) -> bool:
    fc_list = shutil.which("fc-list")
    return fc_list is not None and bool(
        subprocess.run([fc_list, family], capture_output=True, text=True, check=False).stdout
    )


@pytest.mark.skipif(
    find_chromium() is None or not _has_font("Noto Sans CJK SC"),
    reason="Chromium or a CJK font not installed (apt-get install chromium fonts-noto-cjk)",
)
def test_the_chinese_pdf_embeds_a_chinese_font(demo_snapshot: DemoSnapshot, tmp_path: Path) -> None:
    """Without a font for the ideographs Chromium prints empty boxes; the report's CSS names
    Noto Sans CJK SC after the Latin fonts, and the PDF embeds it."""
    out = tmp_path / "report.pdf"
    args = ("--region", "LS01", "--period", YEAR, "--out", str(out), "--lang", "zh_Hans")
    code, text = _run(demo_snapshot.settings.home, *args)
    assert code == 0, text
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    assert b"/FontFamily (Noto Sans CJK SC)" in content
    english = tmp_path / "report-en.pdf"
    code, text = _run(
        demo_snapshot.settings.home, "--region", "LS01", "--period", YEAR, "--out", str(english)
    )
    assert code == 0, text
    assert b"/FontFamily (Noto Sans CJK" not in english.read_bytes()  # English needs none


# -- the command ------------------------------------------------------------------------------


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), "report", *args])
    return result.exit_code, result.output


def test_report_command(demo_snapshot: DemoSnapshot, tmp_path: Path) -> None:
    home = demo_snapshot.settings.home
    out = tmp_path / "report.html"
    code, text = _run(home, "--region", "LS01", "--period", YEAR, "--out", str(out))
    assert code == 0, text
    assert "Baihe County (LS01)" in text and str(out) in text
    page = out.read_text(encoding="utf-8")
    assert "Baihe County (LS01)" in page and "LS02" not in page

    code, text = _run(home, "--region", "LS01", "--period", "2025-Q5", "--out", str(out))
    assert code == 2 and "period:" in text and "2026-Q3" in text
    code, text = _run(home, "--region", "LS01", "--period", YEAR, "--out", str(tmp_path / "r.txt"))
    assert code == 2 and "out:" in text and ".html or .pdf" in text
    code, text = _run(home, "--region", "NOPE", "--period", YEAR, "--out", str(out))
    assert code == 2 and "no region with code 'NOPE'" in text
    code, text = _run(
        home, "--region", "LS01", "--period", YEAR, "--out", str(out), "--snapshot", str(tmp_path)
    )
    assert code == 2 and "run 'brightline snapshot'" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def _numbers(page: str) -> list[tuple[str, str]]:
    """Every number of a report: its table cells of numbers and the values on its charts."""
    parsed = _cells(page)
    cells = [(section, text) for section, classes, text in parsed.cells if "num" in classes]
    return cells + [("chart", value) for value in parsed.chart_values]


def test_the_report_in_chinese_has_no_english_word_and_the_same_numbers(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    english, chinese = tmp_path / "en.html", tmp_path / "zh.html"
    code, text = _run(home, "--region", "LS01", "--period", YEAR, "--out", str(english))
    assert code == 0, text
    args = ("--region", "LS01", "--period", YEAR, "--out", str(chinese), "--lang", "zh_Hans")
    code, text = _run(home, *args)
    assert code == 0, text
    en_page, zh_page = english.read_text("utf-8"), chinese.read_text("utf-8")
    assert '<html lang="zh-Hans">' in zh_page and '<html lang="en">' in en_page
    assert "项目报告" in zh_page and "Programme report" in en_page
    # The same word check as the web pages' Chinese walk: data is marked translate="no".
    assert english_in(zh_page) == ([], [])
    assert {"Referral", "funnel", "Outcome"} <= set(english_in(en_page)[0])
    numbers = _numbers(en_page)
    assert len(numbers) > 40 and any(value not in ("", "–", "0") for _, value in numbers)
    assert _numbers(zh_page) == numbers
    assert "2025年1月" in zh_page and "January 2025" in en_page
    assert "转诊日期" not in zh_page  # "Referred" on the funnel is a count, not a date
    code, text = _run(home, *args[:-1], "fr")
    assert code == 2 and "zh_Hans" in text


def test_the_report_offers_the_web_uis_languages() -> None:
    from brightline.cli.analytics import Language
    from brightline.web.i18n import LANGUAGES

    assert [language.value for language in Language] == list(LANGUAGES)


def test_pdf_without_chromium_says_what_to_do(
    demo_snapshot: DemoSnapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installation without Chromium: nothing at the usual path, nothing on PATH.
    monkeypatch.setattr(report_module, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "report.pdf"
    code, text = _run(
        demo_snapshot.settings.home, "--region", "LS01", "--period", YEAR, "--out", str(out)
    )
    assert code == 2 and "report.html" in text and "install chromium" in text
    assert not out.exists()


def test_the_report_counts_outcome_within_the_programmes_follow_up_window(
    demo_snapshot: DemoSnapshot,
) -> None:
    """The follow-up window is the programme's setting, not the default 28 to 84 days."""
    root = demo_snapshot.snapshot.parent
    default = report_figures(root, region=COUNTY, period=YEAR).table
    every_day = report_figures(root, region=COUNTY, period=YEAR, follow_up_window=(0, 10_000))
    never = report_figures(root, region=COUNTY, period=YEAR, follow_up_window=(10_000, 10_001))

    def in_window(table: IndicatorTable) -> int | None:
        cell = table.get(ALL, "follow_up_in_window", "in_window")
        return cell.count if cell else None

    followed = default.get(ALL, "follow_up", "followed_up")
    assert followed is not None and followed.count
    assert in_window(every_day.table) == followed.count  # every follow-up is within (0, ∞)
    assert in_window(never.table) == 0


def test_the_report_names_its_regions_and_shows_the_snapshot_time_as_the_web_does(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    home = demo_snapshot.settings.home
    for lang in ("en", "zh_Hans"):
        out = tmp_path / f"province-{lang}.html"
        code, text = _run(
            home, "--region", "LS", "--period", YEAR, "--out", str(out), "--lang", lang
        )
        assert code == 0, text
        page = out.read_text("utf-8")
        for section in ("backlog", "barriers"):
            rows = page.split(f'<section id="{section}">')[1].split("</section>")[0]
            assert '<span translate="no">Baihe County <span class="code">LS01</span>' in rows
            assert "Xiyang County" in rows, (lang, section)
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page), lang  # no raw ISO time
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page.split("</header>")[0]), lang


@pytest.mark.skipif(
    find_chromium() is None, reason="Chromium not installed (apt-get install chromium)"
)
def test_the_report_fits_a_phone_its_tables_scroll_inside(
    demo_snapshot: DemoSnapshot, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from brightline.chromium import CHROMIUM, HEADLESS_FLAGS

    out = tmp_path / "report.html"
    args = ("--region", "LS", "--period", YEAR, "--out", str(out), "--lang", "zh_Hans")
    code, text = _run(demo_snapshot.settings.home, *args)
    assert code == 0, text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_FLAGS))
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(out.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            widest = page.evaluate(
                "Math.max(...[...document.querySelectorAll('table')].map(t => t.scrollWidth))"
            )
            assert widest > 360  # the barriers table is wider: it scrolls in its own box
        finally:
            browser.close()
