"""Access methods of the manager's, privacy officer's and admin's workstations.

Fresh figures (a snapshot job), region names for the dashboard, accesses counted by action,
one-time password reset codes, one's own password and the programme's settings: each asks
the policy, and account changes are audit entries like every account event.
"""

from __future__ import annotations

from dataclasses import dataclass

from brightline.access.account_events import account_event, by_actor
from brightline.access.base import AccessCore
from brightline.access.signin import check_throttle, record_failure, revoke_tokens
from brightline.analytics.snapshot_jobs import launch
from brightline.audit.access_counts import ActionCount, by_action, monthly_counts, transparency
from brightline.audit.log import AuditLog
from brightline.audit.reports import TransparencyRow
from brightline.errors import InvalidInput, Unauthenticated
from brightline.records import AccountRecord, RegionRecord, SnapshotJobRecord, record_of
from brightline.service import lookups
from brightline.service.accounts import (
    account_by_username,
    account_named,
    add_user,
    check_credentials,
    set_password,
)
from brightline.service.password_resets import issue_reset, redeem_reset
from brightline.service.snapshot_jobs import latest_jobs, queue_job
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import User

# Settings whose value is a secret or names where one is kept: shown as set / not set only.
SECRET_SETTINGS = (
    "database_url",
    "key_file",
    "pseudonym_key_file",
    "audit_signing_key_file",
    "dhis2_token",
    "dhis2_password",
)


@dataclass(frozen=True)
class SettingView:
    """One installation setting as the admin's page shows it."""

    name: str  # the environment variable, BRIGHTLINE_…
    value: str  # a secret's only as "set" or "not set"
    description: str
    field: str = ""  # the Settings field, which names its words in the UI's language
    secret: bool = False


class Workstations(AccessCore):
    """Snapshot jobs, region names, access counts, password resets and settings."""

    # -- the manager's fresh figures ------------------------------------------------------

    def request_snapshot(self) -> SnapshotJobRecord:
        """Queue a new analytics snapshot, run in the background after commit (one at a time)."""
        self.require_general("snapshot.request")
        job = queue_job(self.session, self.actor.pseudonym, self.site.now())
        site, job_id = self.site, job.id

        def run() -> None:
            launch(site, job_id)

        # After commit: the worker's first write must find the job's row.
        self.after_commit.append(run)
        return record_of(SnapshotJobRecord, job)

    def snapshot_jobs(self, limit: int = 3) -> list[SnapshotJobRecord]:
        """The latest snapshot jobs, newest first (managers: they show on the dashboard)."""
        self.require_general("aggregate.read")
        return [record_of(SnapshotJobRecord, j) for j in latest_jobs(self.session, limit)]

    def regions_for_figures(self) -> list[RegionRecord]:
        """Every region inside the caller's region, in tree order: names for the dashboard."""
        self.require_general("aggregate.read")
        inside = self.actor.region_path or ""
        return [
            record_of(RegionRecord, r)
            for r in lookups.regions(self.session)
            if r.path.startswith(inside)
        ]

    # -- the privacy officer's counts ------------------------------------------------------

    def access_counts(self) -> tuple[list[TransparencyRow], list[ActionCount]]:
        """Accesses per month by role, purpose and outcome, and by what was done (privacy
        officers); one count of the log, the months that can no longer change kept."""
        self.require_general("audit.read")
        counts = monthly_counts(self.session)
        return transparency(counts), by_action(counts)

    # -- passwords ------------------------------------------------------------------------

    def _log_password(self, user: User) -> None:
        event = by_actor("account.password", self.actor, user.pseudonym, self.site.now())
        self.positions.append(self.log.append(self.session, event))

    def issue_password_reset(self, username: str) -> str:
        """A one-time reset code for an account, shown once (admins); its sessions end."""
        self.require_general("account.password")
        user = account_named(self.session, username)
        if user.id == self.actor.user_id:
            raise InvalidInput("change your own password on your account page", field="username")
        code = issue_reset(user, self.site.now())
        revoke_tokens(self.session, user.id, now=self.site.now())
        self.session.flush()
        self._log_password(user)
        return code

    def create_account_with_code(
        self, username: str, role: str, scope: str
    ) -> tuple[AccountRecord, str]:
        """A new account without a password, and a one-time code to choose one (admins)."""
        self.require_general("account.create")
        profile = self.site.settings.argon2_profile
        user = add_user(self.session, username, None, role, scope, profile=profile)
        event = by_actor("account.create", self.actor, user.pseudonym, self.site.now())
        self.positions.append(self.log.append(self.session, event))
        return record_of(AccountRecord, user), self.issue_password_reset(user.username)

    def change_own_password(self, current: str, new: str) -> None:
        """Change the signed-in account's own password, after checking the current one.

        Every signed-in account may, as it may sign out: no policy rule is needed. Its other
        sessions end; this one is revoked too, so the page asks to sign in again.
        """
        user = lookups.by_id(self.session, User, self.actor.user_id)
        assert user is not None  # the token resolved to this account
        profile = self.site.settings.argon2_profile
        if not check_credentials(self.session, user.username, current, profile=profile).ok:
            raise InvalidInput("the current password is not right", field="current")
        if new == current:
            raise InvalidInput("the new password must differ from the current one", field="new")
        set_password(user, new, profile=profile)
        revoke_tokens(self.session, user.id, now=self.site.now())
        self.session.flush()
        self._log_password(user)

    # -- the installation's settings ------------------------------------------------------

    def settings_view(self) -> list[SettingView]:
        """Every setting with its value (secrets as set / not set) and its help (admins)."""
        self.require_general("admin.manage")
        settings = self.site.settings
        shown = []
        for name, info in Settings.model_fields.items():
            value = getattr(settings, name)
            if name in SECRET_SETTINGS:
                text = "set" if value else "not set"
            else:
                text = "" if value is None else str(value)
            shown.append(
                SettingView(
                    f"BRIGHTLINE_{name.upper()}",
                    text,
                    info.description or "",
                    name,
                    name in SECRET_SETTINGS,
                )
            )
        return shown


def redeem_password_reset(
    site: Site, username: str, code: str, password: str, *, client: str
) -> None:
    """Set a new password with a one-time reset code (no sign-in), throttled like sign-in.

    The change is an account event by the account itself; a wrong code counts as a failure
    against the username and the client, and the same answer is given for any wrong input.
    """
    throttle = [f"reset:{username.strip().lower()[:64]}", f"reset-client:{client}"]
    with site.transaction() as session:
        check_throttle(session, throttle, site.now())
    try:
        with site.transaction() as session:
            user = account_by_username(session, username.strip())
            profile = site.settings.argon2_profile
            user = redeem_reset(user, code, password, site.now(), profile=profile)
            event = account_event(
                "account.password",
                actor=user.pseudonym,
                role=user.role,
                account=user.pseudonym,
                at=site.now(),
            )
            AuditLog().append(session, event)
    except Unauthenticated:
        with site.transaction() as session:
            record_failure(session, throttle, site.now())
        raise
