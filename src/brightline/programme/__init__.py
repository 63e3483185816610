"""The programme file: a TOML file in which a programme sets its triage rules and worklists.

Programme managers edit it without code, so every setting is checked and unknown keys are
refused: a misspelt key must never silently change who is referred (docs/triage.md).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

from brightline.acuity import NOTATIONS as VA_NOTATIONS
from brightline.triage import TriageRuleError, TriageRules, rules_from_mapping

DEFAULT_PATH = "brightline/programme/default.toml"
DEFAULT_SOURCE = f"built-in programme file {DEFAULT_PATH}"

_SECTIONS: dict[str, tuple[str, ...]] = {
    "programme": ("name", "va_notation", "date_format"),
    "triage": (),  # checked by brightline.triage.rules_from_mapping
    "worklist": ("not_attended_days",),
    "review": ("turnaround_target_days",),
    "follow_up": ("window_first_day", "window_last_day"),
}
DAYS_RANGE = (1, 365)


class ProgrammeError(ValueError):
    """A programme file that cannot be used; the message names the file, key and valid values."""


@dataclass(frozen=True)
class Programme:
    """One programme's settings: name, triage rules, worklist and display conventions."""

    name: str
    triage: TriageRules
    worklist_not_attended_days: int = 14
    va_notation: str = "metric"
    date_format: str = "%Y-%m-%d"
    review_turnaround_target_days: int | None = None
    follow_up_window_days: tuple[int, int] = (28, 84)
    """Days after surgery a follow-up counts for the outcome: 4 to 12 weeks (WHO, "Monitoring
    cataract surgical outcomes", WHO/PBL/98.68; RAAB's outcome after surgery)."""

    def within_follow_up_window(self, days_after_surgery: int) -> bool:
        """Whether a follow-up this many days after surgery counts for the outcome."""
        first, last = self.follow_up_window_days
        return first <= days_after_surgery <= last


def _written(value: object) -> str:
    """A value as it is written in a programme file (TOML): "6/12", true, ["trauma"]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_written(item) for item in value) + "]"
    return str(value)


def _table(document: Mapping[str, Any], section: str, source: str) -> Mapping[str, Any]:
    """One ``[section]`` of the file, empty when absent, with its keys checked."""
    table = document.get(section, {})
    if not isinstance(table, dict):
        raise ProgrammeError(f"{source}: {section} must be a table written as [{section}].")
    if section != "triage":
        valid = _SECTIONS[section]
        unknown = sorted(set(table) - set(valid))
        if unknown:
            raise ProgrammeError(
                f"{source}: {section}.{unknown[0]} is not a known setting; "
                f"valid settings in [{section}]: {', '.join(valid)}."
            )
    return table


def _text(table: Mapping[str, Any], section: str, key: str, default: str, source: str) -> str:
    """A non-empty text setting."""
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ProgrammeError(
            f'{source}: {section}.{key} must be non-empty text in "double quotes"; '
            f"got {_written(value)}."
        )
    return value.strip()


def _days(table: Mapping[str, Any], section: str, key: str, source: str) -> int | None:
    """A whole number of days from 1 to 365, or None when the key is absent."""
    if key not in table:
        return None
    value = table[key]
    if is_days(value):
        return value
    low, high = DAYS_RANGE
    raise ProgrammeError(
        f"{source}: {section}.{key} = {_written(value)} is not valid; "
        f"valid values: a whole number of days from {low} to {high}."
    )


def is_days(value: object) -> TypeGuard[int]:
    """A whole number of days from 1 to 365 (the rule of every days setting)."""
    low, high = DAYS_RANGE
    # TOML true/false are Python bools, which are ints: refuse them explicitly.
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def shows_full_date(pattern: str) -> bool:
    """A strftime pattern that shows a whole date and reads back to the same day."""
    example = date(2024, 3, 5)
    try:
        return datetime.strptime(example.strftime(pattern), pattern).date() == example
    except ValueError:
        return False


def _date_format(table: Mapping[str, Any], source: str) -> str:
    """A strftime pattern that shows a whole date and reads back to the same day."""
    pattern = _text(table, "programme", "date_format", "%Y-%m-%d", source)
    if not shows_full_date(pattern):
        raise ProgrammeError(
            f"{source}: programme.date_format = {_written(pattern)} does not show a full date; "
            'valid values: strftime codes with a year, month and day, such as "%Y-%m-%d" '
            'or "%d/%m/%Y".'
        )
    return pattern


def _follow_up_window(table: Mapping[str, Any], source: str) -> tuple[int, int]:
    """The follow-up window in days after surgery: default 28 to 84 (4 to 12 weeks)."""
    first = _days(table, "follow_up", "window_first_day", source) or 28
    last = _days(table, "follow_up", "window_last_day", source) or 84
    if last < first:
        raise ProgrammeError(
            f"{source}: follow_up.window_last_day = {last} is before window_first_day = "
            f"{first}; valid values: a last day on or after the first."
        )
    return first, last


def programme_from_toml(text: str, *, source: str) -> Programme:
    """A checked ``Programme`` from the text of a programme file; ``source`` names the file."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(
            f"{source}: not a valid programme file ({exc}); check the quotes around text "
            "and that each setting is written as key = value on its own line."
        ) from exc
    unknown = sorted(set(document) - set(_SECTIONS))
    if unknown:
        raise ProgrammeError(
            f"{source}: [{unknown[0]}] is not a known section; "
            f"valid sections: {', '.join(f'[{name}]' for name in _SECTIONS)}."
        )
    about = _table(document, "programme", source)
    if "name" not in about:
        raise ProgrammeError(
            f'{source}: programme.name is missing; add name = "..." under [programme].'
        )
    name = _text(about, "programme", "name", "", source)
    va_notation = about.get("va_notation", "metric")
    if va_notation not in VA_NOTATIONS:
        raise ProgrammeError(
            f"{source}: programme.va_notation = {_written(va_notation)} is not valid; "
            f"valid values: {', '.join(_written(n) for n in VA_NOTATIONS)}."
        )
    try:
        rules = rules_from_mapping(_table(document, "triage", source), source=source)
    except TriageRuleError as exc:
        raise ProgrammeError(str(exc)) from exc
    not_attended = _days(
        _table(document, "worklist", source), "worklist", "not_attended_days", source
    )
    return Programme(
        name=name,
        triage=rules,
        worklist_not_attended_days=14 if not_attended is None else not_attended,
        va_notation=va_notation,
        date_format=_date_format(about, source),
        review_turnaround_target_days=_days(
            _table(document, "review", source), "review", "turnaround_target_days", source
        ),
        follow_up_window_days=_follow_up_window(_table(document, "follow_up", source), source),
    )


def load_programme(path: Path | None = None) -> Programme:
    """The programme in ``path``, or the built-in default programme when ``path`` is None."""
    if path is None:
        default = resources.files(__name__).joinpath("default.toml")
        return programme_from_toml(default.read_text(encoding="utf-8"), source=DEFAULT_SOURCE)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgrammeError(f"{path}: cannot read the programme file ({exc}).") from exc
    return programme_from_toml(text, source=str(path))
