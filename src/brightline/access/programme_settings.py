"""Access methods of the programme's operational settings: read them, change them (admins).

A change names the version it was made from (a stale one is refused), says why in words,
is checked whole by the programme file's rules and becomes a new stored version and one
audit entry; every process sees it at its next transaction (``Site.refresh_programme``).
"""

from __future__ import annotations

from collections.abc import Mapping

from brightline.access.base import AccessCore
from brightline.access.emergency_reason import (
    MIN_REASON_IDEOGRAPHS,
    MIN_REASON_LETTERS,
    reason_weight,
)
from brightline.problems import Problem, Problems, problem, raise_if_any
from brightline.programme import DEFAULT_PATH, DEFAULT_SOURCE
from brightline.programme.operational import (
    OperationalSettings,
    checked_settings,
    stored_settings,
)
from brightline.programme_records import (
    ProgrammeSettingsView,
    SettingsVersionRecord,
    triage_as_written,
)
from brightline.service import programme_settings
from brightline.service.accounts import usernames_of

REASON_LIMIT = 1000


def reason_problems(reason: str) -> list[Problem]:
    """What is wrong with a change's reason: real words, as an emergency access's reason."""
    if reason_weight(reason) < MIN_REASON_LETTERS:
        letters, ideographs = str(MIN_REASON_LETTERS), str(MIN_REASON_IDEOGRAPHS)
        return [problem("reason", "setting_reason", letters=letters, ideographs=ideographs)]
    if len(reason) > REASON_LIMIT:
        return [problem("reason", "text_too_long", most=str(REASON_LIMIT))]
    return []


class ProgrammeSettings(AccessCore):
    """The programme's operational settings and their versions."""

    def programme_settings(self) -> ProgrammeSettingsView:
        """The settings in force, every stored version (newest first) and the triage rules."""
        self.require_general("admin.manage")
        site = self.site
        programme = site.refresh_programme(self.session)
        rows = programme_settings.history(self.session)
        names = usernames_of(self.session, {row.changed_by for row in rows})
        file_settings = OperationalSettings.of(site.programme_file)
        stored = [stored_settings(row.setting_values, version=row.version) for row in rows]
        earlier = [*stored[1:], file_settings][: len(stored)]
        history = tuple(
            SettingsVersionRecord(
                version=row.version,
                settings=values,
                changed=values.changed_from(before),
                changed_by=names.get(row.changed_by, row.changed_by),
                changed_at=row.changed_at,
                reason=row.reason,
            )
            for row, values, before in zip(rows, stored, earlier, strict=True)
        )
        return ProgrammeSettingsView(
            version=rows[0].version if rows else 0,
            settings=OperationalSettings.of(programme),
            file_settings=file_settings,
            programme_file=str(site.settings.programme_file or DEFAULT_SOURCE),
            programme_path=str(site.settings.programme_file or DEFAULT_PATH),
            built_in=site.settings.programme_file is None,
            triage=triage_as_written(programme.triage),
            triage_rules=programme.triage,
            history=history,
        )

    def change_programme_settings(
        self, written: Mapping[str, str], reason: str, *, seen: int
    ) -> SettingsVersionRecord:
        """Store the settings typed as a new version made from version ``seen`` (admins)."""
        self.require_general("programme.change")
        reason = reason.strip()
        found = reason_problems(reason)
        try:
            settings = checked_settings(written)
        except Problems as exc:
            found = [*exc.problems, *found]
        raise_if_any(found)
        before = OperationalSettings.of(self.site.refresh_programme(self.session))
        row = programme_settings.add_version(
            self.session,
            seen=seen,
            values=settings.as_json(),
            changed_by=self.actor.pseudonym,
            at=self.site.now(),
            reason=reason,
        )
        changed = settings.changed_from(before)
        # Parameters only: the version and the names of what changed, never the reason typed.
        self._audit(
            "programme.change",
            None,
            None,
            "allowed",
            detail=f"version={row.version};changed={','.join(changed) or '-'}",
        )
        # Not refreshed here: this process, like every other, takes the new version at its
        # next transaction, once this one has committed it.
        names = usernames_of(self.session, {self.actor.pseudonym})
        return SettingsVersionRecord(
            version=row.version,
            settings=settings,
            changed=changed,
            changed_by=names.get(self.actor.pseudonym, self.actor.pseudonym),
            changed_at=row.changed_at,
            reason=reason,
        )
