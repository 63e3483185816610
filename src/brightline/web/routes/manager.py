"""Programme manager pages: indicators of their region, never an identified record.

Numbers come from the service indicators (``brightline.analytics.indicators``) over the latest
de-identified snapshot; the CSV download applies small-cell suppression like every export.
A manager picks the period and region, sees when the snapshot was taken and can ask for a new
one, which a background job of the server takes (``brightline.analytics.snapshot_jobs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from brightline.access.layer import Access
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
from brightline.errors import BrightlineError, InvalidInput
from brightline.records import RegionRecord, SnapshotJobRecord
from brightline.web.forms import FieldErrors, field_errors
from brightline.web.i18n import Formats
from brightline.web.manager_figures import (
    dashboard_context,
    level_below,
    period_choices,
    period_of,
    region_label,
    regions_to_choose,
    trend_charts,
)
from brightline.web.render import formats, redirect, render, signed_in_as
from brightline.web.session import csrf_protect, staff_access

router = APIRouter(prefix="/manager", dependencies=[Depends(csrf_protect)])
PeriodParam = Annotated[str | None, Query()]
RegionParam = Annotated[str | None, Query()]


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


@dataclass(frozen=True)
class Figures:
    """What one manager asked for and what the latest snapshot answers."""

    query: IndicatorQuery
    period: str
    region: RegionRecord | None
    regions: list[RegionRecord]
    jobs: list[SnapshotJobRecord]
    table: IndicatorTable | None
    snapshot: Path | None


def figures_for(access: Access, period: str | None, region: str | None) -> Figures:
    """The chosen period and region (inside the manager's own), and the snapshot's answer."""
    access.require_general("aggregate.read")
    regions = access.regions_for_figures()
    by_code = {r.code: r for r in regions}
    own = access.actor.region_path
    chosen: RegionRecord | None = None
    if region:
        chosen = by_code.get(region)
        if chosen is None:
            raise InvalidInput(f"no region {region[:20]!r} in your area", field="region")
    elif own:
        chosen = next((r for r in regions if r.path == own), None)
    asked = period_of(period, access.site.today())
    scope = RegionScope.of_path(chosen.path) if chosen else None
    query = IndicatorQuery(
        level=level_below(scope.level if scope else None),
        start=asked.start,
        end=asked.end,
        scope=scope,
        follow_up_window=access.site.programme.follow_up_window_days,
    )
    jobs = access.snapshot_jobs()
    try:
        snapshot = current_snapshot(default_snapshot_dir(access.site.settings.home))
    except SnapshotMissing:
        return Figures(query, asked.label, chosen, regions, jobs, None, None)
    table = _indicators(snapshot, query)
    return Figures(query, asked.label, chosen, regions, jobs, table, snapshot)


def _page(
    request: Request,
    template: str,
    period: str | None,
    region: str | None,
    refused: FieldErrors | None = None,
) -> HTMLResponse:
    errors: FieldErrors = dict(refused or {})
    with staff_access(request) as access:
        signed_in_as(request, access)
        try:
            figures = figures_for(access, period, region)
        except BrightlineError as exc:
            errors = field_errors(exc, "period")
            figures = figures_for(access, None, None)
        today = access.site.today()
    fmt = formats(request)
    names = {r.code: r for r in figures.regions}
    job = figures.jobs[0] if figures.jobs else None
    context: dict[str, Any] = {
        "available": figures.table is not None,
        "query": figures.query,
        "table": figures.table,
        "errors": errors,
        "period": figures.period,
        "periods": period_choices(today, fmt),
        "region": figures.region.code if figures.region else "",
        "region_name": region_label(figures.region.code, names, fmt) if figures.region else "",
        "regions": regions_to_choose(figures.regions, fmt),
        "job": job,
        "working": job is not None and job.active,
        # Without the fragment: a refresh to the same URL with one would only scroll.
        "refresh_url": _here(request),
        "last_day": figures.query.end - timedelta(days=1),
        "snapshot_taken": _taken(figures.table),
    }
    if figures.table is not None and figures.snapshot is not None:
        inside = figures.region.path if figures.region else ""
        context.update(dashboard_context(figures.table, names, inside, fmt))
        monthly = _monthly(figures.snapshot, figures.query)
        context["trend_charts"] = trend_charts(monthly, figures.query, today, fmt)
        hidden = _suppression(figures.snapshot, figures.query)
        context["turnaround"] = turnaround_tables(figures.table, hidden, fmt)
    status = 409 if refused else 422 if errors else 200
    return render(request, template, status=status, **context)


def _here(request: Request) -> str:
    """This page's own path and query (the dashboard's after a POST)."""
    if request.method != "GET":
        return "/manager"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _taken(table: IndicatorTable | None) -> datetime | None:
    created = table.snapshot_created_at if table is not None else None
    return datetime.fromisoformat(created.removesuffix("Z")) if created else None


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request, period: PeriodParam = None, region: RegionParam = None
) -> HTMLResponse:
    """The region's dashboard: cards, funnel, trends, outcomes and the table by region."""
    return _page(request, "manager/home.html", period, region)


@router.get("/report", response_class=HTMLResponse)
def report(
    request: Request, period: PeriodParam = None, region: RegionParam = None
) -> HTMLResponse:
    """The same figures as a printable report, for staff inside the system (exact counts)."""
    return _page(request, "manager/report.html", period, region)


@router.post("/snapshot", response_model=None)
def take_snapshot_now(request: Request) -> Response:
    """Ask for a new snapshot: a background job, one at a time; the page shows its progress."""
    try:
        with staff_access(request) as access:
            access.request_snapshot()
    except BrightlineError as exc:
        return _page(request, "manager/home.html", None, None, field_errors(exc, "snapshot"))
    return redirect("/manager#snapshot")


@router.get("/indicators.csv")
def download(request: Request, period: PeriodParam = None, region: RegionParam = None) -> Response:
    """The indicator table as CSV, with small-cell suppression (it leaves the system)."""
    with staff_access(request) as access:
        figures = figures_for(access, period, region)
    if figures.table is None:
        return Response("no snapshot yet\n", status_code=404, media_type="text/plain")
    query = figures.query
    name = f"brightline-indicators-{query.start}-{query.end}.csv"
    return Response(
        export(figures.table, "csv"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


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
