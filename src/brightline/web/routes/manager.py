"""Programme manager pages: indicators of their region, never an identified record.

Numbers come from the service indicators (``brightline.analytics.indicators``) over the latest
de-identified snapshot; the CSV download applies small-cell suppression like every export.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import Access
from brightline.analytics.charts import bars, line
from brightline.analytics.engines import connect
from brightline.analytics.indicators import (
    ALL,
    IndicatorQuery,
    IndicatorTable,
    RegionScope,
    flows_by_month,
    run_indicators,
    snapshot_tables,
)
from brightline.analytics.snapshot import SnapshotMissing, current_snapshot, default_snapshot_dir
from brightline.analytics.suppression import PRIMARY, Suppression, export, suppress
from brightline.analytics.turnaround import turnaround_rows
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES
from brightline.web.i18n import Formats
from brightline.web.render import formats, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access
from brightline.web.words import CONTACT_OUTCOME
from brightline.web.words import DECLINE_REASON as BARRIERS

router = APIRouter(prefix="/manager", dependencies=[Depends(csrf_protect)])
PERIOD_DAYS = 365


@lru_cache(maxsize=32)
def _indicators(snapshot: Path, query: IndicatorQuery) -> IndicatorTable:
    """Indicators of one snapshot version (a new snapshot is a new directory, a new key)."""
    return run_indicators(snapshot.parent, query)


@lru_cache(maxsize=32)
def _monthly(snapshot: Path, query: IndicatorQuery) -> dict[tuple[str, int, int], int]:
    """People screened, referrals and eyes operated per month, for the trend charts."""
    runner = connect()
    rows = runner.rows(flows_by_month(snapshot_tables(runner, snapshot), query))
    return {(r["flow"], int(r["year"]), int(r["month"])): int(r["n"]) for r in rows}


def months_of(query: IndicatorQuery) -> list[tuple[int, int]]:
    """(year, month) of every calendar month the period touches, in order."""
    months, year, month = [], query.start.year, query.start.month
    last = query.end - timedelta(days=1)
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def trend_charts(
    monthly: dict[tuple[str, int, int], int], query: IndicatorQuery, fmt: Formats
) -> list[Any]:
    """One line chart per flow over the period's months (months with nothing count 0)."""
    _ = fmt.gettext
    months = months_of(query)
    charts = []
    for flow, title in (
        ("screened", _("People screened per month")),
        ("referred", _("Referrals per month")),
        ("operated", _("Eyes operated per month")),
    ):
        values = [monthly.get((flow, year, month), 0) for year, month in months]
        points = [
            (f"{year}-{month:02d}", float(n))
            for (year, month), n in zip(months, values, strict=True)
        ]
        charts.append(line(title, points, [fmt.number(n) for n in values]))
    return charts


def indicators_for(access: Access) -> tuple[IndicatorTable | None, IndicatorQuery]:
    """The last 12 months of the manager's own region, one level down; None without snapshot."""
    access.require_general("aggregate.read")
    path = access.actor.region_path
    scope = RegionScope.of_path(path) if path else None
    level = {None: "county", "province": "county", "county": "township"}.get(
        scope.level if scope else None, "township"
    )
    end = access.site.today() + timedelta(days=1)
    query = IndicatorQuery(
        level=level,
        start=end - timedelta(days=PERIOD_DAYS),
        end=end,
        scope=scope,
        follow_up_window=access.site.programme.follow_up_window_days,
    )
    root = default_snapshot_dir(access.site.settings.home)
    try:
        snapshot = current_snapshot(root)
    except SnapshotMissing:
        return None, query
    return _indicators(snapshot, query), query


def _count(table: IndicatorTable, region: str, indicator: str, category: str) -> int | None:
    cell = table.get(region, indicator, category)
    return cell.count if cell else None


def _value(table: IndicatorTable, region: str, indicator: str, category: str) -> float | None:
    cell = table.get(region, indicator, category)
    return cell.value if cell else None


