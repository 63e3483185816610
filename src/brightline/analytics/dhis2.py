"""DHIS2 ``dataValueSets`` from the indicator table: a mapping file, periods, the payload.

The mapping file (TOML) names, for every indicator of the table (``indicator.category``),
the DHIS2 data element and category option combo it is sent as, and for every region code
the organisation unit. Values come from the de-identified snapshot through
``analytics.indicators`` and are suppressed as any table that leaves the system
(``analytics.suppression``): a hidden number is not sent at all, since DHIS2 takes numbers
only. An export is refused, naming every indicator and region that the file leaves unmapped.
Periods are DHIS2's: 202611 (month), 2026Q4 (quarter), 2026 (year).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from brightline.analytics.indicators import (
    ALL,
    COUNT_CATEGORIES,
    UNASSIGNED,
    IndicatorTable,
)
from brightline.analytics.periods import ReportPeriod
from brightline.analytics.suppression import suppress
from brightline.errors import InvalidInput

# Values that are rates or medians (derived from counts), besides the counts.
VALUE_CELLS: tuple[tuple[str, str], ...] = (
    ("referral_uptake", "rate"),
    ("referral_uptake", "median_days"),
    ("online_review", "median_days"),
    ("cataract_surgical_rate", "per_million_per_year"),
    ("follow_up", "completion"),
    ("outcome_presenting", "good_share"),
    ("outcome_best_corrected", "good_share"),
    ("backlog", "median_days_waiting"),
)
INDICATORS: tuple[str, ...] = (
    *(f"{i}.{c}" for i, categories in COUNT_CATEGORIES.items() for c in categories),
    *(f"{i}.{c}" for i, c in VALUE_CELLS),
)
PLACEHOLDER = "REPLACE-ME"
DEFAULT_COMBO = "HllvX50cXC0"  # DHIS2's built-in "default" category option combo
PERIOD_FORMS = "202611 (month), 2026Q4 (quarter) or 2026 (year)"
_MONTH = re.compile(r"(\d{4})(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_YEAR = re.compile(r"\d{4}")
# A DHIS2 UID: 11 characters, a letter then 10 letters or digits (DHIS2 CodeGenerator).
_UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
UID_FORM = "11 characters: a letter, then 10 letters or digits"


def dhis2_period(text: str) -> ReportPeriod:
    """A DHIS2 period (monthly, quarterly, yearly) as the days [start, end) it covers."""
    written = text.strip()
    if match := _MONTH.fullmatch(written):
        year, month = int(match[1]), int(match[2])
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return ReportPeriod(written, date(year, month, 1), end)
    if match := _QUARTER.fullmatch(written):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, first + 3, 1)
        return ReportPeriod(written, date(year, first, 1), end)
    if _YEAR.fullmatch(written) and int(written) >= 1:
        return ReportPeriod(written, date(int(written), 1, 1), date(int(written) + 1, 1, 1))
    raise InvalidInput(f"{text!r} is not a DHIS2 period; write {PERIOD_FORMS}", field="period")


def check_period_over(span: ReportPeriod, snapshot_day: date) -> None:
    """Refuse a period not over by the snapshot's day: its counts would be partial and its
    point-in-time figures (the backlog) measured at a day that has not come yet."""
    if span.end <= snapshot_day:
        return
    last = (span.end - timedelta(days=1)).isoformat()
    raise InvalidInput(
        f"period {span.label} is not over in the snapshot (it ends {last}, the snapshot was "
        f"taken {snapshot_day.isoformat()}); send a period that has ended, after "
        "'brightline snapshot' has been run once it is over",
        field="period",
    )


def _not_uids(document: dict[str, Any]) -> list[str]:
    """Every value of the file that should be a DHIS2 UID and is not, as ``place 'value'``."""
    found: list[tuple[str, object]] = []
    settings = document.get("dhis2", {})
    if "attribute_option_combo" in settings:
        found.append(("dhis2.attribute_option_combo", settings["attribute_option_combo"]))
    for name, entry in document.get("indicators", {}).items():
        if isinstance(entry, dict) and entry.get("skip") is not True:
            for key in ("data_element", "category_option_combo"):
                if key in entry:
                    found.append((f"indicators.{name}.{key}", entry[key]))
    found += [(f"org_units.{code}", unit) for code, unit in document.get("org_units", {}).items()]
    return [
        f"{place} {value!r}"
        for place, value in found
        if value not in ("", PLACEHOLDER) and not (isinstance(value, str) and _UID.fullmatch(value))
    ]


@dataclass(frozen=True)
class Target:
    """Where one indicator goes in DHIS2."""

    data_element: str
    category_option_combo: str


@dataclass(frozen=True)
class Dhis2Mapping:
    """A mapping file: indicators to data elements, regions to organisation units."""

    attribute_option_combo: str
    indicators: dict[str, Target | None]  # None: skipped on purpose (``skip = true``)
    org_units: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Dhis2Mapping:
        """Read and check a mapping file; a wrong entry is named with what would be valid."""
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(
                f"mapping file {path} cannot be read: {exc}", field="mapping"
            ) from exc
        settings = document.get("dhis2", {})
        if wrong := _not_uids(document):
            raise InvalidInput(
                f"mapping file: not DHIS2 UIDs ({UID_FORM}): {', '.join(wrong)}",
                field="mapping",
            )
        indicators: dict[str, Target | None] = {}
        for name, entry in document.get("indicators", {}).items():
            if name not in INDICATORS:
                raise InvalidInput(
                    f"mapping file: {name!r} is no indicator; brightline export dhis2 "
                    "--template lists them",
                    field=f"indicators.{name}",
                )
            if not isinstance(entry, dict):
                raise InvalidInput(
                    f"mapping file: {name} must be a table: "
                    '{ data_element = "…", category_option_combo = "…" } or { skip = true }',
                    field=f"indicators.{name}",
                )
            if entry.get("skip") is True:
                indicators[name] = None
                continue
            element = str(entry.get("data_element", ""))
            combo = str(entry.get("category_option_combo", DEFAULT_COMBO))
            if element and element != PLACEHOLDER and combo != PLACEHOLDER:
                indicators[name] = Target(element, combo)
        org_units = {
            str(code): str(unit)
            for code, unit in document.get("org_units", {}).items()
            if unit and unit != PLACEHOLDER
        }
        return cls(
            str(settings.get("attribute_option_combo", DEFAULT_COMBO)), indicators, org_units
        )


def template(region_codes: list[str]) -> str:
    """A mapping file to fill in: every indicator and the regions given, with placeholders."""
    lines = [
        "# Brightline → DHIS2 mapping (brightline export dhis2 --mapping FILE).",
        f"# Replace every {PLACEHOLDER} with the UID from your DHIS2 instance; an indicator",
        "# you do not report is written  name = { skip = true }.",
        "",
        "[dhis2]",
        f'attribute_option_combo = "{DEFAULT_COMBO}"  # DHIS2\'s default',
        "",
        "[indicators]",
    ]
    for name in INDICATORS:
        lines.append(
            f'"{name}" = {{ data_element = "{PLACEHOLDER}", '
            f'category_option_combo = "{DEFAULT_COMBO}" }}'
        )
    lines += ["", "# Region code = DHIS2 organisation unit UID.", "[org_units]"]
    lines += [f'"{code}" = "{PLACEHOLDER}"' for code in region_codes]
    return "\n".join(lines) + "\n"


def _sent_regions(table: IndicatorTable, mapping: Dhis2Mapping) -> list[str]:
    """The regions whose rows are sent: every region of the level, and (all) or
    (unassigned) only when the file maps them."""
    optional = (ALL, UNASSIGNED)
    return [r for r in table.regions if r not in optional or r in mapping.org_units]


def unmapped(table: IndicatorTable, mapping: Dhis2Mapping) -> tuple[list[str], list[str]]:
    """The indicators and regions the file does not map (all of them, not only the first)."""
    indicators = [name for name in INDICATORS if name not in mapping.indicators]
    regions = [r for r in _sent_regions(table, mapping) if r not in mapping.org_units]
    return indicators, regions


def check_region_codes(mapping: Dhis2Mapping, known: list[str]) -> None:
    """Refuse region codes the installation does not have at the level, naming each: a
    typing slip would otherwise leave a region unsent and another's figures unreported."""
    allowed = {*known, ALL, UNASSIGNED}
    unknown = sorted(code for code in mapping.org_units if code not in allowed)
    if unknown:
        raise InvalidInput(
            f"mapping file: no region {', '.join(unknown)} at this level; write the codes "
            f"of its regions, {ALL} or {UNASSIGNED} (--template with the same --level "
            "lists them)",
            field="org_units",
        )


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")


