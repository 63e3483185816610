"""A published release in plain words: its tables by region, margins and rates, for its page.

Reads only the stored result (``analytics.release.compute_release``): every figure shown is
one that was published, with the margin that was published with it; nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from brightline.analytics.indicator_queries import ALL, UNASSIGNED
from brightline.analytics.release_queries import RELEASE_TABLES
from brightline.disclosure_records import PublicRelease, ReleaseRecord
from brightline.web.i18n import N_, Formats

# What each table counts, in words a reader outside the programme follows.
TABLE_TITLE = {
    "screened": N_("People screened, by the WHO category of vision of their better eye"),
    "referral_uptake": N_("People referred, by whether they reached the surgical centre"),
    "surgical_outcome": N_("People operated, by the outcome of their worse operated eye"),
    "surgeries": N_("Eyes operated"),
}
CATEGORY = {
    "attended": N_("Attended"),
    "not_attended": N_("Did not attend"),
    "good": N_("Good"),
    "borderline": N_("Borderline"),
    "poor": N_("Poor"),
    "not_followed_up": N_("Not followed up"),
    "eyes": N_("Eyes operated"),
}
# WHO categories of visual impairment (ICD-11 9D90; WHO World report on vision, 2019).
VI_CATEGORY = {
    "0": N_("0 · no or mild impairment"),
    "1": N_("1 · moderate (below 6/18)"),
    "2": N_("2 · severe (below 6/60)"),
    "3": N_("3 · blind (below 3/60)"),
    "4": N_("4 · blind (below 1/60)"),
    "5": N_("5 · blind (no light perception)"),
    "9": N_("9 · not determined"),
}
LEVEL = {"province": N_("province"), "county": N_("county"), "township": N_("township")}
RATE = {
    "referral_uptake_rate": N_("Referral uptake"),
    "good_outcome_share": N_("Good outcome"),
    "csr": N_("Cataract surgical rate (eyes per million people per year)"),
}


@dataclass(frozen=True)
class TableView:
    """One published table: its categories, one row per region, the margin of each row."""

    name: str
    title: str
    epsilon: float
    within_95: int
    categories: list[str]
    rows: list[dict[str, Any]]


def last_day(end: date) -> date:
    """The last day of a period [start, end): what a reader calls its end."""
    return end - timedelta(days=1)


def region_label(code: str, names: dict[str, str], fmt: Formats) -> str:
    """A region as a reader knows it: its name and code, or what the two special rows mean."""
    _ = fmt.gettext
    if code == ALL:
        return _("Whole programme")
    if code == UNASSIGNED:
        return _("Place not recorded")
    return f"{names[code]} ({code})" if code in names else code


def _region_order(counts: list[dict[str, Any]]) -> list[str]:
    """Regions in reading order: the ones at the release level, then totals, then the rest."""
    draws = {c["region"]: c["noise_draws"] for c in counts}
    return sorted(draws, key=lambda r: (r == UNASSIGNED, draws[r] > 1, r == ALL, r))


def table_view(name: str, table: dict[str, Any], names: dict[str, str], fmt: Formats) -> TableView:
    """One table's rows by region, each with the ±margin published with it."""
    _ = fmt.gettext
    words = VI_CATEGORY if name == "screened" else CATEGORY
    categories = list(RELEASE_TABLES[name].categories)
    cells = {(c["region"], c["category"]): c for c in table["counts"]}
    rows = []
    for region in _region_order(table["counts"]):
        row = [cells[(region, category)] for category in categories]
        rows.append(
            {
                "region": region_label(region, names, fmt),
                "total": row[0]["noise_draws"] > 1,
                "counts": [fmt.number(c["count"]) for c in row],
                "within_95": fmt.number(row[0]["within_95"]),
            }
        )
    return TableView(
        name=name,
        title=_(TABLE_TITLE[name]),
        epsilon=float(table["epsilon"]),
        within_95=int(table["within_95"]),
        categories=[_(words[c]) for c in categories],
        rows=rows,
    )


def _rate_text(rate: dict[str, Any], fmt: Formats) -> str:
    if rate["value"] is None:
        return "–"
    if rate["name"] == "csr":
        value, low, high = (fmt.number(rate[k]) for k in ("value", "low", "high"))
    else:
        value, low, high = (fmt.percent(rate[k]) for k in ("value", "low", "high"))
    return f"{value} ({low}–{high})"


def rates_view(
    result: dict[str, Any], names: dict[str, str], fmt: Formats
) -> tuple[list[str], list[dict[str, Any]]]:
    """The rates a release states, one row per region: the value and its 95 % interval."""
    _ = fmt.gettext
    kinds = [k for k in RATE if any(r["name"] == k for r in result["rates"])]
    by_region: dict[str, dict[str, str]] = {}
    for rate in result["rates"]:
        by_region.setdefault(rate["region"], {})[rate["name"]] = _rate_text(rate, fmt)
    order = sorted(by_region, key=lambda r: (r == UNASSIGNED, r == ALL, r))
    rows = [
        {
            "region": region_label(region, names, fmt),
            "values": [by_region[region].get(k, "–") for k in kinds],
        }
        for region in order
    ]
    return [_(RATE[k]) for k in kinds], rows


def release_summary(release: ReleaseRecord, fmt: Formats) -> dict[str, Any]:
    """What a list of releases says of each: its title, period, level and ε."""
    return {
        "id": release.id,
        "title": release.title,
        "start": fmt.date(release.period_start),
        "end": fmt.date(last_day(release.period_end)),
        "level": fmt.gettext(LEVEL.get(release.level, release.level)),
        "epsilon": fmt.number(release.epsilon_total, 2),
        "published": fmt.date(release.decided_at),
    }


def release_page(page: PublicRelease, fmt: Formats) -> dict[str, Any]:
    """Everything a release's public page shows, from what was stored when it was computed."""
    release, result = page.release, page.release.result
    assert result is not None
    tables = [
        table_view(name, result["tables"][name], page.region_names, fmt)
        for name in RELEASE_TABLES
        if name in result["tables"]
    ]
    rate_names, rate_rows = rates_view(result, page.region_names, fmt)
    scope = result.get("region")
    return {
        "release": release_summary(release, fmt),
        "scope": region_label(scope, page.region_names, fmt) if scope else None,
        "computed": fmt.date(date.fromisoformat(result["computed_at"][:10])),
        "tables": tables,
        "rate_names": rate_names,
        "rate_rows": rate_rows,
        # A rate without its population is shown as "–"; the page says why.
        "csr_missing": any(r["name"] == "csr" and r["value"] is None for r in result["rates"]),
    }
