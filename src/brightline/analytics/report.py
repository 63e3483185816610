"""The printable programme report of one region and period: suppressed tables and SVG charts.

Everything in the report leaves the system, so every number in it is a published (suppressed)
figure (``brightline.analytics.suppression``): the service indicators of the period plus the
month-by-month flows, suppressed together so that no hidden count can be worked out from the
others. The HTML is one self-contained file (inline CSS and SVG, A4 print styles); the PDF is
that file printed by headless Chromium. docs/indicators.md "Printable report" explains it.
"""

from __future__ import annotations

import calendar
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from brightline.acuity import AcuityError, parse_va
from brightline.analytics.charts import bars, line
from brightline.analytics.engines import DEFAULT_ENGINE, connect
from brightline.analytics.indicators import (
    ALL,
    MONTHLY_FLOWS,
    NOT_MEASURED,
    OUTCOMES,
    Cell,
    CellKey,
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    compute_indicators,
    flows_by_month,
    snapshot_tables,
)
from brightline.analytics.periods import ReportPeriod, parse_period
from brightline.analytics.recall_indicators import BARRIERS
from brightline.analytics.snapshot import current_snapshot, read_manifest
from brightline.analytics.suppression import (
    COMPLEMENTARY,
    HIDDEN_VALUE,
    PRIMARY,
    SMALL_MAX,
    published_rows,
)
from brightline.analytics.suppression import suppress as suppress_table
from brightline.errors import BrightlineError, InvalidInput
from brightline.store.models import REGION_LEVELS
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES

REPORT_FORMATS = (".html", ".pdf")
CLOSING = CLOSING_CONTACT_OUTCOMES
BARRIER_LABELS = {
    "cost": "Cost",
    "fear": "Fear",
    "no_escort": "No escort",
    "distance": "Distance",
    "other": "Other",
}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT_SECONDS = 120
# The cells of the period total that each monthly flow breaks down.
FLOW_TOTALS = {
    "screened": ("screened", "people"),
    "referred": ("referred", "total"),
    "operated": ("surgeries", "eyes"),
}
# A published number: an exact count or value, "<11" / "x" when hidden, None when undefined.
Shown = int | float | str | None


class ChromiumMissing(BrightlineError):
    """A PDF was asked for but no Chromium is installed to print it."""

    code = "chromium_missing"


def breakdown_level(scope: RegionScope) -> str:
    """The level of the report's tables by region: one below the region (townships at most)."""
    return REGION_LEVELS[min(REGION_LEVELS.index(scope.level) + 1, len(REGION_LEVELS) - 1)]


@dataclass(frozen=True)
class ReportFigures:
    """The published figures of one report: every count and value as it may leave the system."""

    region: RegionScope
    region_name: str | None
    period: ReportPeriod
    good: str
    table: IndicatorTable
    shown: dict[CellKey, tuple[Shown, Shown]]

    def count(self, region: str, indicator: str, category: str, breakdown: str = "") -> Shown:
        """A published count: an int, "<11" or "x"; None if the table has no such cell."""
        return self.shown.get((region, indicator, breakdown, category), (None, None))[0]

    def value(self, region: str, indicator: str, category: str, breakdown: str = "") -> Shown:
        """A published rate or median: a float, "x" if hidden, None if undefined."""
        return self.shown.get((region, indicator, breakdown, category), (None, None))[1]


def month_breakdown(year: int, month: int) -> str:
    """The breakdown name of one month's flow cell."""
    return f"month:{year:04d}-{month:02d}"


def with_months(
    table: IndicatorTable, months: list[tuple[int, int]], rows: list[dict[str, Any]]
) -> IndicatorTable:
    """The indicator table with each monthly flow added as cells bound to their period total.

    Referrals and eyes of the months add up to the period's; suppressing them together keeps
    a hidden month (or total) from being recomputed by subtraction.
    """
    counts = {(r["flow"], r["year"], r["month"]): int(r["n"]) for r in rows}
    cells = list(table.cells)
    relations = list(table.relations)
    for flow in MONTHLY_FLOWS:
        indicator, category = FLOW_TOTALS[flow]
        members: list[CellKey] = []
        for year, month in months:
            cell = Cell(
                ALL,
                indicator,
                category,
                month_breakdown(year, month),
                counts.get((flow, year, month), 0),
            )
            cells.append(cell)
            members.append(cell.key)
        if flow != "screened":  # people screened in several months make no exact sum
            relations.append((*members, (ALL, indicator, "", category)))
    return IndicatorTable(table.query, table.regions, cells, relations, table.snapshot_created_at)