def data_value_set(
    table: IndicatorTable, mapping: Dhis2Mapping, period: str
) -> tuple[dict[str, Any], int]:
    """The ``dataValueSets`` payload and how many hidden values were left out, or a refusal."""
    indicators, regions = unmapped(table, mapping)
    if indicators or regions:
        parts = []
        if indicators:
            parts.append(f"indicators {', '.join(indicators)}")
        if regions:
            parts.append(f"regions {', '.join(regions)}")
        raise InvalidInput(
            f"the mapping file does not map {' and '.join(parts)}; map each (or skip an "
            "indicator with { skip = true }) and run again",
            field="mapping",
        )
    hidden = suppress(table)
    sent = set(_sent_regions(table, mapping))
    values = []
    left_out = 0
    for cell in table.cells:
        target = mapping.indicators.get(f"{cell.indicator}.{cell.category}")
        if cell.breakdown or cell.region not in sent or target is None:
            continue
        number = cell.count if cell.count is not None else cell.value
        if hidden.hides(cell):
            left_out += 1
            continue
        if number is None:
            continue
        values.append(
            {
                "dataElement": target.data_element,
                "period": period,
                "orgUnit": mapping.org_units[cell.region],
                "categoryOptionCombo": target.category_option_combo,
                "attributeOptionCombo": mapping.attribute_option_combo,
                "value": _shown(number),
            }
        )
    return {"dataValues": values}, left_out
