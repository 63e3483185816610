"""Service indicators for programme managers: aggregates of their own region, suppressed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from brightline.analytics.engines import DEFAULT_ENGINE
from brightline.analytics.indicators import IndicatorQuery, RegionScope, run_indicators
from brightline.analytics.snapshot import default_snapshot_dir
from brightline.analytics.suppression import export
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.timestamps import EARLIEST_DAY

# A period may end in the future (a year not over yet), not centuries ahead.
LAST_PERIOD_DAY = date(2200, 1, 1)

router = APIRouter(tags=["indicators"], responses=SIGNED_IN)


@router.get(
    "/indicators",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def indicators(
    caller: CallerDep,
    level: Annotated[
        Literal["province", "county", "township"], Query(description="Group by this level.")
    ],
    start: Annotated[
        date,
        Query(
            alias="from",
            ge=EARLIEST_DAY,
            le=LAST_PERIOD_DAY,
            description="First day of the period.",
        ),
    ],
    end: Annotated[
        date,
        Query(
            alias="to",
            ge=EARLIEST_DAY,
            le=LAST_PERIOD_DAY,
            description="First day after the period.",
        ),
    ],
    output: Annotated[
        Literal["json", "csv"], Query(alias="format", description="json or csv.")
    ] = "json",
) -> Response:
    """Service indicators of your region from the latest snapshot; small counts suppressed."""
    with caller.access() as access:
        access.require_general("aggregate.read")
        path = access.actor.region_path
    # Regions outside the manager's subtree are filtered out before anything is computed.
    scope = RegionScope.of_path(path) if path else None
    window = caller.site.programme.follow_up_window_days
    query = IndicatorQuery(level, start, end, scope, follow_up_window=window)
    table = run_indicators(default_snapshot_dir(caller.site.settings.home), query, DEFAULT_ENGINE)
    body = export(table, output)
    if output == "csv":
        filename = f"indicators-{level}-{start}-{end}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return Response(body, media_type="application/json")