def report_figures(
    snapshot_dir: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
) -> ReportFigures:
    """Compute and suppress every figure of the report from the latest snapshot."""
    if isinstance(period, str):
        period = parse_period(period)
    try:
        good_at_least = parse_va(good).logmar_hundredths
    except AcuityError as exc:
        raise InvalidInput(str(exc), field="good") from exc
    query = IndicatorQuery(
        breakdown_level(region),
        period.start,
        period.end,
        region,
        good_at_least,
        follow_up_window=follow_up_window,
    )
    snapshot = current_snapshot(snapshot_dir)
    runner = connect(engine, spark=spark)
    tables = snapshot_tables(runner, snapshot)
    table = compute_indicators(runner, tables, query)
    table.snapshot_created_at = read_manifest(snapshot).get("created_at")
    table = with_months(table, period.months(), runner.rows(flows_by_month(tables, query)))
    rows = published_rows(table, suppress_table(table))
    shown: dict[CellKey, tuple[Shown, Shown]] = {
        (r["region"], r["indicator"], r["breakdown"], r["category"]): (r["count"], r["value"])
        for r in rows
    }
    return ReportFigures(region, region_name, period, good, table, shown)


# -- presentation ---------------------------------------------------------------------------


def number(shown: Shown) -> str:
    """A published count or value as text: grouped digits, the suppression mark, or a dash."""
    if shown is None:
        return "–"
    if isinstance(shown, str):
        return shown
    if isinstance(shown, int):
        return f"{shown:,}"
    return f"{shown:,.1f}".removesuffix(".0")


def percent(shown: Shown) -> str:
    """A published share as a percentage."""
    if isinstance(shown, float | int) and not isinstance(shown, bool):
        return f"{shown:.0%}"
    return number(shown)


def share(part: Shown, whole: Shown) -> float | str | None:
    """part ÷ whole when both are published numbers; "x" when either is hidden."""
    if isinstance(part, int) and isinstance(whole, int):
        return part / whole if whole else None
    return HIDDEN_VALUE if isinstance(part, str) or isinstance(whole, str) else None


def _length(shown: Shown) -> float:
    """How long a bar or high a point may be drawn: hidden and missing numbers draw nothing."""
    return float(shown) if isinstance(shown, int | float) else 0.0


def _month_label(year: int, month: int, span_years: bool) -> str:
    name = calendar.month_abbr[month]
    return f"{name} {year}" if span_years else name


def _heading(figures: ReportFigures) -> dict[str, Any]:
    """The report's title block: region, period, snapshot and the suppression rule."""
    return {
        "title": "Programme report",
        "region_code": figures.region.code,
        "region_level": figures.region.level,
        "region_name": figures.region_name,
        "period": figures.period,
        "level": figures.table.query.level,
        "good": figures.good,
        "snapshot_created_at": figures.table.snapshot_created_at or "–",
        "generated_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "small_max": SMALL_MAX,
        "primary": PRIMARY,
        "complementary": COMPLEMENTARY,
    }


def _key_figures(figures: ReportFigures) -> dict[str, Any]:
    """The section of headline rates and medians of the whole region."""
    c = figures.count
    v = figures.value
    key_figures = [
        ("Referral uptake (referrals attended ÷ made)", percent(v(ALL, "referral_uptake", "rate"))),
        (
            "Referral uptake among those who could attend (not moved, died or seen elsewhere)",
            percent(v(ALL, "referral_uptake", "rate_eligible")),
        ),
        (
            "Median days from referral to attendance",
            number(v(ALL, "referral_uptake", "median_days")),
        ),
        (
            "Median days from referral to first review",
            number(v(ALL, "online_review", "median_days")),
        ),
        (
            "Cataract surgical rate (eyes per million people per year)",
            number(v(ALL, "cataract_surgical_rate", "per_million_per_year")),
        ),
        (
            "Follow-up completion (operated eyes followed up)",
            percent(v(ALL, "follow_up", "completion")),
        ),
        (
            f"Good outcome, presenting VA ≥ {figures.good} (WHO target > 80 %)",
            percent(v(ALL, "outcome_presenting", "good_share")),
        ),
        (
            f"Good outcome, best-corrected VA ≥ {figures.good}",
            percent(v(ALL, "outcome_best_corrected", "good_share")),
        ),
        (
            "People waiting for surgery at the end of the period",
            number(c(ALL, "backlog", "people")),
        ),
    ]
    return {"key_figures": key_figures}


