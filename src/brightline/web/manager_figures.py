"""What the manager's dashboard shows: periods and regions to choose, cards, charts, the table.

Exact counts (the figures stay inside the system); region names instead of codes, WHO
categories in words, and the current month drawn as "to date" so a part-month never reads
as a drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

from brightline.analytics.charts import bars, line
from brightline.analytics.indicators import ALL, VI_CATEGORIES, IndicatorQuery, IndicatorTable
from brightline.analytics.periods import ReportPeriod, parse_period
from brightline.records import RegionRecord
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES
from brightline.web import words
from brightline.web.i18n import Formats
from brightline.web.words import CONTACT_OUTCOME
from brightline.web.words import DECLINE_REASON as BARRIERS

LAST_12_MONTHS = "12m"


@dataclass(frozen=True)
class PeriodChoice:
    """One entry of the period selector: its value in the URL and its words."""

    value: str
    label: str


def last_12_months(today: date) -> ReportPeriod:
    """The current month to date and the 11 whole months before it."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return ReportPeriod(LAST_12_MONTHS, date(year, month, 1), today + timedelta(days=1))


def period_of(value: str | None, today: date) -> ReportPeriod:
    """The period asked for in the URL (a year, quarter or month), else the last 12 months."""
    if not value or value == LAST_12_MONTHS:
        return last_12_months(today)
    return parse_period(value)


def period_choices(today: date, fmt: Formats) -> list[PeriodChoice]:
    """The last 12 months, this and last year, and the quarters of this year so far."""
    _ = fmt.gettext
    choices = [PeriodChoice(LAST_12_MONTHS, _("Last 12 months"))]
    for year in (today.year, today.year - 1):
        choices.append(PeriodChoice(str(year), str(year)))
    for quarter in range((today.month - 1) // 3 + 1, 0, -1):
        value = f"{today.year}-Q{quarter}"
        choices.append(PeriodChoice(value, value))
    return choices


def level_below(level: str | None) -> str:
    """The level of the table by region: one below the chosen region (townships at most)."""
    return {None: "county", "province": "county", "county": "township"}.get(level, "township")


def region_label(code: str, names: dict[str, RegionRecord], fmt: Formats) -> str:
    """A region by its name (its code as a fallback, e.g. for people with no township)."""
    if code == ALL:
        return fmt.gettext("All regions")
    region = names.get(code)
    return region.name if region else code


def _count(table: IndicatorTable, region: str, indicator: str, category: str) -> int | None:
    cell = table.get(region, indicator, category)
    return cell.count if cell else None


def _value(table: IndicatorTable, region: str, indicator: str, category: str) -> float | None:
    cell = table.get(region, indicator, category)
    return cell.value if cell else None


def _cards(table: IndicatorTable, total: str, fmt: Formats) -> list[tuple[str, str, str]]:
    """(label, value, note) of each card; a note says why a figure is missing."""
    _ = fmt.gettext
    csr = _value(table, total, "cataract_surgical_rate", "per_million_per_year")
    return [
        (_("People screened"), fmt.number(_count(table, total, "screened", "people")), ""),
        (
            fmt.pgettext("count", "Referred"),
            fmt.number(_count(table, total, "referred", "total")),
            "",
        ),
        (
            _("Referral uptake"),
            fmt.percent(_value(table, total, "referral_uptake", "rate")),
            "",
        ),
        (
            _("Uptake among those who could attend"),
            fmt.percent(_value(table, total, "referral_uptake", "rate_eligible")),
            "",
        ),
        (_("Eyes operated"), fmt.number(_count(table, total, "surgeries", "eyes")), ""),
        (
            _("Good outcome"),
            fmt.percent(_value(table, total, "outcome_presenting", "good_share")),
            "",
        ),
        (_("Waiting for surgery"), fmt.number(_count(table, total, "backlog", "people")), ""),
        (
            _("Cataract surgical rate (eyes per million people per year)"),
            fmt.rate(csr),
            ""
            if csr is not None
            # The command is code, the same in every language.
            else escape(_("Import population to see this: %(command)s"))
            % {"command": Markup("<code>brightline population import</code>")},
        ),
        (
            _("Median days to review"),
            fmt.number(_value(table, total, "online_review", "median_days"), 1),
            "",
        ),
    ]


def table_regions(table: IndicatorTable, names: dict[str, RegionRecord], inside: str) -> list[str]:
    """The regions of the table: those with figures, then those of the level with none."""
    listed = [code for code in table.regions if code != ALL]
    quiet = sorted(
        (
            r
            for r in names.values()
            if r.level == table.query.level and r.path.startswith(inside) and r.code not in listed
        ),
        key=lambda r: r.name,
    )
    return listed + [r.code for r in quiet]


def dashboard_context(
    table: IndicatorTable, names: dict[str, RegionRecord], inside: str, fmt: Formats
) -> dict[str, Any]:
    """Cards, funnel, outcome and impairment charts and the region table, exact counts.

    ``inside`` is the path of the chosen region: its regions with no figures are listed too.
    """
    _ = fmt.gettext
    total = ALL if table.get(ALL, "screened", "people") else (table.regions or [ALL])[0]
    funnel = [
        (_("Screened"), _count(table, total, "screened", "people")),
        (fmt.pgettext("count", "Referred"), _count(table, total, "referred", "total")),
        (_("Attended"), _count(table, total, "referral_uptake", "attended")),
        (_("Eyes operated"), _count(table, total, "surgeries", "eyes")),
        (_("Good outcome"), _count(table, total, "outcome_presenting", "good")),
    ]
    outcomes = [
        (_(words.OUTCOME[code]), _count(table, total, "outcome_presenting", code) or 0)
        for code in ("good", "borderline", "poor")
    ]
    followed = sum(n for _label, n in outcomes) or 1
    vi = [
        (_(words.VI_CATEGORY[cat]), _count(table, total, "vi_presenting", cat) or 0)
        for cat in VI_CATEGORIES
    ]
    rows = [
        {
            "region": region_label(region, names, fmt),
            "code": region,
            "screened": _count(table, region, "screened", "people"),
            "referred": _count(table, region, "referred", "total"),
            "uptake": _value(table, region, "referral_uptake", "rate"),
            "eyes": _count(table, region, "surgeries", "eyes"),
            "good": _value(table, region, "outcome_presenting", "good_share"),
            "backlog": _count(table, region, "backlog", "people"),
        }
        for region in table_regions(table, names, inside)
    ]
    return {
        "cards": _cards(table, total, fmt),
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
            [(label, n, fmt.number(n)) for label, n in vi],
        ),
        "rows": rows,
        "barriers": [
            (_(label), _count(table, total, "barriers", code)) for code, label in BARRIERS.items()
        ],
        "closed": [
            (_(CONTACT_OUTCOME[code]), _count(table, total, "referral_closed", code))
            for code in CLOSING_CONTACT_OUTCOMES
        ],
        "level_words": _(words.REGION_LEVEL.get(table.query.level, table.query.level)),
    }