def dashboard_context(table: IndicatorTable, fmt: Formats) -> dict[str, Any]:
    """Cards, funnel, outcome chart and the region table, from exact counts (inside the system)."""
    _ = fmt.gettext
    total = ALL if table.get(ALL, "screened", "people") else (table.regions or [ALL])[0]
    funnel = [
        (_("Screened"), _count(table, total, "screened", "people")),
        (_("Referred"), _count(table, total, "referred", "total")),
        (_("Attended"), _count(table, total, "referral_uptake", "attended")),
        (_("Eyes operated"), _count(table, total, "surgeries", "eyes")),
        (_("Good outcome"), _count(table, total, "outcome_presenting", "good")),
    ]
    outcomes = [
        (_(label), _count(table, total, "outcome_presenting", code) or 0)
        for code, label in (("good", "Good"), ("borderline", "Borderline"), ("poor", "Poor"))
    ]
    followed = sum(n for _label, n in outcomes) or 1
    vi = [
        (cat, _count(table, total, "vi_presenting", cat) or 0)
        for cat in ("0", "1", "2", "3", "4", "5", "9")
    ]
    rows = [
        {
            "region": region,
            "screened": _count(table, region, "screened", "people"),
            "referred": _count(table, region, "referred", "total"),
            "uptake": _value(table, region, "referral_uptake", "rate"),
            "eyes": _count(table, region, "surgeries", "eyes"),
            "good": _value(table, region, "outcome_presenting", "good_share"),
            "backlog": _count(table, region, "backlog", "people"),
        }
        for region in table.regions
        if region != ALL
    ]
    return {
        "cards": [
            (_("People screened"), fmt.number(funnel[0][1])),
            (_("Referred"), fmt.number(funnel[1][1])),
            (_("Referral uptake"), fmt.percent(_value(table, total, "referral_uptake", "rate"))),
            (
                _("Uptake among those who could attend"),
                fmt.percent(_value(table, total, "referral_uptake", "rate_eligible")),
            ),
            (_("Eyes operated"), fmt.number(funnel[3][1])),
            (
                _("Good outcome"),
                fmt.percent(_value(table, total, "outcome_presenting", "good_share")),
            ),
            (_("Waiting for surgery"), fmt.number(_count(table, total, "backlog", "people"))),
            (
                _("Cataract surgical rate"),
                fmt.number(_value(table, total, "cataract_surgical_rate", "per_million_per_year")),
            ),
            (
                _("Median days to review"),
                fmt.number(_value(table, total, "online_review", "median_days"), 1),
            ),
        ],
        "funnel": funnel,
        "funnel_chart": bars(
            _("Referral funnel"), [(label, n or 0, fmt.number(n)) for label, n in funnel]
        ),
        "outcome_chart": bars(
            _("Outcome of operated eyes (presenting VA)"),
            [(label, n, f"{fmt.number(n)} ({fmt.percent(n / followed)})") for label, n in outcomes],
        ),
        "vi_chart": bars(
            _("Screened people by WHO category of presenting VA (better eye)"),
            [(f"{_('Category')} {cat}", n, fmt.number(n)) for cat, n in vi],
        ),
        "rows": rows,
        "barriers": [
            (_(label), _count(table, total, "barriers", code)) for code, label in BARRIERS.items()
        ],
        "closed": [
            (_(CONTACT_OUTCOME[code]), _count(table, total, "referral_closed", code))
            for code in CLOSING_CONTACT_OUTCOMES
        ],
    }


@lru_cache(maxsize=32)
def _suppression(snapshot: Path, query: IndicatorQuery) -> Suppression:
    """Small-cell suppression of a snapshot's table, worked out once per snapshot and query."""
    return suppress(_indicators(snapshot, query))


# A manager sees reviewers by the start of their staff pseudonym, never by name: turnaround
# is a programme figure, and the snapshot it comes from holds no staff names (docs/indicators.md).
REVIEWER_LABEL = 8


def turnaround_tables(
    table: IndicatorTable, hidden: Suppression, fmt: Formats
) -> dict[str, list[dict[str, str]]]:
    """Review turnaround per reviewer and per clinic, suppressed like every published table."""
    region = ALL if table.get(ALL, "screened", "people") else (table.regions or [ALL])[0]
    tables: dict[str, list[dict[str, str]]] = {}
    for kind in ("reviewer", "clinic"):
        shown = []
        for row in turnaround_rows(table.cells, region, kind):
            key = (region, "online_review", f"{kind}:{row['who']}", "reviewed")
            why = hidden.hidden.get(key)
            count = fmt.number(row.get("reviewed"))
            if why is not None:
                count = PRIMARY if why == "primary" else "x"
            label = row["who"][:REVIEWER_LABEL] if kind == "reviewer" else row["who"]
            shown.append(
                {
                    "who": label,
                    "reviewed": count,
                    "median": "x" if why else fmt.number(row.get("median_days"), 1),
                    "p90": "x" if why else fmt.number(row.get("p90_days"), 1),
                }
            )
        tables[kind] = shown
    return tables


def _page(request: Request, template: str) -> HTMLResponse:
    with staff_access(request) as access:
        signed_in_as(request, access)
        table, query = indicators_for(access)
    context: dict[str, Any] = {"available": table is not None, "query": query, "table": table}
    if table is not None:
        fmt = formats(request)
        context.update(dashboard_context(table, fmt))
        snapshot = current_snapshot(default_snapshot_dir(access.site.settings.home))
        context["trend_charts"] = trend_charts(_monthly(snapshot, query), query, fmt)
        context["turnaround"] = turnaround_tables(table, _suppression(snapshot, query), fmt)
    return render(request, template, **context)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    """The region's dashboard: cards, funnel, outcomes and the table by region below."""
    return _page(request, "manager/home.html")


@router.get("/report", response_class=HTMLResponse)
def report(request: Request) -> HTMLResponse:
    """The same figures as a printable report."""
    return _page(request, "manager/report.html")


@router.get("/indicators.csv")
def download(request: Request) -> Response:
    """The indicator table as CSV, with small-cell suppression (it leaves the system)."""
    with staff_access(request) as access:
        table, query = indicators_for(access)
    if table is None:
        return Response("no snapshot yet\n", status_code=404, media_type="text/plain")
    name = f"brightline-indicators-{query.start}-{query.end}.csv"
    return Response(
        export(table, "csv"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