def _funnel(figures: ReportFigures) -> dict[str, Any]:
    """The referral funnel section: screened to good outcome, as a table and a bar chart."""
    c = figures.count
    # (label in the table, short label on the chart, published count)
    funnel = [
        ("People screened", "Screened", c(ALL, "screened", "people")),
        ("Referrals made", "Referred", c(ALL, "referred", "total")),
        ("Referrals attended", "Attended", c(ALL, "referral_uptake", "attended")),
        ("Eyes operated", "Operated (eyes)", c(ALL, "surgeries", "eyes")),
        (
            f"Eyes with a good outcome (presenting VA ≥ {figures.good})",
            "Good outcome",
            c(ALL, "outcome_presenting", "good"),
        ),
    ]
    return {
        "funnel": [(label, number(n)) for label, _short, n in funnel],
        "funnel_chart": bars(
            "Referral funnel", [(short, _length(n), number(n)) for _label, short, n in funnel]
        ),
    }


def _outcomes(figures: ReportFigures) -> dict[str, Any]:
    """The surgical outcome section (WHO/PBL/98.68 categories): table and two bar charts."""
    c = figures.count
    followed = c(ALL, "follow_up", "followed_up")
    outcome_rows = []
    for category in [*OUTCOMES, NOT_MEASURED]:
        presenting = c(ALL, "outcome_presenting", category) if category in OUTCOMES else None
        best = c(ALL, "outcome_best_corrected", category)
        outcome_rows.append(
            {
                "label": category.replace("_", " ").capitalize(),
                "presenting": number(presenting) if category in OUTCOMES else "",
                "presenting_share": percent(share(presenting, followed))
                if category in OUTCOMES
                else "",
                "best": number(best),
                "best_share": percent(share(best, followed)),
            }
        )

    def outcome_chart(indicator: str, title: str, categories: list[str]) -> Markup:
        return bars(
            title,
            [
                (
                    category.replace("_", " ").capitalize(),
                    _length(c(ALL, indicator, category)),
                    number(c(ALL, indicator, category)),
                )
                for category in categories
            ],
        )

    return {
        "followed": number(followed),
        "outcome_rows": outcome_rows,
        "outcome_presenting_chart": outcome_chart(
            "outcome_presenting", "Outcome, presenting VA", list(OUTCOMES)
        ),
        "outcome_best_chart": outcome_chart(
            "outcome_best_corrected", "Outcome, best-corrected VA", [*OUTCOMES, NOT_MEASURED]
        ),
    }


def _trends(figures: ReportFigures) -> dict[str, Any]:
    """The month-by-month section: a table of the flows and, over several months, line charts."""
    c = figures.count
    months = figures.period.months()
    span_years = len({year for year, _ in months}) > 1
    labels = [_month_label(year, month, span_years) for year, month in months]
    trend_rows = []
    trend_charts: list[tuple[str, Markup]] = []
    per_flow: dict[str, list[Shown]] = {}
    for flow in MONTHLY_FLOWS:
        indicator, category = FLOW_TOTALS[flow]
        per_flow[flow] = [
            c(ALL, indicator, category, month_breakdown(year, month)) for year, month in months
        ]
    for i, (year, month) in enumerate(months):
        trend_rows.append(
            {
                "month": f"{calendar.month_name[month]} {year}",
                **{flow: number(per_flow[flow][i]) for flow in MONTHLY_FLOWS},
            }
        )
    if len(months) > 1:
        for flow, title in (
            ("screened", "People screened per month"),
            ("referred", "Referrals made per month"),
            ("operated", "Eyes operated per month"),
        ):
            points = [
                (label, float(n) if isinstance(n, int) else None)
                for label, n in zip(labels, per_flow[flow], strict=True)
            ]
            shown = [number(n) for n in per_flow[flow]]
            trend_charts.append((title, line(title, points, shown)))
    return {"trend_rows": trend_rows, "trend_charts": trend_charts}