def months_of(query: IndicatorQuery) -> list[tuple[int, int]]:
    """(year, month) of every calendar month the period touches, in order."""
    months, year, month = [], query.start.year, query.start.month
    last = query.end - timedelta(days=1)
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def trend_charts(
    monthly: dict[tuple[str, int, int], int], query: IndicatorQuery, today: date, fmt: Formats
) -> list[tuple[str, Any]]:
    """(title, chart) per flow over the period's months; the current month marked "to date"."""
    _ = fmt.gettext
    months = months_of(query)
    partial = bool(months) and months[-1] == (today.year, today.month)
    charts = []
    for flow, title, unit in (
        ("screened", _("People screened per month"), _("people")),
        ("referred", _("Referrals per month"), _("referrals")),
        ("operated", _("Eyes operated per month"), _("eyes")),
    ):
        values = [monthly.get((flow, year, month), 0) for year, month in months]
        labels = [f"{year}-{month:02d}" for year, month in months]
        if partial:
            labels[-1] = _("%(month)s (to date)") % {"month": labels[-1]}
        points = [(label, float(n)) for label, n in zip(labels, values, strict=True)]
        shown = [fmt.number(n) for n in values]
        charts.append((title, line(title, points, shown, y_label=unit, partial_last=partial)))
    return charts


def regions_to_choose(regions: list[RegionRecord], fmt: Formats) -> list[tuple[str, str]]:
    """(code, label) of the regions the selector offers: provinces and counties, indented."""
    depth = {"province": 0, "county": 1, "township": 2}
    return [
        (r.code, "\u2003" * depth.get(r.level, 0) + r.name)
        for r in regions
        if r.level in ("province", "county", "township")
    ]
