"""The programme's settings as the admin's page and ``brightline programme show`` see them.

Frozen views: the operational settings in force and their version, every earlier version
with who changed it, when and why, and the triage rules (read-only, from the programme
file). Pure: no I/O, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from brightline.programme.operational import OperationalSettings
from brightline.triage import TriageRules


@dataclass(frozen=True)
class SettingsVersionRecord:
    """One stored version of the operational settings."""

    version: int
    settings: OperationalSettings
    changed: tuple[str, ...]  # form names of the settings that differ from the version before
    changed_by: str  # the account's username (admins see usernames on the same page)
    changed_at: datetime
    reason: str


@dataclass(frozen=True)
class ProgrammeSettingsView:
    """The programme in force: its operational settings, their history and its triage rules."""

    version: int  # 0: the programme file alone
    settings: OperationalSettings
    file_settings: OperationalSettings
    programme_file: str  # the file's path, or the built-in default (English, for the CLI)
    programme_path: str  # the file's path alone (the built-in one's inside the package)
    built_in: bool  # no programme file set: the package's own default
    triage: tuple[tuple[str, str], ...]  # (rule, value as the file writes it)
    triage_rules: TriageRules  # the same rules as values, for pages to word them
    history: tuple[SettingsVersionRecord, ...]  # newest first


def triage_as_written(rules: TriageRules) -> tuple[tuple[str, str], ...]:
    """The triage rules as the programme file's ``[triage]`` table writes them."""
    return (
        ("version", f'"{rules.version}"'),
        ("refer_worse_than", f'"{rules.refer_worse_than.snellen_metric}"'),
        ("pinhole_corrects_to", f'"{rules.pinhole_corrects_to.snellen_metric}"'),
        ("urgent_symptoms", "[" + ", ".join(f'"{s}"' for s in sorted(rules.urgent_symptoms)) + "]"),
        ("urgent_better_eye_worse_than", f'"{rules.urgent_better_eye_worse_than.snellen_metric}"'),
        ("complication_worse_than", f'"{rules.complication_worse_than.snellen_metric}"'),
        ("complication_urgent", "true" if rules.complication_urgent else "false"),
    )
