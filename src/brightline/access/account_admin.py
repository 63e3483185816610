"""Staff accounts through the policy: created, changed, disabled, re-enabled, new passwords.

Every change is an audit entry naming the acting admin and the subject account by their
pseudonyms, in the transaction of the change. Disabling an account (or setting its
password) revokes all its live tokens at once.
"""

from __future__ import annotations

from datetime import datetime

from brightline.access.account_events import by_actor
from brightline.access.base import AccessCore
from brightline.access.signin import revoke_tokens
from brightline.audit.reports import account_events
from brightline.errors import InvalidInput
from brightline.records import AccountEvent, AccountRecord, record_of
from brightline.service import lookups
from brightline.service.accounts import (
    account_named,
    add_user,
    change_placement,
    set_password,
    usernames_of,
)
from brightline.store.models import User

# How many account events the privacy officer's page and the API list at most.
ACCOUNT_EVENTS_SHOWN = 200
# Staff pseudonyms are shown by their first characters: enough to tell people apart.
PSEUDONYM_PREFIX = 8


class AccountAdministration(AccessCore):
    """Account administration (admins) and the account events (privacy officers)."""

    def _log_account(self, action: str, user: User) -> None:
        event = by_actor(action, self.actor, user.pseudonym, self.site.now())
        self.positions.append(self.log.append(self.session, event))

    def add_account(self, username: str, password: str, role: str, scope: str) -> AccountRecord:
        """Create a staff account (admins)."""
        self.require_general("account.create")
        profile = self.site.settings.argon2_profile
        user = add_user(self.session, username, password, role, scope, profile=profile)
        self._log_account("account.create", user)
        return record_of(AccountRecord, user)

    def accounts(self) -> list[AccountRecord]:
        """Every staff account (admins; no passwords, no pseudonyms)."""
        self.require_general("admin.manage")
        return [record_of(AccountRecord, u) for u in lookups.accounts(self.session)]

    def change_account(self, username: str, role: str, scope: str) -> AccountRecord:
        """Give an account a new role and scope (admins); its tokens carry the change at once."""
        self.require_general("account.update")
        user = account_named(self.session, username)
        change_placement(self.session, user, role, scope)
        self._log_account("account.update", user)
        return record_of(AccountRecord, user)

    def disable_account(self, username: str) -> AccountRecord:
        """Disable an account and revoke every live token of it (admins)."""
        self.require_general("account.disable")
        user = account_named(self.session, username)
        if user.id == self.actor.user_id:
            # An admin locked out by their own hand needs the database to get back in.
            raise InvalidInput("you cannot disable your own account", field="username")
        user.active = False
        revoke_tokens(self.session, user.id, now=self.site.now())
        self.session.flush()
        self._log_account("account.disable", user)
        return record_of(AccountRecord, user)

    def enable_account(self, username: str) -> AccountRecord:
        """Let a disabled account sign in again (admins); its old tokens stay revoked."""
        self.require_general("account.enable")
        user = account_named(self.session, username)
        user.active = True
        self.session.flush()
        self._log_account("account.enable", user)
        return record_of(AccountRecord, user)

    def reset_password(self, username: str, password: str) -> AccountRecord:
        """Set an account's password (admins); its live tokens are revoked."""
        self.require_general("account.password")
        user = account_named(self.session, username)
        set_password(user, password, profile=self.site.settings.argon2_profile)
        revoke_tokens(self.session, user.id, now=self.site.now())
        self.session.flush()
        self._log_account("account.password", user)
        return record_of(AccountRecord, user)

    def account_events(self, limit: int = 50) -> list[AccountEvent]:
        """The latest account events, newest first, subject accounts by username (privacy
        officers: they may see staff usernames)."""
        self.require_general("audit.read")
        rows = account_events(self.session, min(max(limit, 1), ACCOUNT_EVENTS_SHOWN))
        names = usernames_of(self.session, {r.account for r in rows if r.account})
        return [
            AccountEvent(
                position=row.position,
                at=datetime.fromisoformat(row.at.removesuffix("Z")),
                action=row.action,
                outcome=row.outcome,
                actor_role=row.role,
                actor=row.actor[:PSEUDONYM_PREFIX],
                account=row.account[:PSEUDONYM_PREFIX] if row.account else None,
                username=names.get(row.account) if row.account else None,
                reason=row.reason,
            )
            for row in rows
        ]
