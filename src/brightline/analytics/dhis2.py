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
from datetime import date
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