def _backlog(figures: ReportFigures) -> dict[str, Any]:
    """The backlog section: people and eyes waiting for surgery by region, and how long."""
    c = figures.count
    v = figures.value
    regions = [r for r in figures.table.regions if r != ALL]
    backlog_rows = [
        {
            "region": region,
            "people": number(c(region, "backlog", "people")),
            "eyes": number(c(region, "backlog", "eyes")),
            "median_days": number(v(region, "backlog", "median_days_waiting")),
        }
        for region in [*regions, ALL]
    ]
    return {"backlog_rows": backlog_rows, "backlog_single": len(regions) <= 1}


def _barriers(figures: ReportFigures) -> dict[str, Any]:
    """Why referrals closed after follow-up, and the barriers given by people who declined,
    by region (RAAB's barriers to cataract surgery)."""
    c = figures.count
    regions = [r for r in figures.table.regions if r != ALL]
    return {
        "closure_rows": [
            {
                "region": region,
                **{code: number(c(region, "referral_closed", code)) for code in CLOSING},
                **{code: number(c(region, "barriers", code)) for code in BARRIERS},
            }
            for region in [*regions, ALL]
        ],
        "closings": [(code, code.replace("_", " ").capitalize()) for code in CLOSING],
        "barrier_labels": [(code, BARRIER_LABELS[code]) for code in BARRIERS],
    }


def report_context(figures: ReportFigures) -> dict[str, Any]:
    """Everything the template shows, as text and SVG made from published figures only."""
    return {
        **_heading(figures),
        **_key_figures(figures),
        **_funnel(figures),
        **_outcomes(figures),
        **_trends(figures),
        **_backlog(figures),
        **_barriers(figures),
    }


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("brightline.analytics", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(figures: ReportFigures) -> str:
    """The report as one self-contained HTML page."""
    return _environment().get_template("report.html").render(**report_context(figures))


def build_report(
    snapshot_dir: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
) -> str:
    """The printable report (HTML) of ``region`` over ``period`` from the latest snapshot."""
    figures = report_figures(
        snapshot_dir,
        region=region,
        period=period,
        engine=engine,
        good=good,
        region_name=region_name,
        follow_up_window=follow_up_window,
        spark=spark,
    )
    return render_report(figures)


# -- files ----------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """The Chromium that prints PDFs: /usr/bin/chromium, else ``chromium`` on PATH."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def _check_out(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise InvalidInput(f"{str(out)!r} must end in {' or '.join(REPORT_FORMATS)}", field="out")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {str(out.parent)!r} does not exist", field="out")
    return suffix


def print_pdf(html: str, out: Path, chromium: str) -> None:
    """Print ``html`` to the PDF ``out`` with headless Chromium (A4 from the page's CSS)."""
    with tempfile.TemporaryDirectory(prefix="brightline-report-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(work) / "report.pdf"
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            # Printing needs no network: no updates, sync, first-run pages or telemetry.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired as exc:
            raise BrightlineError(
                f"Chromium did not finish printing within {CHROMIUM_TIMEOUT_SECONDS} s",
                field="out",
            ) from exc
        if not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise BrightlineError(
                f"Chromium did not print the PDF (exit {done.returncode}: {detail[0]})",
                field="out",
            )
        _publish(pdf.read_bytes(), out)


def _publish(content: bytes, out: Path) -> None:
    """Write ``out`` whole or not at all: a temporary file beside it, then one rename."""
    temporary = out.parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
    # 0600: a report's small counts are not for every account on the machine to read.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_report(
    snapshot_dir: Path,
    out: Path,
    *,
    region: RegionScope,
    period: ReportPeriod | str,
    engine: str = DEFAULT_ENGINE,
    good: str = "6/18",
    region_name: str | None = None,
    follow_up_window: tuple[int, int] = (28, 84),
    spark: Any = None,
) -> Path:
    """Write the report to ``out``: HTML, or PDF printed by Chromium (by the file's suffix)."""
    suffix = _check_out(out)
    chromium = find_chromium() if suffix == ".pdf" else None
    if suffix == ".pdf" and chromium is None:
        raise ChromiumMissing(
            "a PDF needs Chromium to print it and none is installed; "
            f"write {out.with_suffix('.html').name} instead (open it and print), "
            "or install chromium",
            field="out",
        )
    html = build_report(
        snapshot_dir,
        region=region,
        period=period,
        engine=engine,
        good=good,
        region_name=region_name,
        follow_up_window=follow_up_window,
        spark=spark,
    )
    if chromium is None:
        _publish(html.encode("utf-8"), out)
    else:
        print_pdf(html, out, chromium)
    return out
