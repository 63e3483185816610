"""The printable programme report in words: published figures as tables, SVG charts and notes.

Every heading, label, coded value and note is a gettext message of the web UI's catalogues
(``brightline/web/locale``), worded in the report's language; numbers and dates are the same
in every language. docs/indicators.md "Printable report".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from gettext import NullTranslations
from typing import Any

from babel.dates import format_skeleton
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from brightline.analytics.charts import bars, line
from brightline.analytics.indicators import ALL, MONTHLY_FLOWS, NOT_MEASURED, OUTCOMES
from brightline.analytics.recall_indicators import BARRIERS
from brightline.analytics.report_figures import FLOW_TOTALS, ReportFigures, Shown, month_breakdown
from brightline.analytics.suppression import COMPLEMENTARY, HIDDEN_VALUE, PRIMARY, SMALL_MAX
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]
# English: the messages themselves.
ENGLISH = NullTranslations()
CLOSING = CLOSING_CONTACT_OUTCOMES
# BCP 47 tags for <html lang>, as the web UI writes them (``brightline.web.i18n.HTML_LANG``).
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


# RAAB's barriers to cataract surgery, as the people who declined gave them.
BARRIER_LABELS = {
    "cost": N_("Declined: cost"),
    "fear": N_("Declined: fear"),
    "no_escort": N_("Declined: no escort"),
    "distance": N_("Declined: distance"),
    "other": N_("Declined: other"),
}
# Why the follow-up of a referral closed it (``vocabulary.CLOSING_CONTACT_OUTCOMES``).
CLOSING_LABELS = {
    "declined": N_("Declined"),
    "moved": N_("Moved"),
    "died": N_("Died"),
    "attended_elsewhere": N_("Attended elsewhere"),
}
# WHO/PBL/98.68 outcome categories of operated eyes.
OUTCOME_LABELS = {
    "good": N_("Good"),
    "borderline": N_("Borderline"),
    "poor": N_("Poor"),
    "not_measured": N_("Not measured"),
}
LEVEL_LABELS = {"province": N_("Province"), "county": N_("County"), "township": N_("Township")}
# The same levels inside a sentence ("by county").
LEVEL_WORDS = {"province": N_("province"), "county": N_("county"), "township": N_("township")}


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


def month_label(year: int, month: int, skeleton: str, language: str) -> str:
    """A month in the language's own words (CLDR skeleton ``MMM``, ``yMMM`` or ``yMMMM``)."""
    return format_skeleton(skeleton, date(year, month, 1), locale=language)


def written_at(stamp: str | None) -> str:
    """A snapshot's ISO time as the web shows a date and time (YYYY-MM-DD HH:MM UTC)."""
    if not stamp:
        return "–"
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # an older manifest's own wording: shown as it is
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _heading(figures: ReportFigures, _: Gettext) -> dict[str, Any]:
    """The report's title block: region, period, snapshot and the suppression rule."""
    level = figures.table.query.level
    return {
        "title": _("Programme report"),
        "region_code": figures.region.code,
        "region_level": _(LEVEL_LABELS.get(figures.region.level, figures.region.level)),
        "region_name": figures.region_name,
        "period": figures.period,
        "level": level,
        "level_label": _(LEVEL_LABELS.get(level, level)),
        "level_word": _(LEVEL_WORDS.get(level, level)),
        "good": figures.good,
        "snapshot_created_at": written_at(figures.table.snapshot_created_at),
        "generated_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "small_max": SMALL_MAX,
        "primary": PRIMARY,
        "complementary": COMPLEMENTARY,
        "primary_mark": Markup("<strong>%s</strong>") % PRIMARY,
        "complementary_mark": Markup("<strong>%s</strong>") % COMPLEMENTARY,
        # WHO, Monitoring cataract surgical services: the outcome categories and the CSR.
        "who_outcomes": "WHO/PBL/98.68",
    }


def _key_figures(figures: ReportFigures, _: Gettext) -> dict[str, Any]:
    """The section of headline rates and medians of the whole region."""
    c = figures.count
    v = figures.value
    good = {"good": figures.good}
    key_figures = [
        (
            _("Referral uptake (referrals attended ÷ made)"),
            percent(v(ALL, "referral_uptake", "rate")),
        ),
        (
            _("Referral uptake among those who could attend (not moved, died or seen elsewhere)"),
            percent(v(ALL, "referral_uptake", "rate_eligible")),
        ),
        (
            _("Median days from referral to attendance"),
            number(v(ALL, "referral_uptake", "median_days")),
        ),
        (
            _("Median days from referral to first review"),
            number(v(ALL, "online_review", "median_days")),
        ),
        (
            _("Cataract surgical rate (eyes per million people per year)"),
            number(v(ALL, "cataract_surgical_rate", "per_million_per_year")),
        ),
        (
            _("Follow-up completion (operated eyes followed up)"),
            percent(v(ALL, "follow_up", "completion")),
        ),
        (
            _("Good outcome, presenting VA ≥ %(good)s (WHO target > 80 %%)") % good,
            percent(v(ALL, "outcome_presenting", "good_share")),
        ),
        (
            _("Good outcome, best-corrected VA ≥ %(good)s") % good,
            percent(v(ALL, "outcome_best_corrected", "good_share")),
        ),
        (
            _("People waiting for surgery at the end of the period"),
            number(c(ALL, "backlog", "people")),
        ),
    ]
    return {"key_figures": key_figures}


def _funnel(figures: ReportFigures, _: Gettext, pgettext: Pgettext) -> dict[str, Any]:
    """The referral funnel section: screened to good outcome, as a table and a bar chart."""
    c = figures.count
    # (label in the table, short label on the chart, published count)
    funnel = [
        (_("People screened"), _("Screened"), c(ALL, "screened", "people")),
        (_("Referrals made"), pgettext("count", "Referred"), c(ALL, "referred", "total")),
        (_("Referrals attended"), _("Attended"), c(ALL, "referral_uptake", "attended")),
        (_("Eyes operated"), _("Operated (eyes)"), c(ALL, "surgeries", "eyes")),
        (
            _("Eyes with a good outcome (presenting VA ≥ %(good)s)") % {"good": figures.good},
            _("Good outcome"),
            c(ALL, "outcome_presenting", "good"),
        ),
    ]
    return {
        "funnel": [(label, number(n)) for label, _short, n in funnel],
        "funnel_chart": bars(
            _("Referral funnel"), [(short, _length(n), number(n)) for _label, short, n in funnel]
        ),
    }


def _outcomes(figures: ReportFigures, _: Gettext) -> dict[str, Any]:
    """The surgical outcome section (WHO/PBL/98.68 categories): table and two bar charts."""
    c = figures.count
    followed = c(ALL, "follow_up", "followed_up")
    outcome_rows = []
    for category in [*OUTCOMES, NOT_MEASURED]:
        presenting = c(ALL, "outcome_presenting", category) if category in OUTCOMES else None
        best = c(ALL, "outcome_best_corrected", category)
        outcome_rows.append(
            {
                "label": _(OUTCOME_LABELS[category]),
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
                    _(OUTCOME_LABELS[category]),
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
            "outcome_presenting", _("Outcome, presenting VA"), list(OUTCOMES)
        ),
        "outcome_best_chart": outcome_chart(
            "outcome_best_corrected", _("Outcome, best-corrected VA"), [*OUTCOMES, NOT_MEASURED]
        ),
    }


def _trends(figures: ReportFigures, _: Gettext, language: str) -> dict[str, Any]:
    """The month-by-month section: a table of the flows and, over several months, line charts."""
    c = figures.count
    months = figures.period.months()
    short = "yMMM" if len({year for year, _month in months}) > 1 else "MMM"
    labels = [month_label(year, month, short, language) for year, month in months]
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
                "month": month_label(year, month, "yMMMM", language),
                **{flow: number(per_flow[flow][i]) for flow in MONTHLY_FLOWS},
            }
        )
    if len(months) > 1:
        for flow, title in (
            ("screened", _("People screened per month")),
            ("referred", _("Referrals made per month")),
            ("operated", _("Eyes operated per month")),
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
            "name": figures.region_names.get(region),
            "people": number(c(region, "backlog", "people")),
            "eyes": number(c(region, "backlog", "eyes")),
            "median_days": number(v(region, "backlog", "median_days_waiting")),
        }
        for region in [*regions, ALL]
    ]
    return {"backlog_rows": backlog_rows, "backlog_single": len(regions) <= 1}


def _barriers(figures: ReportFigures, _: Gettext) -> dict[str, Any]:
    """Why referrals closed after follow-up, and the barriers given by people who declined,
    by region (RAAB's barriers to cataract surgery)."""
    c = figures.count
    regions = [r for r in figures.table.regions if r != ALL]
    return {
        "closure_rows": [
            {
                "region": region,
                "name": figures.region_names.get(region),
                **{code: number(c(region, "referral_closed", code)) for code in CLOSING},
                **{code: number(c(region, "barriers", code)) for code in BARRIERS},
            }
            for region in [*regions, ALL]
        ],
        "closings": [(code, _(CLOSING_LABELS[code])) for code in CLOSING],
        "barrier_labels": [(code, _(BARRIER_LABELS[code])) for code in BARRIERS],
    }


def report_context(
    figures: ReportFigures, catalogue: NullTranslations = ENGLISH, language: str = "en"
) -> dict[str, Any]:
    """Everything the template shows, as text and SVG made from published figures only."""
    gettext = catalogue.gettext
    return {
        "_": gettext,
        "lang": HTML_LANG.get(language, "en"),
        **_heading(figures, gettext),
        **_key_figures(figures, gettext),
        **_funnel(figures, gettext, catalogue.pgettext),
        **_outcomes(figures, gettext),
        **_trends(figures, gettext, language),
        **_backlog(figures),
        **_barriers(figures, gettext),
    }


def data(value: object) -> Markup:
    """A value written the same in every language (a region's name or code): ``translate="no"``
    keeps it out of the word check and of machine translation, as on the web pages."""
    return Markup('<span translate="no">%s</span>') % value


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("brightline.analytics", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["data"] = data
    return env


def render_report(
    figures: ReportFigures, catalogue: NullTranslations = ENGLISH, language: str = "en"
) -> str:
    """The report as one self-contained HTML page in ``language``, worded by its catalogue."""
    context = report_context(figures, catalogue, language)
    return _environment().get_template("report.html").render(**context)
